"""One person in the sensor's view, from the first warm frame until enough empty ones."""
from __future__ import annotations

import dataclasses
from typing import Optional

from edge.measure import FrameAnalysis

#: After a measurement, a face this much hotter (raw reading) for stable_frames frames in a
#: row is someone else who stepped up with no empty frame in between: measured anew, so a
#: hotter newcomer never takes the cooler reading before them (review 9e: a fever shown as a
#: PASS). A face turning away reads colder, so only hotter counts.
NEWCOMER_HOTTER_C = 1.0


@dataclasses.dataclass
class Presence:
    t_start: float
    frames: int = 0
    empty: int = 0
    measured: bool = False
    skin_c: Optional[float] = None  # the raw reading it was measured at
    hotter: int = 0  # frames in a row since then showing a clearly hotter face
    replaced: bool = False  # began as a newcomer, with no gap after the one before

    def newcomer(self, fa: FrameAnalysis, frames_needed: int) -> bool:
        """Someone clearly hotter than the measured person has been in view for a while."""
        hotter = (self.measured and self.skin_c is not None and fa.skin_c is not None and not fa.issues
                  and fa.skin_c > self.skin_c + NEWCOMER_HOTTER_C)
        self.hotter = self.hotter + 1 if hotter else 0
        return self.hotter >= frames_needed
