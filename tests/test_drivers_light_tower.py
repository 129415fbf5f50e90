"""Adafruit tower light: exact one-byte commands for every lamp pattern on a pty, replug."""
from __future__ import annotations

import itertools
import time

import pytest
from emulators.light_tower import TowerLightEmu
from emulators.pty_device import PtyDevice

from drivers import registry
from drivers.base import LAMPS, BuildContext, DeviceState, Lamps
from drivers.light.tower_light import Options, TowerLight, lamp_command

ALL_PATTERNS = [Lamps(*bits) for bits in itertools.product((False, True), repeat=4)]


def test_design_bytes():
    assert [lamp_command(n, True) for n in ("red", "yellow", "green", "buzzer")] == [0x11, 0x12, 0x14, 0x18]
    assert [lamp_command(n, False) for n in ("red", "yellow", "green", "buzzer")] == [0x21, 0x22, 0x24, 0x28]
    assert registry.driver_class("light", "tower_light") is TowerLight


@pytest.fixture
def rig(tmp_path):
    dev = PtyDevice(tmp_path / "usb-Adafruit_Tower_Light-if00-port0")
    light = TowerLight(Options(port=str(dev.path), check_interval=0.05), BuildContext("light"))
    light.open()
    yield dev, light
    light.close()
    dev.close()


def test_every_pattern_sends_exact_changes(rig):
    dev, light = rig
    assert dev.read_exact(4, 2.0) == bytes([0x21, 0x22, 0x24, 0x28])
    emu = TowerLightEmu()
    prev = Lamps()
    # Every ordered pair of patterns: each transition sends exactly the changed lamps.
    for a, b in itertools.product(ALL_PATTERNS, repeat=2):
        for lamps in (a, b):
            expected = bytes(lamp_command(n, getattr(lamps, n)) for n in LAMPS
                             if getattr(lamps, n) != getattr(prev, n))
            light.apply(lamps)
            got = dev.read_exact(len(expected), 2.0)
            assert got == expected, (prev, lamps)
            emu.feed(got)
            assert emu.on() == lamps.on() and emu.bad == 0
            prev = lamps
    assert dev.read(0.05) == b""


def test_replug_restores_the_wanted_state(rig):
    dev, light = rig
    dev.read_exact(4, 2.0)
    light.apply(Lamps(yellow=True))
    assert dev.read_exact(1, 2.0) == b"\x12"
    dev.replug()
    t0 = time.monotonic()
    got = b""
    while len(got) < 4 and time.monotonic() - t0 < 2.0:
        got += dev.read(0.05)
    assert got == bytes([0x21, 0x12, 0x24, 0x28])
    assert light.state is DeviceState.OK and light.counters["reconnects"] == 1
