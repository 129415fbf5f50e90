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
#: with an area this many times smaller than the measured face is someone else
#: stepping up in a tight queue: the one before walked out of view, the next walks in from
#: farther back, small. Where the face is does not count: the same person lost for a frame
#: may come back a little aside, and one shifting or turning away keeps about their size.
#: Larger does not count: a measured person steps up to the reader or leans in (review 10d).
#: (Compared with the face before the dropout instead, the next one often was not: the one
#: before shrinks as they walk off first.)
#: The one before walking off, half out of view, looks the same: such a presence that ends
#: in a RETRY with no card is not a passage (edge.lane.Lane._end_presence).
NEWCOMER_AREA_RATIO = 2.5

Box = Tuple[int, int, int, int]


def shrunk(a: Box, b: Box) -> bool:
    """Face box ``b`` is much smaller than ``a``: another face, farther back."""
    return max(1, b[2] * b[3]) * NEWCOMER_AREA_RATIO < max(1, a[2] * a[3])


@dataclasses.dataclass
class Presence:
    t_start: float
    frames: int = 0
    empty: int = 0
    measured: bool = False
    skin_c: Optional[float] = None  # the raw reading it was measured at
    hotter: int = 0  # frames in a row since then showing a clearly hotter face
    replaced: bool = False  # began as a newcomer, with no gap after the one before
    by_size: bool = False  # began as a newcomer by face size (NEWCOMER_AREA_RATIO)
    box: Optional[Box] = None  # the face as last seen up to the measurement
    dropout: bool = False  # a clean empty frame since the measurement, no face seen since
    split_by_size: bool = False  # newcomer() was True for a much smaller face

    def newcomer(self, fa: FrameAnalysis, frames_needed: int) -> bool:
        """Someone clearly hotter than the measured person has been in view for a while,
        or a much smaller face came after an empty frame (split_by_size).
        Called on every frame with someone in view."""
        hotter = (self.measured and self.skin_c is not None and fa.skin_c is not None and not fa.issues
                  and fa.skin_c > self.skin_c + NEWCOMER_HOTTER_C)
        self.hotter = self.hotter + 1 if hotter else 0
        if self.hotter >= frames_needed:
            return True
        self.split_by_size = self._returned(fa)
        return self.split_by_size

    def absent(self, fa: FrameAnalysis) -> None:
        """A frame with nobody in view. A shutter frame shows nobody but is no sign of anyone
        leaving: the person before may be there still, and walk off from another place."""
        self.empty += 1
        self.dropout = self.dropout or (self.measured and not fa.issues)

    def _returned(self, fa: FrameAnalysis) -> bool:
        """The first face after a dropout, much smaller than the measured face."""
        if not self.measured:
            self.box = fa.face_box or self.box
        if not self.dropout:
            return False
        self.dropout = False  # the first face after the dropout decides
        return fa.face_box is not None and self.box is not None and shrunk(self.box, fa.face_box)
