from __future__ import annotations

import dataclasses
from typing import Literal, Optional

from edge.settings.checks import window_size
from edge.settings.errors import raise_problems
from edge.settings.fields import setting


@dataclasses.dataclass
class DisplaySettings:
    """The guard's screen."""

    enabled: bool = setting(True, doc="Open the fullscreen window (run --headless overrides).")
    language: Literal["zh", "en"] = setting("zh", doc="Screen language.")
    size: str = setting("1024x600", check=window_size,
                        doc="Window size WIDTHxHEIGHT (800x480, 1024x600, 1920x1080 are laid out).")
    font: Optional[str] = setting(None, doc="CJK font file; found automatically when not given.")
    fullscreen: bool = setting(True, doc="Cover the whole display (false: a normal window, for a desk setup).")
    fps: float = setting(25.0, doc="Screen refresh rate, frames per second.", min=1, max=60)
    thermal_min_c: float = setting(20.0, doc="Temperature drawn darkest in the live thermal view, deg C.", min=-20, max=60)
    thermal_max_c: float = setting(40.0, doc="Temperature drawn brightest in the live thermal view, deg C.", min=-10, max=150)
    verdict_hold_s: float = setting(5.0, doc="Seconds a verdict stays on screen (a fever stays until acknowledged).", min=1, max=60)

    def __post_init__(self) -> None:
        # The renderer refuses an empty or inverted colour range at start.
        if self.thermal_max_c <= self.thermal_min_c:
            raise_problems([("thermal_max_c", f"must be above thermal_min_c ({self.thermal_min_c:g}), "
                                              f"got {self.thermal_max_c:g}")])
