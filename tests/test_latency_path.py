"""The fever -> red lamp path of scripts/bench_latency.py, through the real drivers on ptys.

The same wiring as the daemon (reader thread, lane thread, outputs, signal controller)
on a GY-MCU90640 pty and an LCUS relay pty: a fever person turns the red relay on; an
unplugged thermal sensor is a fault for the lane, and after the replug fever is red again.
Only bounded waits: nothing here asserts how fast, only that it happens.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Callable, Iterator, List

import pytest
from emulators.light_lcus import LcusBoard
from emulators.pty_device import PtyDevice

from drivers.base import DeviceState
from edge.verdict import Verdict

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

from bench_latency import FPS, RED_CHANNEL, Gate, frame_bytes  # noqa: E402

FAULT_CHANNEL = 3  # yellow: the default fault pattern's lamp on the default LCUS mapping
# More distinct frames than the lane looks back on (edge.frame_check.RECENT): a stream that
# cycles through a few is a hung module's, not a sensor's.
EMPTY = [frame_bytes(False, seed) for seed in range(6)]
FEVER = [frame_bytes(True, seed) for seed in range(6)]


class Rig:
    def __init__(self, tmp_path: Path, has_card_reader: bool = False) -> None:
        self.thermal_dev = PtyDevice(tmp_path / "usb-GY-MCU90640-if00-port0")
        self.light_dev = PtyDevice(tmp_path / "usb-1a86_USB_Serial-if00-port0")
        self.board = LcusBoard()
        self.gate = Gate(str(self.thermal_dev.path), str(self.light_dev.path), has_card_reader=has_card_reader)

    def pump(self, seconds: float) -> None:
        """Decode what the light got and discard what the driver sent the sensor."""
        deadline = time.monotonic() + seconds
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            self.board.feed(self.light_dev.read(min(0.01, remaining)))
            self.thermal_dev.read(0)

    def push(self, data: bytes, timeout: float = 1.0) -> None:
        """Write a frame without ever blocking past ``timeout`` (a driver not reading)."""
        deadline = time.monotonic() + timeout
        self.thermal_dev.push(data, lambda: time.monotonic() < deadline)

    def frames_until(self, frames: List[bytes], done: Callable[[], bool], limit: int) -> bool:
        """Send frames at the sensor's rate until ``done()`` or ``limit`` frames."""
        for i in range(limit):
            if done():
                return True
            self.push(frames[i % len(frames)])
            self.pump(1.0 / FPS)
        return done()

    def wait(self, done: Callable[[], bool], seconds: float) -> bool:
        deadline = time.monotonic() + seconds
        while not done() and time.monotonic() < deadline:
            self.pump(0.02)
        return done()

    def red_ons(self) -> int:
        return self.board.commands.count((RED_CHANNEL, True))

    def fever_turns_red(self) -> bool:
        before = self.red_ons()
        return self.frames_until(FEVER, lambda: self.red_ons() > before, limit=40)

    def close(self) -> None:
        self.gate.stop()
        self.thermal_dev.close()
        self.light_dev.close()


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[Rig]:
    r = Rig(tmp_path)
    r.gate.start()
    try:
        yield r
    finally:
        r.close()


def thermal_live(rig: Rig) -> object:
    return rig.gate.live.devices.get("thermal")


def test_fever_person_over_the_thermal_pty_turns_the_relay_red(rig: Rig):
    # The light is synced at open: every wired channel off.
    assert rig.wait(lambda: len(rig.board.commands) >= 4, 3.0)
    assert not any(rig.board.relays.values())
    assert rig.frames_until(EMPTY, lambda: rig.gate.lane.counters["frames"] >= 3, limit=40)
    assert rig.gate.live.record is None  # an empty scene is no passage
    assert rig.fever_turns_red()
    assert rig.board.relays[RED_CHANNEL] or rig.red_ons() >= 1  # blinking: it was on
    record = rig.gate.live.record
    assert record is not None and record.verdict is Verdict.FEVER and record.card is None
    assert rig.gate.live.fever_open and rig.board.bad == 0
    # The guard acknowledges: the red lamp goes off and stays off.
    rig.frames_until(EMPTY, lambda: False, limit=rig.gate.config.lane.leave_frames + 1)
    rig.gate.acknowledge()
    assert rig.wait(lambda: not rig.gate.live.fever_open and not rig.board.relays[RED_CHANNEL], 3.0)


def test_thermal_unplug_is_a_fault_and_replug_brings_fever_red_back(rig: Rig):
    assert rig.frames_until(EMPTY, lambda: rig.gate.lane.counters["frames"] >= 3,
                            limit=40)
    assert rig.fever_turns_red()
    rig.frames_until(EMPTY, lambda: False, limit=rig.gate.config.lane.leave_frames + 1)
    rig.gate.acknowledge()
    assert rig.wait(lambda: not rig.board.relays[RED_CHANNEL] and not rig.gate.live.fever_open, 3.0)

    rig.thermal_dev.unplug()
    assert rig.wait(lambda: rig.gate.thermal.state is not DeviceState.OK, 3.0)
    assert rig.gate.thermal.state in (DeviceState.RECONNECTING, DeviceState.DOWN)
    assert rig.wait(lambda: thermal_live(rig) in (DeviceState.RECONNECTING, DeviceState.DOWN), 3.0)
    # Nobody can be screened: a card tapped now is a fault, never a pass.
    rig.gate.tap_card("2000000001")
    assert rig.wait(lambda: rig.gate.live.record is not None and rig.gate.live.record.verdict is Verdict.FAULT, 3.0)
    # (the policy adds no_roster: this lane has none)
    assert rig.gate.live.record is not None and rig.gate.live.record.reasons[0] == "thermal_down"
    # The guard sees it on the light too: the fault lamp came on.
    assert rig.wait(lambda: (FAULT_CHANNEL, True) in rig.board.commands, 3.0)

    rig.thermal_dev.plug()
    assert rig.frames_until(EMPTY, lambda: rig.gate.thermal.state is DeviceState.OK
                            and thermal_live(rig) is DeviceState.OK, limit=40)
    assert rig.gate.thermal.counters["reconnects"] == 1
    assert rig.fever_turns_red()
    record = rig.gate.live.record
    assert record is not None and record.verdict is Verdict.FEVER
    assert rig.board.bad == 0


def test_on_a_card_lane_a_fever_turns_the_relay_red_before_any_card_is_tapped(tmp_path: Path):
    """The card may come seconds later, or never: the red light must not wait for it."""
    rig = Rig(tmp_path, has_card_reader=True)
    rig.gate.start()
    try:
        assert rig.frames_until(EMPTY, lambda: rig.gate.lane.counters["frames"] >= 3, limit=40)
        assert rig.fever_turns_red()  # within 40 frames (5 s): the pairing window is 8 s
        assert rig.gate.live.record is None and rig.gate.live.waiting_fever is not None  # no passage yet
        rig.frames_until(EMPTY, lambda: False, limit=rig.gate.config.lane.leave_frames + 1)
        rig.gate.tap_card("2000000001")
        assert rig.frames_until(EMPTY, lambda: rig.gate.live.record is not None, limit=40)
        record = rig.gate.live.record
        assert record is not None and record.verdict is Verdict.FEVER and record.card == "2000000001"
        assert rig.gate.live.waiting_fever is None and rig.gate.live.fever_open
        assert rig.board.relays[RED_CHANNEL] or rig.red_ons() >= 1
    finally:
        rig.close()
