"""Events the lane consumes besides frames (drivers.base.ThermalFrame) and cards
(drivers.base.CardEvent). All carry the monotonic time they happened at."""
from __future__ import annotations

import dataclasses
from typing import Any, Optional

from drivers.base import DeviceState


@dataclasses.dataclass(frozen=True)
class DeviceStatus:
    t: float
    role: str  # "thermal", "card", "light" or "screen"
    state: DeviceState
    detail: str = ""


@dataclasses.dataclass(frozen=True)
class Tick:
    """Time passes with no frame (the thermal sensor is down or slow): check timeouts."""

    t: float


@dataclasses.dataclass(frozen=True)
class GuardInput:
    """A key on the guard's keypad: ``ack`` (fever acknowledged) or ``visitor``
    (start a visitor passage without an ID card read). ``record``: the passage on the
    guard's screen when the key was pressed (an ack clears that fever, not a newer one)."""

    t: float
    kind: str
    value: Optional[float] = None
    record: Any = None  # edge.record.PassageRecord


@dataclasses.dataclass(frozen=True)
class RosterUpdate:
    """A new roster snapshot (edge.roster.Roster, None: no roster) to decide from from now on."""

    t: float
    roster: Any
