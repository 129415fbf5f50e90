"""Adafruit USB tri-colour tower light with buzzer (9600, one byte per command).

Byte = action nibble + lamp bit: on 0x10, off 0x20, blink 0x40; red 1, yellow 2,
green 4, buzzer 8 (DESIGN.md section 3). Blinking is timed by edge.signals, so only
on and off are sent, and only for the lamps that changed.
"""
from __future__ import annotations

import dataclasses
from typing import Optional

from drivers.base import LAMPS, Lamps
from drivers.light.serial_light import SerialLight, SerialLightOptions

LAMP_BITS = {"red": 0x01, "yellow": 0x02, "green": 0x04, "buzzer": 0x08}
ON, OFF_CMD = 0x10, 0x20


@dataclasses.dataclass
class Options(SerialLightOptions):
    pass


def lamp_command(name: str, on: bool) -> int:
    return (ON if on else OFF_CMD) | LAMP_BITS[name]


class TowerLight(SerialLight):
    type_name = "tower_light"
    Options = Options

    def encode(self, prev: Optional[Lamps], new: Lamps) -> bytes:
        return bytes(lamp_command(name, getattr(new, name)) for name in LAMPS
                     if prev is None or getattr(prev, name) != getattr(new, name))
