"""Running the screening pipeline and the simple methods over one recording, and scoring them.

The pipeline is the daemon's own lane (presences, the Screener, frame checks, newcomers),
fed the recording's frames the way a replay feeds them (edge.replay.run_events).
"""
from __future__ import annotations

import dataclasses
import statistics
from typing import Any, Dict, List, Optional, Sequence

import numpy as np

from drivers.base import AccuracyClass, ThermalFrame
from edge.assembly import build_lane
from edge.clock import recording_clock
from edge.record import PassageRecord
from edge.replay import run_events
from edge.settings.lane import LaneSettings
from edge.settings.root import GateConfig
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
                 lane: Optional[LaneSettings] = None) -> List[PassageRecord]:
    """The passages of the daemon's own lane (edge.lane.Lane, as a replay runs it) over the
    recording: temperature only (no card reader), so every measurement is a passage."""
    config = GateConfig(screening=settings, lane=lane or LaneSettings())
    gate = build_lane(config, accuracy, recording_clock, None, False, sensor_started=None, warmup_minutes=0.0)
    return [record for record, _person in run_events(gate, frames_of(rec))]


def pipeline_outcomes(rec: Rec, passages: Sequence[PassageRecord], slack_s: float = 1.0) -> List[Outcome]:
    """Each person's result: the first pass/fever passage measured in their window, else the first other."""
    outcomes = []
    for person in rec.truth:
        mine = [r for r in passages if person["t_enter"] <= r.t <= person["t_leave"] + slack_s]
        decided = [r for r in mine if r.verdict in (Verdict.PASS, Verdict.FEVER)]
        chosen = decided[0] if decided else (mine[0] if mine else None)
        if chosen is None:
            outcomes.append(Outcome(person["core_c"], "none", None))
            continue
        base = None
        if chosen.body_c is not None:
            corrections = chosen.measurement.get("corrections", {})
            base = chosen.body_c - float(corrections.get("offset", 0.0)) - float(corrections.get("face_size", 0.0))
        outcomes.append(Outcome(person["core_c"], chosen.verdict.value, chosen.body_c, base,
                                chosen.measurement.get("face_pixels")))
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
