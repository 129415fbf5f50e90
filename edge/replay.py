"""Batch replay: the real lane on a recording, as fast as the CPU allows.

Time comes from the recording, so two runs give identical passages.
"""
from __future__ import annotations

import logging
from typing import Any, Dict, Iterable, List, Optional, Tuple

from drivers.base import AccuracyClass
from edge.assembly import build_lane, load_local_roster
from edge.clock import recording_clock
from edge.lane import Lane
from edge.recording import Recording, events
from edge.record import PassageRecord
from edge.settings.root import GateConfig

log = logging.getLogger(__name__)


class _Collect:
    def __init__(self) -> None:
        self.passages: List[Tuple[PassageRecord, Any]] = []

    def on_passage(self, record: PassageRecord, person: Any) -> None:
        self.passages.append((record, person))

    def on_frame(self, frame: Any, analysis: Any) -> None:
        pass

    def on_devices(self, states: Any) -> None:
        pass

    def on_guard(self, event: Any) -> None:
        pass

    def on_fever_waiting(self, result: Any, t: float) -> None:
        pass  # the passage follows: a replay lists passages


def recording_accuracy(rec: Recording) -> AccuracyClass:
    """What the recording says of its sensor; unknown sensors are treated as not screening-grade."""
    meta = rec.meta or {}
    try:
        return AccuracyClass(meta.get("accuracy", AccuracyClass.REFERENCE_REQUIRED.value))
    except ValueError:
        return AccuracyClass.REFERENCE_REQUIRED


def recording_sensor(rec: Recording) -> Dict[str, Any]:
    """The measurement's ``sensor`` facts for a replay: a recording, and the sensor model
    its metadata names when it has one (``gate-edge sim`` writes it)."""
    model = (rec.meta or {}).get("sensor")
    return {"type": "recording", **({"sensor": str(model)} if model else {})}


def run_recording(rec: Recording, config: GateConfig, roster: Optional[Any] = None,
                  use_roster_file: bool = True) -> List[Tuple[PassageRecord, Any]]:
    if roster is None and use_roster_file:
        roster = load_local_roster(config)
    has_cards = rec.cards is not None and config.card is not None
    lane = build_lane(config, recording_accuracy(rec), recording_clock, roster, has_cards,
                      sensor_started=None, warmup_minutes=0.0, sensor=recording_sensor(rec))
    return run_events(lane, events(rec))


def run_events(lane: Lane, stream: Iterable[Any]) -> List[Tuple[PassageRecord, Any]]:
    """Every passage ``lane`` decides on ``stream`` (events in time order), flushed at its end."""
    out = _Collect()
    lane.listeners.append(out)
    last_t = 0.0
    for event in stream:
        lane.handle(event)
        last_t = event.t
    lane.flush(last_t)
    return out.passages
