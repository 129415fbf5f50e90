"""Light patterns over time, and the controller thread driving a real (log) light."""
from __future__ import annotations

import math
import time

import edge.signals
from drivers.base import BuildContext, DeviceState, Lamps
from drivers.light.log import LogLight, Options
from edge.settings.signals import LightPattern, SignalSettings
from edge.signals import SignalController, lamps_at
from edge.verdict import Verdict


def test_steady_pattern_ends_after_its_seconds():
    pattern = LightPattern(["green"], 0, 2.0)
    lamps, wait = lamps_at(pattern, 0.5)
    assert lamps == Lamps(green=True) and math.isclose(wait, 1.5)
    assert lamps_at(pattern, 2.0) == (None, math.inf)


def test_blinking_fever_with_buzzer_window_and_timeout():
    pattern = LightPattern(["red", "buzzer"], 2.0, 0.0, 10.0)
    on, wait = lamps_at(pattern, 0.1, limit_s=120)
    assert on == Lamps(red=True, buzzer=True) and math.isclose(wait, 0.15)
    off, _ = lamps_at(pattern, 0.3, limit_s=120)
    assert off == Lamps(buzzer=True)
    quiet, _ = lamps_at(pattern, 10.1, limit_s=120)
    assert quiet == Lamps(red=True)
    assert lamps_at(pattern, 121, limit_s=120)[0] is None
    assert lamps_at(pattern, 5000, limit_s=0)[0] is not None  # until acknowledged


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_controller_keeps_fever_until_acknowledged_then_shows_fault():
    clock = FakeClock()
    light = LogLight(Options(), BuildContext("light"))
    light.open()
    ctl = SignalController(SignalSettings(), light, clock=clock)
    ctl._command("verdict", Verdict.FEVER)
    assert ctl.lamps_now()[0].red
    ctl._command("verdict", Verdict.PASS)  # the next person must not clear the fever
    assert ctl.lamps_now()[0].red
    ctl._command("fault", True)
    ctl._command("ack", None)
    lamps, _ = ctl.lamps_now()
    assert lamps.yellow or not lamps.red  # fault pattern (blinking yellow), no red
    clock.now += 0.25
    assert ctl.lamps_now()[0] in (Lamps(yellow=True), Lamps())


def test_controller_thread_drives_the_light():
    light = LogLight(Options(), BuildContext("light"))
    light.open()
    ctl = SignalController(SignalSettings(), light)
    ctl.start()
    try:
        ctl.show(Verdict.PASS)
        deadline = time.monotonic() + 2
        while Lamps(green=True) not in light.history and time.monotonic() < deadline:
            time.sleep(0.01)
        assert Lamps(green=True) in light.history
    finally:
        ctl.stop()
    assert light.current == Lamps()


def test_fault_verdict_blinks_for_a_while_then_goes_dark_once_devices_are_ok():
    clock = FakeClock()
    light = LogLight(Options(), BuildContext("light"))
    light.open()
    ctl = SignalController(SignalSettings(), light, clock=clock)
    ctl._command("fault", True)  # a device is down: the card tap becomes a 'fault' passage
    ctl._command("verdict", Verdict.FAULT)
    assert ctl.lamps_now()[0].yellow
    ctl._command("fault", False)  # the device is back
    clock.now += 4.0
    assert ctl.lamps_now()[0] in (Lamps(yellow=True), Lamps())  # still the verdict's blinking
    clock.now += 2.0
    assert ctl.lamps_now() == (Lamps(), math.inf)  # dark: nothing left to show


def test_log_light_history_is_bounded():
    from drivers.light.log import HISTORY

    light = LogLight(Options(), BuildContext("light"))
    light.open()
    for i in range(HISTORY * 3):
        light.apply(Lamps(red=bool(i % 2)))
    assert len(light.history) == HISTORY and light.history[-1] == Lamps(red=True)


class FlakyLight(LogLight):
    """The log light, with its state set by the test as a relay's driver would set it."""

    def unplug(self) -> None:
        self._set_state(DeviceState.RECONNECTING, "relay board unplugged")

    def replug(self) -> None:
        self._set_state(DeviceState.OK)


def test_a_steady_light_that_fails_is_reported_and_so_is_its_return(monkeypatch):
    monkeypatch.setattr(edge.signals, "LIGHT_POLL_S", 0.02)
    light = FlakyLight(Options(), BuildContext("light"))
    light.open()
    ctl = SignalController(SignalSettings(), light)
    states = []
    ctl.on_light_state = lambda state, detail: states.append((state, detail))
    ctl.start()
    try:
        assert _until(lambda: states == [(DeviceState.OK, "")])
        light.unplug()  # nothing is written to it meanwhile: only the poll can see it
        assert _until(lambda: states[-1] == (DeviceState.RECONNECTING, "relay board unplugged"))
        light.replug()
        assert _until(lambda: states[-1][0] is DeviceState.OK and len(states) == 3)
    finally:
        ctl.stop()


class RaisingLight(LogLight):
    """A light whose library raises its own error type once (not an OSError)."""

    failures = 1

    def apply(self, lamps: Lamps) -> None:
        if self.failures:
            self.failures -= 1
            raise RuntimeError("request released")  # as gpiod's RequestReleasedError
        super().apply(lamps)


def test_a_light_library_error_does_not_end_the_signal_thread():
    light = RaisingLight(Options(), BuildContext("light"))
    light.open()
    ctl = SignalController(SignalSettings(), light)
    ctl.start()
    try:
        ctl.show(Verdict.PASS)  # the first write raises
        time.sleep(0.2)
        ctl.show(Verdict.FEVER)
        assert _until(lambda: any(lamps.red for lamps in light.history))  # the thread lives on
    finally:
        ctl.stop()


def _until(predicate, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not predicate():
        time.sleep(0.01)
    return predicate()
