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
#: A tight queue: fewer than leave_frames empty frames between two people. After a
#: measurement, a clean empty frame, then a face with an area this many times smaller than
#: the measured face, is either the one before walking off or the next one walking in from
#: farther back; only the next one's face then grows by APPROACH_RATIO within APPROACH_S.
#: Larger faces do not count (a measured person leans in or steps up to the reader), nor
#: where the face is (one lost for a frame comes back a step aside): review 10d.
NEWCOMER_AREA_RATIO = 2.5
APPROACH_RATIO = 2.0
APPROACH_S = 2.0

Box = Tuple[int, int, int, int]


def area(box: Box) -> int:
    return max(1, box[2] * box[3])


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
    small: Optional[Tuple[float, int]] = None  # (when, area) of a much smaller face after a dropout

    def newcomer(self, fa: FrameAnalysis, frames_needed: int) -> bool:
        """Someone clearly hotter than the measured person has been in view for a while,
        or, after an empty frame, a much smaller face came and grew: someone walking up.
        Called on every frame with someone in view."""
        hotter = (self.measured and self.skin_c is not None and fa.skin_c is not None and not fa.issues
                  and fa.skin_c > self.skin_c + NEWCOMER_HOTTER_C)
        self.hotter = self.hotter + 1 if hotter else 0
        return self.hotter >= frames_needed or self._walked_up(fa)

    def absent(self, fa: FrameAnalysis) -> None:
        """A frame with nobody in view. A shutter frame shows nobody but is no sign of anyone
        leaving: the person before may be there still, and walk off from another place."""
        self.empty += 1
        self.dropout = self.dropout or (self.measured and not fa.issues)
        self.small = None  # gone again: the next face after this dropout is looked at anew

    def _walked_up(self, fa: FrameAnalysis) -> bool:
        box = fa.face_box
        if not self.measured:
            self.box = box or self.box
            return False
        if self.dropout:
            self.dropout = False  # the first face after the dropout may start a candidate
            if box is not None and self.box is not None and area(box) * NEWCOMER_AREA_RATIO < area(self.box):
                self.small = (fa.t, area(box))
            return False
        if self.small is None or box is None:
            return False
        since, first = self.small
        if fa.t - since > APPROACH_S:
            self.small = None  # it never came closer: the one before, walking off or waiting
            return False
        if area(box) < first * APPROACH_RATIO:
            return False
        self.small = None
        return True
