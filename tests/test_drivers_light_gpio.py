"""GPIO light through libgpiod v2: line values (active-low), lazy import, recovery.

No GPIO chip exists on the test host, so a stand-in ``gpiod`` package with the v2 API
shape (request_lines, LineSettings, line.Value/Direction) records the physical levels.
"""
from __future__ import annotations

import dataclasses
import enum
import itertools
import sys
import types

import pytest

from drivers import registry
from drivers.base import LAMPS, BuildContext, DeviceState, Lamps
from drivers.light.gpio import GpioLight, Options


class Value(enum.Enum):
    INACTIVE = 0
    ACTIVE = 1


class Direction(enum.Enum):
    AS_IS = 1
    INPUT = 2
    OUTPUT = 3


@dataclasses.dataclass
class LineSettings:
    direction: Direction = Direction.AS_IS
    active_low: bool = False
    output_value: Value = Value.INACTIVE


class Chip:
    """Physical pin levels of a chip; ``fail`` makes requests and writes fail like a missing chip."""

    def __init__(self):
        self.levels = {}
        self.fail = False
        self.requests = []

    def request_lines(self, path, consumer, config):
        if self.fail:
            raise FileNotFoundError(2, "No such file or directory", path)
        req = Request(self, config)
        self.requests.append((path, consumer, req))
        return req


class Request:
    def __init__(self, chip, config):
        self.chip = chip
        self.settings = {line: s for lines, s in config.items() for line in lines}
        self.released = False
        for line, s in self.settings.items():
            assert s.direction is Direction.OUTPUT
            self._set(line, s.output_value)

    def _set(self, line, value):
        self.chip.levels[line] = int((value is Value.ACTIVE) != self.settings[line].active_low)

    def set_values(self, values):
        if self.chip.fail:
            raise OSError(19, "No such device")
        for line, value in values.items():
            self._set(line, value)

    def release(self):
        self.released = True


@pytest.fixture
def chip(monkeypatch):
    chip = Chip()
    gpiod = types.ModuleType("gpiod")
    line = types.ModuleType("gpiod.line")
    line.Value, line.Direction = Value, Direction
    gpiod.line, gpiod.LineSettings = line, LineSettings
    gpiod.request_lines = chip.request_lines
    monkeypatch.setitem(sys.modules, "gpiod", gpiod)
    monkeypatch.setitem(sys.modules, "gpiod.line", line)
    return chip


PINS = {"red": 17, "yellow": 27, "green": 22, "buzzer": 23}


def make(**kw):
    opts = Options(**{f"{n}_line": p for n, p in PINS.items()}, **kw)
    return GpioLight(opts, BuildContext("light"))


@pytest.mark.parametrize("active_low", [False, True])
def test_every_pattern_sets_the_pin_levels(chip, active_low):
    light = make(active_low=active_low)
    light.open()
    assert light.state is DeviceState.OK
    path, consumer, _ = chip.requests[0]
    assert (path, consumer) == ("/dev/gpiochip0", "gate-edge")
    off_level = 1 if active_low else 0
    assert chip.levels == {p: off_level for p in PINS.values()}
    for bits in itertools.product((False, True), repeat=4):
        lamps = Lamps(*bits)
        light.apply(lamps)
        for name in LAMPS:
            assert chip.levels[PINS[name]] == int(getattr(lamps, name) != active_low), (lamps, name)
    light.close()
    assert chip.requests[0][2].released and light.state is DeviceState.DOWN


def test_missing_chip_then_recovery_applies_wanted_state(chip):
    chip.fail = True
    light = make(active_low=True)
    light.open()
    assert light.state is DeviceState.RECONNECTING and "gpiochip0" in light.state_detail
    light.apply(Lamps(red=True))
    assert light.state is DeviceState.RECONNECTING and not chip.levels
    chip.fail = False
    light.apply(Lamps(red=True, buzzer=True))
    assert light.state is DeviceState.OK
    assert chip.levels == {17: 0, 27: 1, 22: 1, 23: 0}
    chip.fail = True
    light.apply(Lamps())
    assert light.state is DeviceState.RECONNECTING


def test_without_gpiod_installed_the_state_says_how_to_fix(monkeypatch):
    monkeypatch.setitem(sys.modules, "gpiod", None)  # import gpiod -> ImportError
    light = make()
    light.open()
    assert light.state is DeviceState.DOWN and "gate-edge[gpio]" in light.state_detail


def test_registered_and_rejects_shared_line():
    assert registry.driver_class("light", "gpio") is GpioLight
    with pytest.raises(ValueError):
        GpioLight(Options(red_line=5, green_line=5), BuildContext("light"))
    with pytest.raises(ValueError, match="no lamp has a GPIO line"):  # it would show nothing, yet say ok
        GpioLight(Options(), BuildContext("light"))
