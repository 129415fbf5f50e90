from __future__ import annotations

import dataclasses
from typing import Literal, Optional

from edge.settings.fields import setting


@dataclasses.dataclass
class ScreeningSettings:
    """Temperature screening: measurement, corrections, thresholds (DESIGN.md section 4)."""

    threshold_mode: Literal["absolute", "relative", "both"] = setting("absolute", doc="Which fever threshold applies.")
    fever_c: float = setting(37.3, min=35, max=40, doc="Absolute threshold on the body estimate (deg C).")
    offset_c: float = setting(0.4, min=-5, max=5, doc="Constant skin(canthus)-to-body offset used when no calibration file is given.")
    calibration_file: Optional[str] = setting(None, doc="Versioned calibration file written by 'gate-edge calibrate'; its offset replaces offset_c.")
    stable_frames: int = setting(4, min=1, max=100, doc="Frames of one still person needed for a reading.")
    hottest_pixels: int = setting(4, min=1, max=200, doc="Mean of this many hottest face pixels is the raw skin reading.")
    skin_min_c: float = setting(30.0, min=15, max=40, doc="Pixels at or above this count as skin/face.")
    cold_skin_c: float = setting(33.0, min=20, max=40, doc="A face hotspot below this is 'too cold': wait indoors and retry.")
    max_skin_c: float = setting(42.5, min=38, max=60, doc="A hotspot above this is not a person (hot drink, heater): retry.")
