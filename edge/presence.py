"""One person in the sensor's view, from the first warm frame until enough empty ones."""
from __future__ import annotations

import dataclasses
from typing import Optional, Tuple

from edge.measure import FrameAnalysis

#: After a measurement, a face this much hotter (raw reading) for stable_frames frames in a
#: row is someone else who stepped up with no empty frame in between: measured anew, so a
#: hotter newcomer never takes the cooler reading before them (review 9e: a fever shown as a
#: PASS). A face turning away reads colder, so only hotter counts.
NEWCOMER_HOTTER_C = 1.0
#: After a measurement, a clean empty frame (fewer than leave_frames of them) and then a face
#: with an area this many times smaller or larger than the measured face is someone else
#: stepping up in a tight queue: the one before walked out of view, the next walks in from
#: farther back, small. Where the face is does not count: the same person lost for a frame
#: may come back a little aside, and one shifting or turning away keeps about their size.
NEWCOMER_AREA_RATIO = 2.5

Box = Tuple[int, int, int, int]


def resized(a: Box, b: Box) -> bool:
    """Face box ``b`` is of quite another size than ``a``: another face, nearer or farther."""
    ratio = max(1, b[2] * b[3]) / max(1, a[2] * a[3])
    return not 1 / NEWCOMER_AREA_RATIO <= ratio <= NEWCOMER_AREA_RATIO


@dataclasses.dataclass
class Presence:
    t_start: float
    frames: int = 0
    empty: int = 0
    measured: bool = False
    skin_c: Optional[float] = None  # the raw reading it was measured at
    hotter: int = 0  # frames in a row since then showing a clearly hotter face
    replaced: bool = False  # began as a newcomer, with no gap after the one before
    box: Optional[Box] = None  # the face as last seen up to the measurement
    dropout: bool = False  # a clean empty frame since the measurement, no face seen since

    def newcomer(self, fa: FrameAnalysis, frames_needed: int) -> bool:
        """Someone clearly hotter than the measured person has been in view for a while,
        or a face of another size than the measured one came after an empty frame.
        Called on every frame with someone in view."""
        hotter = (self.measured and self.skin_c is not None and fa.skin_c is not None and not fa.issues
                  and fa.skin_c > self.skin_c + NEWCOMER_HOTTER_C)
        self.hotter = self.hotter + 1 if hotter else 0
        return self.hotter >= frames_needed or self._returned(fa)

    def absent(self, fa: FrameAnalysis) -> None:
        """A frame with nobody in view. A shutter frame shows nobody but is no sign of anyone
        leaving: the person before may be there still, and walk off from another place."""
        self.empty += 1
        self.dropout = self.dropout or (self.measured and not fa.issues)

    def _returned(self, fa: FrameAnalysis) -> bool:
        if not self.measured:
            self.box = fa.face_box or self.box
            return False
        if not self.dropout or fa.face_box is None or self.box is None:
            return False
        self.dropout = False  # the first face after the dropout decides
        return resized(self.box, fa.face_box)
