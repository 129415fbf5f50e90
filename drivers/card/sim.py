"""``type: sim`` card reader: taps the cards of the simulated (or recorded) people.

It follows the thermal source of the same config (``BuildContext.thermal``), which must
be the ``sim`` or ``replay`` thermal driver: the taps come from that scene, on its clock.
"""
from __future__ import annotations

import dataclasses
import logging
import time
from typing import Optional, Union

from drivers.base import BuildContext, CardEvent, CardReader, DeviceState
from drivers.thermal.replay import ReplayThermal
from drivers.thermal.sim import SimThermal
from edge.settings.fields import setting

log = logging.getLogger(__name__)


@dataclasses.dataclass
class Options:
    poll_s: float = setting(0.05, min=0.005, max=5, doc="Longest sleep before looking again for the next tap.")


class SimCardReader(CardReader):
    type_name = "sim"
    Options = Options

    def __init__(self, options: Options, context: BuildContext) -> None:
        super().__init__(options, context)
        thermal = context.thermal
        if not isinstance(thermal, (SimThermal, ReplayThermal)):
            kind = "no thermal source" if thermal is None else f"thermal type '{thermal.type_name}'"
            raise ValueError(f"card type 'sim' taps the cards of simulated people: it needs thermal type "
                             f"'sim' or 'replay', not {kind}")
        self.thermal: Union[SimThermal, ReplayThermal] = thermal
        self._last = float("-inf")

    def describe(self) -> str:
        return "sim card reader (cards of the simulated people)"

    def open(self) -> None:
        self._last = float("-inf")
        self._set_state(DeviceState.OK)

    def close(self) -> None:
        self._set_state(DeviceState.DOWN, "closed")

    def read(self, timeout: float) -> Optional[CardEvent]:
        deadline = time.monotonic() + max(0.0, timeout)
        while self.state is DeviceState.OK:
            # A microsecond past the last tap: monotonic -> scene -> monotonic time does not
            # round-trip exactly in floating point, and the same tap must not come twice.
            tap = self.thermal.next_card_tap(self._last + 1e-6)
            now = time.monotonic()
            if tap is not None and tap[0] <= now:
                self._last = tap[0]
                self.count("cards")
                return CardEvent(tap[0], self.type_name, tap[1])
            if now >= deadline:
                return None
            wake = deadline if tap is None else min(deadline, tap[0])
            time.sleep(max(0.0, min(wake - now, self.options.poll_s)))
        time.sleep(max(0.0, deadline - time.monotonic()))
        return None
