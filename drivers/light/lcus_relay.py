"""LCUS-1/2/4/8 USB relay boards and the stack lights built on them (CH340, 9600 8N1).

Command ``A0 CH STATE SUM``, SUM = (A0+CH+STATE)&0xFF (DESIGN.md section 3). Which
relay channel drives which lamp is configurable; only changed channels are sent.
"""
from __future__ import annotations

import dataclasses
from typing import Dict, FrozenSet, List, Optional

from drivers.base import LAMPS, Lamps
from drivers.light.serial_light import SerialLight, SerialLightOptions
from edge.settings.errors import raise_problems
from edge.settings.fields import setting


@dataclasses.dataclass
class Options(SerialLightOptions):
    red_channel: int = setting(1, min=0, max=8, doc="Relay channel of the red lamp (0 = not wired).")
    green_channel: int = setting(2, min=0, max=8, doc="Relay channel of the green lamp (0 = not wired).")
    yellow_channel: int = setting(3, min=0, max=8, doc="Relay channel of the yellow lamp (0 = not wired).")
    buzzer_channel: int = setting(4, min=0, max=8, doc="Relay channel of the buzzer (0 = not wired).")


    def __post_init__(self) -> None:
        # Every key of a shared channel is named: the one the technician wrote has a line.
        keys = {f"{name}_channel": getattr(self, f"{name}_channel") for name in LAMPS}
        if not any(keys.values()):  # a light that can show nothing, yet reports ok (as gpio refuses)
            raise_problems([("red_channel", "no lamp is wired: set red_channel, yellow_channel, green_channel "
                                            "and/or buzzer_channel (0 = not wired)")])
        raise_problems([(key, f"channel {channel} is also "
                              f"{', '.join(k for k, c in keys.items() if c == channel and k != key)}'s: "
                              "two lamps cannot share a relay (0 = not wired)")
                        for key, channel in keys.items() if channel and list(keys.values()).count(channel) > 1])


def relay_command(channel: int, on: bool) -> bytes:
    state = 1 if on else 0
    return bytes([0xA0, channel, state, (0xA0 + channel + state) & 0xFF])


def channel_map(options: Options) -> Dict[str, int]:
    """Lamp name -> relay channel, wired lamps only; two lamps on one channel is an error."""
    mapping = {name: int(getattr(options, f"{name}_channel")) for name in LAMPS}
    return {name: ch for name, ch in mapping.items() if ch > 0}  # (Options refuse a shared channel)


class LcusRelay(SerialLight):
    type_name = "lcus_relay"
    Options = Options

    @classmethod
    def wired_lamps(cls, options: Options) -> FrozenSet[str]:
        return frozenset(channel_map(options))

    def __init__(self, options: Options, context) -> None:
        self.channels = channel_map(options)
        super().__init__(options, context)

    def encode(self, prev: Optional[Lamps], new: Lamps) -> bytes:
        out: List[bytes] = []
        for name, channel in sorted(self.channels.items(), key=lambda item: item[1]):
            on = getattr(new, name)
            if prev is None or getattr(prev, name) != on:
                out.append(relay_command(channel, on))
        return b"".join(out)
