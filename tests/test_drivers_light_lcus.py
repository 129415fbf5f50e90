"""LCUS relay light: exact bytes for every lamp pattern on a pty, channel mapping, replug."""
from __future__ import annotations

import itertools
import time

import pytest
from emulators.light_lcus import LcusBoard
from emulators.pty_device import PtyDevice

from drivers import registry
from drivers.base import LAMPS, BuildContext, DeviceState, Lamps
from drivers.light.lcus_relay import LcusRelay, Options, relay_command

ALL_PATTERNS = [Lamps(*bits) for bits in itertools.product((False, True), repeat=4)]


def test_design_bytes():
    assert relay_command(1, True).hex() == "a00101a2"
    assert relay_command(1, False).hex() == "a00100a1"
    assert relay_command(4, True).hex() == "a00401a5"
    assert registry.driver_class("light", "lcus_relay") is LcusRelay


def test_two_lamps_on_one_channel_is_rejected():
    with pytest.raises(ValueError):
        LcusRelay(Options(red_channel=2, green_channel=2), BuildContext("light"))


@pytest.fixture
def rig(tmp_path):
    dev = PtyDevice(tmp_path / "usb-1a86_USB_Serial-if00-port0")
    lights = []

    def make(**kw):
        light = LcusRelay(Options(port=str(dev.path), **kw), BuildContext("light"))
        light.open()
        lights.append(light)
        return light

    yield dev, make
    for light in lights:
        light.close()
    dev.close()


def drain(dev, board, timeout=0.3):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        data = dev.read(0.05)
        if data:
            board.feed(data)
        elif board.commands:
            return


def test_initial_state_then_only_changes_for_every_pattern(rig):
    dev, make = rig
    light = make(check_interval=5.0)
    # Open: the device state is unknown, so every wired channel is set (all off), in channel order.
    assert dev.read_exact(16, 2.0) == b"".join(relay_command(ch, False) for ch in (1, 2, 3, 4))
    channel = {"red": 1, "green": 2, "yellow": 3, "buzzer": 4}
    board = LcusBoard()
    prev = Lamps()
    # Every ordered pair of patterns: each transition sends exactly the changed channels.
    for pair in itertools.product(ALL_PATTERNS, repeat=2):
        for lamps in pair:
            light.apply(lamps)
            expected = b"".join(relay_command(channel[n], getattr(lamps, n))
                                for n in sorted(LAMPS, key=channel.get) if getattr(lamps, n) != getattr(prev, n))
            got = dev.read_exact(len(expected), 2.0)
            assert got == expected, (prev, lamps)
            board.feed(got)
            assert {n for n in LAMPS if board.relays[channel[n]]} == lamps.on() and board.bad == 0
            prev = lamps
    light.apply(prev)  # unchanged: nothing sent
    assert dev.read(0.1) == b""


def test_custom_channel_mapping_and_unwired_buzzer(rig):
    dev, make = rig
    light = make(red_channel=3, yellow_channel=1, green_channel=2, buzzer_channel=0, check_interval=5.0)
    board = LcusBoard()
    board.feed(dev.read_exact(12, 2.0))
    light.apply(Lamps(red=True, buzzer=True))
    board.feed(dev.read_exact(4, 2.0))
    assert board.relays == {1: False, 2: False, 3: True, 4: False} and board.bad == 0
    assert dev.read(0.1) == b""


def test_unplug_reports_state_and_replug_restores_lamps(rig):
    dev, make = rig
    light = make(check_interval=0.05)
    board = LcusBoard()
    board.feed(dev.read_exact(16, 2.0))
    light.apply(Lamps(red=True))
    board.feed(dev.read_exact(4, 2.0))
    assert board.relays[1] and light.state is DeviceState.OK
    dev.unplug()
    board.reset()
    deadline = time.monotonic() + 2.0
    while light.state is DeviceState.OK and time.monotonic() < deadline:
        time.sleep(0.02)
    assert light.state is DeviceState.RECONNECTING
    light.apply(Lamps(red=True, buzzer=True))  # must not raise or block while unplugged
    dev.plug()
    t0 = time.monotonic()
    while time.monotonic() - t0 < 2.0 and not (board.relays[1] and board.relays[4]):
        board.feed(dev.read(0.05))
    assert board.relays == {1: True, 2: False, 3: False, 4: True}
    assert light.state is DeviceState.OK and light.counters["reconnects"] == 1
