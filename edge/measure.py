"""Frame -> face region -> one reading with quality flags.

CONTRACT (the lane depends on exactly this):

    analyzer = FrameAnalyzer(settings: ScreeningSettings, accuracy: AccuracyClass)
    fa: FrameAnalysis = analyzer.analyze(frame: ThermalFrame)

``analyze`` must be cheap (<= 2 ms median at 256x192) and pure apart from caches.
"""
from __future__ import annotations

import dataclasses
from typing import FrozenSet, Optional, Tuple


@dataclasses.dataclass(frozen=True)
class FrameAnalysis:
    t: float
    people: int  # warm blobs big enough to be a person
    face_box: Optional[Tuple[int, int, int, int]]  # x, y, w, h in sensor pixels
    face_pixels: int  # skin pixels in the face/head region
    skin_c: Optional[float]  # raw hotspot reading of this frame (no corrections)
    skin_n: int  # pixels used for skin_c
    issues: FrozenSet[str]  # reason codes from edge.reasons: several_people, too_far, too_close, shutter, ...
    ambient_c: Optional[float] = None
    reference_c: Optional[float] = None  # blackbody region mean when configured

    @property
    def present(self) -> bool:
        return self.people > 0
