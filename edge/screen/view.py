"""What the guard's screen shows: a plain, immutable view model.

The daemon fills a :class:`ScreenView` from the lane's live state and hands it to the
renderer; canned states (screenshots, tests) are just constructors with a few fields.
Only names and groups reach the screen, never an ID number or card id.
"""
from __future__ import annotations

import dataclasses
from typing import Dict, Optional, Tuple

import numpy as np

from edge.verdict import Verdict

SYNC_STATES = ("online", "refused", "offline", "disabled")  # edge.sync.service.SyncService.state
DEVICE_STATES = ("ok", "reconnecting", "down")


@dataclasses.dataclass(frozen=True)
class SecondaryCheck:
    """The clinical thermometer reading the guard types (edge.screen.keypad)."""

    typed: str = ""  # digits typed so far, not yet stored
    value_c: Optional[float] = None  # the stored reading
    error: Optional[str] = None  # what was wrong with the last Enter (shown once)


@dataclasses.dataclass(frozen=True)
class StatusBar:
    clock: str = ""  # already formatted, e.g. "07:42:10"
    sync: str = "disabled"  # one of SYNC_STATES
    backlog: int = 0  # records not yet delivered
    devices: Dict[str, str] = dataclasses.field(default_factory=dict)  # role -> one of DEVICE_STATES
    warmup_min: Optional[float] = None  # minutes of sensor warm-up left; None or 0 = warm
    ambient_c: Optional[float] = None
    passages: int = 0  # today
    fevers: int = 0
    denials: int = 0
    flags: Tuple[str, ...] = ()  # e.g. "disk_full"

    def key(self) -> Tuple[object, ...]:
        """A hashable identity of everything drawn (the renderer caches on it)."""
        fields = dataclasses.astuple(dataclasses.replace(self, devices={}))
        return fields + (tuple(sorted(self.devices.items())),)


@dataclasses.dataclass(frozen=True)
class ScreenView:
    # Live thermal view: the frame in deg C (H, W) float32, the face box in sensor
    # pixels (x, y, w, h) and the live reading next to it.
    thermal: Optional[np.ndarray] = None
    face_box: Optional[Tuple[int, int, int, int]] = None
    reading_c: Optional[float] = None
    # The passage on show; verdict None = idle ("please step up").
    verdict: Optional[Verdict] = None
    reasons: Tuple[str, ...] = ()  # reason codes, texts from edge.reasons
    name: Optional[str] = None
    group: Optional[str] = None  # class / grade / department
    body_c: Optional[float] = None
    awaiting_ack: bool = False  # fever banner held until the guard acknowledges
    awaiting_card: bool = False  # a fever measured before its card: no passage yet to type a reading for
    secondary: SecondaryCheck = SecondaryCheck()
    status: StatusBar = StatusBar()

    def static_key(self) -> Tuple[object, ...]:
        """Identity of everything except the live thermal layer."""
        return (self.verdict, self.reasons, self.name, self.group, self.body_c, self.awaiting_ack,
                self.awaiting_card, self.secondary, self.status.key())

    @property
    def warming_up(self) -> bool:
        return bool(self.status.warmup_min)
