"""Verdict -> light and buzzer pattern over time.

The light thread times blinking itself so that the lane never waits on a serial
write; it wakes at once on a new verdict (the latency from frame to red lamp matters).
"""
from __future__ import annotations

import dataclasses
import logging
import math
import queue
import threading
import time
from typing import Callable, Dict, Optional, Tuple

from drivers.base import OFF, DeviceState, Lamps, Light
from edge.settings.signals import LightPattern, SignalSettings
from edge.verdict import Verdict

log = logging.getLogger(__name__)

#: A 'fault' verdict (this person needs manual screening) shows the fault pattern this
#: long. The pattern itself has no end because it also marks a device that is down,
#: and that lasts exactly as long as the device fault, not as the verdict.
FAULT_VERDICT_S = 5.0
LIGHT_POLL_S = 1.0  # how often a steady light's own state is looked at


def pattern_for(settings: SignalSettings, verdict: Verdict) -> LightPattern:
    table: Dict[Verdict, LightPattern] = {
        Verdict.PASS: settings.pass_, Verdict.FEVER: settings.fever, Verdict.RETRY: settings.retry,
        Verdict.DENY: settings.deny, Verdict.FAULT: settings.fault,
    }
    return table[verdict]


def lamps_at(pattern: LightPattern, elapsed: float, limit_s: float = 0.0) -> Tuple[Optional[Lamps], float]:
    """Lamps ``elapsed`` seconds into a pattern, and seconds until the next change.

    Returns ``(None, inf)`` once the pattern has ended. ``limit_s`` ends a pattern that
    otherwise lasts until acknowledged (0 = no limit).
    """
    end = pattern.seconds if pattern.seconds > 0 else limit_s
    if end > 0 and elapsed >= end:
        return None, math.inf
    next_change = (end - elapsed) if end > 0 else math.inf
    lit = set(pattern.lamps)
    if "buzzer" in lit and pattern.buzzer_seconds > 0:
        if elapsed >= pattern.buzzer_seconds:
            lit.discard("buzzer")
        else:
            next_change = min(next_change, pattern.buzzer_seconds - elapsed)
    if pattern.blink_hz > 0:
        half = 0.5 / pattern.blink_hz
        phase = int(elapsed / half)
        if phase % 2 == 1:
            lit -= {"red", "yellow", "green"}
        next_change = min(next_change, (phase + 1) * half - elapsed)
    return Lamps(**{name: True for name in lit}), next_change


class SignalController:
    """Owns the light: shows verdict patterns, the fault pattern while a device is down."""

    def __init__(self, settings: SignalSettings, light: Light, clock: Callable[[], float] = time.monotonic) -> None:
        self.settings = settings
        self.light = light
        self.clock = clock
        self._commands: "queue.Queue[tuple]" = queue.Queue()
        self._thread: Optional[threading.Thread] = None
        self._pattern: Optional[LightPattern] = None
        self._verdict: Optional[Verdict] = None
        self._since = 0.0
        self._fault = False
        self.current: Lamps = OFF
        # Called on this thread when the light's own state changes (a relay unplugged, GPIO
        # lost): the daemon hands it to the lane, so the guard sees the light as a device.
        self.on_light_state: Callable[[DeviceState, str], None] = lambda state, detail: None
        self._light_state: Optional[DeviceState] = None

    # -- called from other threads (only enqueue) ---------------------------------
    def show(self, verdict: Verdict) -> None:
        self._commands.put(("verdict", verdict))

    def set_fault(self, fault: bool) -> None:
        self._commands.put(("fault", fault))

    def acknowledge(self) -> None:
        self._commands.put(("ack", None))

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="signals", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._commands.put(("stop", None))
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._apply(OFF)

    # -- the light thread -----------------------------------------------------------
    def _run(self) -> None:
        wait = 0.0
        while True:
            try:
                kind, value = self._commands.get(timeout=wait if wait != math.inf else None)
            except queue.Empty:
                kind, value = "tick", None
            if kind == "stop":
                return
            self._command(kind, value)
            lamps, wait = self.lamps_now()
            self._apply(lamps)
            self._watch_light()
            # Also wakes a steady light now and then: a light can fail without being written to.
            wait = min(max(wait, 0.005), LIGHT_POLL_S)

    def _command(self, kind: str, value: object) -> None:
        now = self.clock()
        if kind == "verdict":
            assert isinstance(value, Verdict)
            if self._verdict is Verdict.FEVER and self._pattern is not None and value is not Verdict.FEVER:
                return  # an unacknowledged fever keeps the light until the guard acts
            self._verdict, self._pattern, self._since = value, pattern_for(self.settings, value), now
        elif kind == "fault":
            self._fault = bool(value)
        elif kind == "ack" and self._verdict is Verdict.FEVER:
            self._pattern = None
            self._verdict = None

    def lamps_now(self) -> Tuple[Lamps, float]:
        now = self.clock()
        if self._pattern is not None:
            limit = {Verdict.FEVER: self.settings.fever_timeout_s, Verdict.FAULT: FAULT_VERDICT_S}.get(self._verdict, 0.0)
            lamps, wait = lamps_at(self._pattern, now - self._since, limit)
            if lamps is not None:
                return lamps, wait
            self._pattern, self._verdict = None, None
        if self._fault:
            # The fault pattern lasts while the fault does: its phase runs on the clock.
            lamps, wait = lamps_at(dataclasses.replace(self.settings.fault, seconds=0.0), now)
            return lamps or OFF, wait
        return OFF, math.inf

    def _watch_light(self) -> None:
        state = self.light.state
        if state is self._light_state:
            return
        try:
            self.on_light_state(state, self.light.state_detail)
        except Exception as exc:  # (the lane's queue full): told again at the next poll
            log.warning("light state %s not passed on: %s", state.value, exc)
            return
        self._light_state = state

    def _apply(self, lamps: Lamps) -> None:
        if lamps == self.current:
            return
        self.current = lamps
        try:
            self.light.apply(lamps)
        except OSError as exc:  # the light's own reconnect logic reports state; never kill this thread
            log.warning("light: %s", exc)
        except Exception:  # a library's own error (gpiod's RequestReleasedError, ...): the same, with its trace
            log.exception("light: applying %s failed", lamps)

