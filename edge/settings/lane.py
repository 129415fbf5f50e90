from __future__ import annotations

import dataclasses

from edge.settings.fields import setting


@dataclasses.dataclass
class LaneSettings:
    """How a passage is assembled from device events."""

    pair_window_s: float = setting(8.0, min=0.5, max=120, doc="A card and a measurement this close in time belong to one passage.")
    require_card: bool = setting(True, doc="With a card reader configured: a measurement without a card ends as 'retry' (no card).")
    leave_frames: int = setting(3, min=1, max=100, doc="Frames with nobody in view that end a presence.")
    max_presence_s: float = setting(20.0, min=2, max=600, doc="A presence this long without a verdict ends as 'retry'.")
    thermal_silence_s: float = setting(
        5.0, min=1, max=600,
        doc="No thermal frame for this long while the sensor reports ok counts as down (fault to the guard) "
            "until frames come again. Keep it above twice the frame period (0.5 Hz: 2 s).")
    idle_tick_s: float = setting(0.5, min=0.05, max=10, doc="How often the lane checks timeouts when no frame arrives.")
