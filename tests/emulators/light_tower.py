"""Adafruit tower light emulator: one byte per command, 0x1X on / 0x2X off / 0x4X blink."""
from __future__ import annotations

from typing import Dict, List

BITS = {0x01: "red", 0x02: "yellow", 0x04: "green", 0x08: "buzzer"}


class TowerLightEmu:
    def __init__(self) -> None:
        self.lamps: Dict[str, str] = {name: "off" for name in BITS.values()}
        self.bad = 0
        self.commands: List[int] = []

    def feed(self, data: bytes) -> None:
        for byte in data:
            action, lamp = byte & 0xF0, BITS.get(byte & 0x0F)
            if lamp is None or action not in (0x10, 0x20, 0x40):
                self.bad += 1
                continue
            self.commands.append(byte)
            self.lamps[lamp] = {0x10: "on", 0x20: "off", 0x40: "blink"}[action]

    def on(self) -> frozenset:
        return frozenset(name for name, state in self.lamps.items() if state == "on")
