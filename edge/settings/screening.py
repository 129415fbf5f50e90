from __future__ import annotations

import dataclasses
from typing import Literal, Optional

from edge.settings.checks import file_path
from edge.settings.errors import raise_problems
from edge.settings.fields import setting


@dataclasses.dataclass
class BlackbodySettings:
    """A blackbody reference source in view of the sensor (IEC 80601-2-59).

    Its region is excluded from person detection; every frame's skin reading is corrected
    by (setpoint - measured reference). A missing or unstable reference stops screening.
    """

    x: int = setting(min=0, max=4095, doc="Left column of the reference region (sensor pixels).")
    y: int = setting(min=0, max=4095, doc="Top row of the reference region (sensor pixels).")
    w: int = setting(min=1, max=4096, doc="Width of the reference region (pixels); keep it inside the source's face.")
    h: int = setting(min=1, max=4096, doc="Height of the reference region (pixels).")
    setpoint_c: float = setting(35.0, min=30, max=42, doc="Temperature the blackbody is regulated to (deg C, usually 35-37).")
    tolerance_c: float = setting(3.0, min=0.2, max=10, doc="A reference reading further than this from the setpoint means the source is missing or off. At least twice the sensor's own absolute error before correction: 3 covers a P2-class camera and an MLX90640 (+-1.5 C); a Lepton 3.5 (+-5 C) needs 10.")
    max_spread_c: float = setting(0.6, min=0.05, max=5, doc="Standard deviation inside the region above this means the region is not on the source (occluded, moved).")
    max_step_c: float = setting(0.5, min=0.05, max=5, doc="Frame-to-frame jump of the reference above this marks it unstable for that frame.")


@dataclasses.dataclass
class ScreeningSettings:
    """Temperature screening: measurement, corrections, thresholds (DESIGN.md section 4)."""

    threshold_mode: Literal["absolute", "relative", "both"] = setting("absolute", doc="Which fever threshold applies.")
    fever_c: float = setting(37.3, min=35, max=40, doc="Absolute threshold on the body estimate (deg C).")
    offset_c: float = setting(0.6, min=-5, max=5, doc="Constant canthus-to-body offset used when no calibration file is given (0.6: a P2-class camera at 0.6-1.0 m, blur included; calibrate each device).")
    calibration_file: Optional[str] = setting(None, check=file_path, doc="Versioned calibration file written by 'gate-edge calibrate'; its offset replaces offset_c.")
    stable_frames: int = setting(4, min=1, max=100, doc="Frames of one still person needed for a reading.")
    hottest_pixels: int = setting(4, min=1, max=200, doc="Mean of this many hottest face pixels is the raw skin reading.")
    skin_min_c: float = setting(30.0, min=15, max=40, doc="Pixels at or above this count as skin/face.")
    cold_skin_c: float = setting(33.0, min=20, max=40, doc="A face hotspot below this is 'too cold': wait indoors and retry.")
    cold_contrast_c: Optional[float] = setting(2.5, min=1, max=15, doc="Face hotspot more than this above the face's median (at 22 deg C): a face still cold from outside, too_cold. Empty = off.")
    cold_contrast_slope: float = setting(0.11, min=0, max=1, doc="The allowed contrast grows by this per deg C the room is below 22 (a cold room cools faces too).")
    max_skin_c: float = setting(42.5, min=38, max=60, doc="A hotspot above this is not a person (hot drink, heater): retry.")
    # -- quality gates --------------------------------------------------------
    warmup_minutes: Optional[float] = setting(None, min=0, max=240, doc="Sensor warm-up before readings are trusted; empty = the driver's own (30 min for UVC cameras).")
    stable_spread_c: float = setting(0.5, min=0.05, max=5, doc="Frame readings of a stable person stay within this range (deg C).")
    stable_s: float = setting(0.4, min=0, max=10, doc="The stable frames must also span at least this long (seconds).")
    stable_size_change: float = setting(0.15, min=0.02, max=5, doc="Face size may change by this share across the stable frames (a person still walking in is not measured yet).")
    min_face_pixels: Optional[int] = setting(None, min=1, max=100000, doc="Face pixels needed for a reading; empty = by sensor resolution (1.3% of the frame, at least 16: a face at about 1.4 m).")
    max_face_fraction: float = setting(0.25, min=0.02, max=1, doc="A face covering more than this share of the frame is too close.")
    person_delta_c: float = setting(2.5, min=0.5, max=15, doc="Pixels this much warmer than the background belong to a person.")
    spike_c: float = setting(0.8, min=0.1, max=10, doc="A pixel hotter than every neighbour by more than this is a defect and is clipped.")
    min_body_c: float = setting(34.5, min=25, max=37, doc="A body estimate below this is not plausible: retry.")
    max_body_c: float = setting(43.0, min=38, max=50, doc="A body estimate above this is not plausible: retry.")
    # -- corrections ----------------------------------------------------------
    blackbody: Optional[BlackbodySettings] = setting(None, doc="Blackbody reference region; absent = no drift correction.")
    ambient_coeff: float = setting(0.0, min=-0.5, max=0.5, doc="Ambient compensation: body += coeff * (ambient_ref_c - ambient). 0 = off.")
    ambient_ref_c: float = setting(22.0, min=-10, max=40, doc="Ambient temperature at which the offset was calibrated (deg C).")
    # -- relative threshold ---------------------------------------------------
    relative_window: int = setting(10, min=3, max=100, doc="Accepted readings averaged for the relative baseline.")
    relative_margin_c: float = setting(1.0, min=0.3, max=3, doc="Relative threshold = trimmed mean of the window + this (deg C).")
    relative_min_samples: int = setting(5, min=3, max=100, doc="Readings needed before the relative threshold applies.")
    relative_idle_s: float = setting(1800.0, min=10, max=86400, doc="Baseline is discarded after this long without an accepted reading.")

    def __post_init__(self) -> None:
        # Each bound alone is in range, but a fever line at or past the plausibility limit
        # turns every fever into a retry ("implausible"), and a cold limit at or above the
        # hot one leaves no reading that is neither.
        problems = []
        if not self.min_body_c < self.fever_c < self.max_body_c:
            problems.append(("fever_c", f"must lie between min_body_c ({self.min_body_c:g}) and max_body_c "
                                        f"({self.max_body_c:g}), else no fever can be found; got {self.fever_c:g}"))
        if self.cold_skin_c >= self.max_skin_c:
            problems.append(("cold_skin_c", f"must be below max_skin_c ({self.max_skin_c:g}), else every reading is "
                                            f"too cold or too hot; got {self.cold_skin_c:g}"))
        raise_problems(problems)
