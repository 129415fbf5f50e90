"""A light that only logs: for demos, headless test rigs and gates without a light."""
from __future__ import annotations

import collections
import dataclasses
import logging
from typing import Deque, Literal

from drivers.base import BuildContext, DeviceState, Lamps, Light, OFF
from edge.settings.fields import setting

log = logging.getLogger(__name__)

HISTORY = 256


@dataclasses.dataclass
class Options:
    level: Literal["debug", "info"] = setting(
        "debug", doc="Log level of lamp changes: debug (the default: a blinking fever light is 4 lines a second,"
                     " in a terminal and for months in the journal) or info.")


class LogLight(Light):
    type_name = "log"
    Options = Options

    def __init__(self, options: Options, context: BuildContext) -> None:
        super().__init__(options, context)
        self.current: Lamps = OFF
        # The latest applied states, for tests: bounded, the demo runs for weeks.
        self.history: Deque[Lamps] = collections.deque(maxlen=HISTORY)

    def open(self) -> None:
        self._set_state(DeviceState.OK)

    def close(self) -> None:
        self._set_state(DeviceState.DOWN, "closed")

    def apply(self, lamps: Lamps) -> None:
        if lamps == self.current:
            return
        self.current = lamps
        self.history.append(lamps)
        self.count("changes")
        level = logging.DEBUG if self.options.level == "debug" else logging.INFO
        log.log(level, "light: %s", ",".join(sorted(lamps.on())) or "off")
