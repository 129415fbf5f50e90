"""Readings of one presence -> body estimate -> pass / fever / retry / fault.

CONTRACT (the lane depends on exactly this):

    screener = Screener(settings: ScreeningSettings, accuracy: AccuracyClass)
    screener.begin(t)                 # somebody stepped into view
    screener.add(fa: FrameAnalysis)   # every frame of the presence
    screener.done() -> bool           # a final reading is available (enough stable frames)
    screener.finish(t) -> ScreeningResult   # ends the presence; retry with a reason if not done

The screener keeps cross-person state (relative baseline) and is owned by the lane thread.
"""
from __future__ import annotations

import dataclasses
from typing import Any, Dict, Optional, Tuple

from edge.verdict import Verdict


@dataclasses.dataclass(frozen=True)
class ScreeningResult:
    verdict: Verdict  # PASS, FEVER, RETRY or FAULT
    reasons: Tuple[str, ...]  # reason codes (edge.reasons)
    skin_c: Optional[float]  # raw aggregated skin reading
    body_c: Optional[float]  # body estimate after corrections
    #: n_frames, n_pixels, spread_c, corrections {name: deg C}, calibration_version, threshold_c, flags
    details: Dict[str, Any] = dataclasses.field(default_factory=dict)
