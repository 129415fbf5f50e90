"""``type: replay`` thermal source: a recording (edge/recording.py) played in real time.

Frame i is due at ``open + (t[i] - t[0]) / speed`` (plus one recording length per loop)
and carries that monotonic time, so the ``sim`` card reader taps the recording's cards
on the same clock. Not looping, the end raises :class:`EndOfRecording`.
"""
from __future__ import annotations

import bisect
import dataclasses
import logging
import time
from typing import FrozenSet, List, Optional, Tuple

from drivers.base import (
    AccuracyClass,
    BuildContext,
    DeviceState,
    EndOfRecording,
    ThermalFrame,
    ThermalSource,
)
from edge.recording import Recording, RecordingError, load
from edge.settings.fields import setting

log = logging.getLogger(__name__)

LOOP_PAUSE_S = 2.0  # nobody in view between the end of one pass and the next


@dataclasses.dataclass
class Options:
    path: str = setting(doc="Recording file (.npz, README 'Recording format').")
    speed: float = setting(1.0, min=0.05, max=100, doc="Playback speed; 1 = real time.")
    loop: bool = setting(False, doc="Start over at the end instead of stopping.")


class ReplayThermal(ThermalSource):
    type_name = "replay"
    Options = Options
    #: Until the file says otherwise (meta.accuracy), assume the weaker class.
    accuracy = AccuracyClass.REFERENCE_REQUIRED
    warmup_minutes = 0.0

    def __init__(self, options: Options, context: BuildContext) -> None:
        super().__init__(options, context)
        self.recording: Optional[Recording] = None
        self.opened_at: Optional[float] = None
        self._flags: List[FrozenSet[str]] = []
        self._taps: List[Tuple[float, str]] = []
        self._i = 0
        self._lap = 0

    def describe(self) -> str:
        return f"replay {self.options.path} (speed {self.options.speed:g}{', loop' if self.options.loop else ''})"

    def open(self) -> None:
        try:
            rec = load(self.options.path)
        except RecordingError as exc:
            self._set_state(DeviceState.DOWN, str(exc))
            raise
        if len(rec) == 0:
            self._set_state(DeviceState.DOWN, "empty recording")
            raise RecordingError(f"{self.options.path}: the recording holds no frames")
        self.recording = rec
        meta = rec.meta or {}
        if meta.get("accuracy") in {a.value for a in AccuracyClass}:
            self.accuracy = AccuracyClass(meta["accuracy"])
        if meta.get("fps"):
            self.nominal_fps = float(meta["fps"])
        self._flags = rec.frame_flags()
        self._taps = rec.card_taps()
        self._i, self._lap = 0, 0
        self.opened_at = time.monotonic()
        self._set_state(DeviceState.OK)

    def close(self) -> None:
        self._set_state(DeviceState.DOWN, "closed")

    def _period(self) -> float:
        """Recording seconds of one pass, loop pause included."""
        assert self.recording is not None
        t = self.recording.t
        return float(t[-1] - t[0]) + LOOP_PAUSE_S

    def _mono(self, t_rec: float, lap: int) -> float:
        assert self.recording is not None and self.opened_at is not None
        return self.opened_at + (t_rec - float(self.recording.t[0]) + lap * self._period()) / self.options.speed

    def read(self, timeout: float) -> Optional[ThermalFrame]:
        rec = self.recording
        if self.state is not DeviceState.OK or rec is None:
            time.sleep(max(0.0, timeout))
            return None
        if self._i >= len(rec):
            if not self.options.loop:
                raise EndOfRecording(self.options.path)
            self._i, self._lap = 0, self._lap + 1
        due = self._mono(float(rec.t[self._i]), self._lap)
        now = time.monotonic()
        if due - now > timeout:
            time.sleep(max(0.0, timeout))
            return None
        if due > now:
            time.sleep(due - now)
        frame = rec.frame(self._i, self._flags)
        self._i += 1
        self.count("frames")
        return dataclasses.replace(frame, t=due)

    def next_card_tap(self, after: float) -> Optional[Tuple[float, str]]:
        """First card tap of the recording strictly after monotonic time ``after``."""
        rec = self.recording
        if rec is None or self.opened_at is None or not self._taps:
            return None
        t0 = float(rec.t[0])
        rec_after = (after - self.opened_at) * self.options.speed + t0
        lap = int((rec_after - t0) // self._period()) if self.options.loop and rec_after > t0 else 0
        for lap_k in (lap, lap + 1) if self.options.loop else (0,):
            local = rec_after - lap_k * self._period()
            k = bisect.bisect_right([tap[0] for tap in self._taps], local)
            if k < len(self._taps):
                t_tap, card = self._taps[k]
                return self._mono(t_tap, lap_k), card
        return None
