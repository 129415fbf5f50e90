"""Running the screening pipeline and the simple methods over one recording, and scoring them.

The pipeline runs the way the lane runs it (edge.lane.Lane._frame): a presence starts on
the first frame with somebody in view, every frame goes to the Screener until done(), a
presence ends after ``leave_frames`` empty frames, one-frame blips are dropped. When
edge.replay.run_recording exists, the real lane is used instead.
"""
from __future__ import annotations

import dataclasses
import statistics
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np

from drivers.base import AccuracyClass, ThermalFrame
from edge.measure import FrameAnalyzer
from edge.screening import ScreeningResult, Screener
from edge.settings.lane import LaneSettings
from edge.settings.screening import ScreeningSettings
from edge.verdict import Verdict

from evaluate_methods import METHODS, presence_reading  # type: ignore[import-not-found]

FEVER_LINE_C = 37.3


@dataclasses.dataclass
class Rec:
    """The parts of a recording (public .npz format) the evaluation needs."""

    frames: np.ndarray  # (N, H, W) float32
    t: np.ndarray  # (N,)
    truth: List[Dict[str, Any]]  # t_enter, t_leave, core_c
    ambient: Optional[np.ndarray] = None
    flags: Optional[List[frozenset]] = None


@dataclasses.dataclass
class Outcome:
    """One person's result under one method."""

    core_c: float
    verdict: str  # pass, fever, retry, fault, none (no passage at all)
    body_c: Optional[float]
    base_c: Optional[float] = None  # reading before the calibrated corrections (for fitting them)
    face_px: Optional[float] = None  # face pixels of the reading (face-size compensation)


def frames_of(rec: Rec) -> List[ThermalFrame]:
    out = []
    for i in range(rec.frames.shape[0]):
        ambient = None if rec.ambient is None else float(rec.ambient[i])
        flags = frozenset() if rec.flags is None else rec.flags[i]
        out.append(ThermalFrame(float(rec.t[i]), rec.frames[i], ambient, flags))
    return out


def run_pipeline(rec: Rec, settings: ScreeningSettings, accuracy: AccuracyClass,
                 lane: Optional[LaneSettings] = None) -> List[Tuple[float, ScreeningResult]]:
    lane = lane or LaneSettings()
    analyzer = FrameAnalyzer(settings, accuracy)
    screener = Screener(settings, accuracy)
    passages: List[Tuple[float, ScreeningResult]] = []
    presence: Optional[Dict[str, Any]] = None

    def end(t: float) -> None:
        assert presence is not None
        result = screener.finish(t)
        presence["measured"] = True
        if not (result.verdict is Verdict.RETRY and presence["frames"] < 2):
            passages.append((t, result))

    for frame in frames_of(rec):
        fa = analyzer.analyze(frame)
        if presence is None and fa.present:
            presence = {"start": frame.t, "frames": 0, "empty": 0, "measured": False}
            screener.begin(frame.t)
        if presence is None:
            continue
        if fa.present:
            presence["empty"] = 0
            presence["frames"] += 1
            if not presence["measured"]:
                screener.add(fa)
                if screener.done() or frame.t - presence["start"] > lane.max_presence_s:
                    end(frame.t)
        else:
            presence["empty"] += 1
            if presence["empty"] >= lane.leave_frames:
                if not presence["measured"]:
                    end(frame.t)
                presence = None
    if presence is not None and not presence["measured"]:
        end(float(rec.t[-1]))
    return passages


def pipeline_outcomes(rec: Rec, passages: Sequence[Tuple[float, ScreeningResult]], slack_s: float = 1.0) -> List[Outcome]:
    """Each person's result: the first pass/fever passage in their window, else the first other."""
    outcomes = []
    for person in rec.truth:
        mine = [r for t, r in passages if person["t_enter"] <= t <= person["t_leave"] + slack_s]
        decided = [r for r in mine if r.verdict in (Verdict.PASS, Verdict.FEVER)]
        chosen = decided[0] if decided else (mine[0] if mine else None)
        if chosen is None:
            outcomes.append(Outcome(person["core_c"], "none", None))
            continue
        base = None
        if chosen.body_c is not None:
            corrections = chosen.details.get("corrections", {})
            base = chosen.body_c - float(corrections.get("offset", 0.0)) - float(corrections.get("face_size", 0.0))
        outcomes.append(Outcome(person["core_c"], chosen.verdict.value, chosen.body_c, base,
                                chosen.details.get("face_pixels")))
    return outcomes


def method_outcomes(rec: Rec, method: str, offset_c: float) -> List[Outcome]:
    """A simple method over each person's frames in view (ground-truth window)."""
    outcomes = []
    for person in rec.truth:
        idx = np.nonzero((rec.t >= person["t_enter"]) & (rec.t <= person["t_leave"]))[0]
        reading = presence_reading(METHODS[method], [rec.frames[i] for i in idx])
        if reading is None:
            outcomes.append(Outcome(person["core_c"], "retry", None))
            continue
        body = reading + offset_c
        verdict = "fever" if body >= FEVER_LINE_C else "pass"
        outcomes.append(Outcome(person["core_c"], verdict, body, reading))
    return outcomes


def fit_offset(outcomes: Sequence[Outcome]) -> float:
    """Constant offset from a calibration run (what 'gate-edge calibrate --pairs' does)."""
    diffs = [o.core_c - o.base_c for o in outcomes if o.base_c is not None]
    return statistics.median(diffs) if diffs else 0.0


@dataclasses.dataclass
class Score:
    people: int
    verdicts: int
    sensitivity: Optional[float]
    specificity: Optional[float]
    retry_rate: float
    mae_c: Optional[float]
    febrile: int  # people with a true fever
    febrile_decided: int = 0  # of them, people who got a verdict


def score(outcomes: Sequence[Outcome], fever_core_c: float = FEVER_LINE_C) -> Score:
    decided = [o for o in outcomes if o.verdict in ("pass", "fever")]
    febrile = [o for o in decided if o.core_c >= fever_core_c]
    afebrile = [o for o in decided if o.core_c < fever_core_c]
    sens = sum(o.verdict == "fever" for o in febrile) / len(febrile) if febrile else None
    spec = sum(o.verdict == "pass" for o in afebrile) / len(afebrile) if afebrile else None
    errors = [abs(o.body_c - o.core_c) for o in decided if o.body_c is not None]
    n = len(outcomes)
    return Score(n, len(decided), sens, spec, (n - len(decided)) / n if n else 0.0,
                 statistics.mean(errors) if errors else None, sum(o.core_c >= fever_core_c for o in outcomes),
                 len(febrile))
