from __future__ import annotations

import dataclasses
from typing import Literal, Optional

from edge.settings.fields import setting


@dataclasses.dataclass
class DisplaySettings:
    """The guard's screen."""

    enabled: bool = setting(True, doc="Open the fullscreen window (run --headless overrides).")
    language: Literal["zh", "en"] = setting("zh", doc="Screen language.")
    size: str = setting("1024x600", doc="Window size WIDTHxHEIGHT (800x480, 1024x600, 1920x1080 are laid out).")
    font: Optional[str] = setting(None, doc="CJK font file; found automatically when not given.")
