"""The stable-frames gate: consecutive clean frames whose readings agree."""
from __future__ import annotations

import collections
import dataclasses
import statistics
from typing import AbstractSet, Counter, Deque, List, Optional, Tuple

from edge.measure import FrameAnalysis

# When several issues kept a presence from a reading, the guard hears the one he can act
# on first: faults before positioning, positioning before "stand still".
ISSUE_PRIORITY: Tuple[str, ...] = (
    "reference_missing", "warming_up", "several_people", "too_close", "too_far", "implausible", "shutter",
)


@dataclasses.dataclass(frozen=True)
class Sample:
    fa: FrameAnalysis
    corrected_c: float  # skin reading after per-frame (drift) corrections
    drift_c: float  # the per-frame correction applied


class StableWindow:
    """Keeps the newest run of clean frames whose corrected readings span <= ``spread_c``,
    at least ``frames`` of them over at least ``span_s`` seconds (a fast camera must not
    measure someone still slowing down in 0.1 s).

    Any frame with an issue breaks the run: a person who steps closer, a second face or a
    shutter event starts the count again.
    """

    def __init__(self, frames: int, spread_c: float, size_change: float = 1.0, span_s: float = 0.0) -> None:
        self.frames = frames
        self.span_s = span_s
        self.spread_c = spread_c
        self.size_change = size_change
        self.run: Deque[Sample] = collections.deque()
        self.best: List[Sample] = []  # the longest run seen (reported when none completes)
        self.issues: Counter[str] = collections.Counter()
        self.seen = 0
        self.run_issue = 0  # consecutive frames with the same blocking issue
        self.last_issue: Optional[str] = None

    def add_issue_frame(self, fa: FrameAnalysis) -> None:
        self.seen += 1
        self.issues.update(fa.issues)
        self.run.clear()
        top = blocking_issue(fa.issues)
        self.run_issue = self.run_issue + 1 if top == self.last_issue else 1
        self.last_issue = top

    def add(self, sample: Sample) -> None:
        self.seen += 1
        self.run_issue, self.last_issue = 0, None
        self.run.append(sample)
        # Keep the shortest newest run that still has enough frames over enough time.
        while len(self.run) > self.frames and self.run[-1].fa.t - self.run[1].fa.t >= self.span_s:
            self.run.popleft()
        while len(self.run) > 1 and (_spread(self.run) > self.spread_c or self._resized()):
            self.run.popleft()
        if len(self.run) >= len(self.best):
            self.best = list(self.run)

    def _resized(self) -> bool:
        """The face grew or shrank: the person is still walking in or out."""
        sizes = [s.fa.face_pixels for s in self.run]
        return max(sizes) > (1.0 + self.size_change) * max(1, min(sizes))

    def full(self) -> bool:
        return len(self.run) >= self.frames and self.run[-1].fa.t - self.run[0].fa.t >= self.span_s

    def median(self) -> float:
        return statistics.median(s.corrected_c for s in self.run)


def _spread(run: Deque[Sample]) -> float:
    values = [s.corrected_c for s in run]
    return max(values) - min(values)


def blocking_issue(issues: AbstractSet[str]) -> Optional[str]:
    for code in ISSUE_PRIORITY:
        if code in issues:
            return code
    return next(iter(sorted(issues)), None)


def main_issue(counts: Counter[str]) -> Optional[str]:
    """The issue to tell the guard: the most frequent, ties broken by priority."""
    if not counts:
        return None
    rank = {code: i for i, code in enumerate(ISSUE_PRIORITY)}
    return max(counts, key=lambda c: (counts[c], -rank.get(c, len(rank))))
