"""The small interfaces every device driver implements.

Drivers parse bytes and report facts; they never decide. Every driver:

* is constructed with its validated ``Options`` dataclass (declared in the driver's own
  module, ``Options`` class attribute) and a :class:`BuildContext`;
* does nothing in ``__init__`` but store its options: I/O starts in :meth:`Device.open`;
* offers a *blocking read with a timeout* (readers are threads in the daemon, the batch
  replay calls the same methods in a loop);
* recovers from an unplugged device on its own and reports it through ``state``
  (``ok`` / ``reconnecting`` / ``down``); ``read`` returns ``None`` while it is not ok;
* never raises from ``read`` for bad input: malformed bytes are counted in ``counters``.
"""
from __future__ import annotations

import abc
import dataclasses
import enum
import threading
from typing import Any, ClassVar, Dict, FrozenSet, Optional, Tuple

import numpy as np


class DeviceState(str, enum.Enum):
    OK = "ok"
    RECONNECTING = "reconnecting"
    DOWN = "down"


class AccuracyClass(str, enum.Enum):
    """How far a sensor's absolute reading can be trusted (DESIGN.md section 4)."""

    #: +-0.3..0.5 C with a blackbody (P2-class VOx cores): screening-grade.
    SCREENING = "screening"
    #: +-1.5 C (MLX90640) or +-5 C (Lepton): usable only with a blackbody or a relative threshold.
    REFERENCE_REQUIRED = "reference_required"


# Frame flags a thermal driver may set.
FLAG_SHUTTER = "shutter"  # flat-field / shutter calibration in progress: frame unreliable
FLAG_WARMUP = "warmup"  # the driver knows the sensor is still warming up


@dataclasses.dataclass(frozen=True)
class ThermalFrame:
    """One radiometric frame, already converted to degrees Celsius."""

    t: float  # monotonic seconds (recording time in replay)
    celsius: np.ndarray  # (H, W) float32, row 0 at the top, as the guard sees the scene
    ambient_c: Optional[float] = None  # sensor/board ambient when the device reports it
    flags: FrozenSet[str] = frozenset()


@dataclasses.dataclass(frozen=True)
class CardEvent:
    """A card presented at a reader, already debounced and normalized."""

    t: float  # monotonic seconds
    reader: str  # driver type, e.g. "rdm6300", "pn532_uart", "sim"
    card_id: str  # normalized id string (see edge.cards.normalize_card_id)
    #: Extra facts some readers provide (the resident ID card reader: name, id number,
    #: validity). Sensitive: never logged or synced unmasked.
    extra: Optional[Dict[str, str]] = None


LAMPS = ("red", "yellow", "green", "buzzer")


@dataclasses.dataclass(frozen=True)
class Lamps:
    """Which outputs of a light are on at one instant. Blinking is timed by edge.signals."""

    red: bool = False
    yellow: bool = False
    green: bool = False
    buzzer: bool = False

    def on(self) -> FrozenSet[str]:
        return frozenset(name for name in LAMPS if getattr(self, name))


OFF = Lamps()


@dataclasses.dataclass
class BuildContext:
    """What a driver may know about its neighbours when it is built.

    ``thermal`` is set when card readers are built, so that the simulated card reader
    can tap cards for the people of the simulated (or recorded) scene.
    """

    name: str  # config role: "thermal", "card" or "light"
    config_path: Optional[str] = None
    thermal: Optional["ThermalSource"] = None


class Device(abc.ABC):
    """Common part of every driver."""

    #: The config ``type:`` this driver registers under.
    type_name: ClassVar[str]
    #: The dataclass of this driver's options (validated by edge.settings).
    Options: ClassVar[type]

    def __init__(self, options: Any, context: BuildContext) -> None:
        self.options = options
        self.context = context
        self._state = DeviceState.DOWN
        self._state_detail = "not opened"
        self._state_lock = threading.Lock()
        self._outages = 0
        #: Event counters (frames, malformed, reconnects, ...), read by health reports.
        self.counters: Dict[str, int] = {}

    # -- state ---------------------------------------------------------------
    @property
    def state(self) -> DeviceState:
        return self._state

    @property
    def state_detail(self) -> str:
        return self._state_detail

    @property
    def outages(self) -> int:
        """How many times the device has left ``ok`` since it was built. A driver may lose
        and regain its device inside one ``read()``; the reader sees this count move."""
        return self._outages

    def _set_state(self, state: DeviceState, detail: str = "") -> None:
        with self._state_lock:
            if self._state is DeviceState.OK and state is not DeviceState.OK:
                self._outages += 1
            self._state = state
            self._state_detail = detail

    def count(self, key: str, n: int = 1) -> None:
        self.counters[key] = self.counters.get(key, 0) + n

    # -- lifecycle -------------------------------------------------------------
    @abc.abstractmethod
    def open(self) -> None:
        """Start talking to the device. Must not raise for a missing device: go to
        ``reconnecting`` and retry from ``read``."""

    @abc.abstractmethod
    def close(self) -> None:
        """Release the device. Idempotent."""

    def describe(self) -> str:
        """One line for check-config / doctor: what this driver would open."""
        return self.type_name

    @classmethod
    def device_path(cls, options: Any) -> str:
        """The device node these options open ("" when simulated): doctor's fixes name it."""
        return ""

    def no_data_hint(self, path: str) -> str:
        """What a technician should check when the device opened but sent nothing usable."""
        return f"{path} opened but sent nothing usable: check the cable and the device's power"


class ThermalSource(Device):
    accuracy: ClassVar[AccuracyClass]
    #: Nominal frame rate (Hz), used for warm-up/stability windows and the bench.
    nominal_fps: ClassVar[float] = 8.0
    #: Minutes of warm-up the sensor needs before readings are trusted (0 = none).
    warmup_minutes: ClassVar[float] = 0.0

    def frame_size(self) -> Optional[Tuple[int, int]]:
        """(columns, rows) of the temperature frames this sensor gives, when known before it
        is opened (check-config compares the blackbody region with it)."""
        return None

    def reading_settings(self) -> Dict[str, Any]:
        """What this sensor was set to that changes its readings (an emissivity set on the
        module is a correction too), for every passage's record."""
        return {"type": self.type_name}

    @abc.abstractmethod
    def read(self, timeout: float) -> Optional[ThermalFrame]:
        """Next frame, or None after ``timeout`` seconds (or while not ok)."""


class CardReader(Device):
    @abc.abstractmethod
    def read(self, timeout: float) -> Optional[CardEvent]:
        """Next card event, or None after ``timeout`` seconds (or while not ok)."""

    @classmethod
    def card_id_format(cls, options: Any) -> Optional[Tuple[str, str]]:
        """(regex, description) every card id these options produce matches, normalized as in
        edge.cards; None when the format is not fixed. check-config holds the roster to it."""
        return None


class Light(Device):
    @abc.abstractmethod
    def apply(self, lamps: Lamps) -> None:
        """Set the outputs. Must not block for long; errors go to ``state``."""

    @classmethod
    def wired_lamps(cls, options: Any) -> FrozenSet[str]:
        """The lamps (LAMPS) these options drive: a light pattern of only other lamps shows
        nothing (check-config warns about that for a fever or a fault)."""
        return frozenset(LAMPS)


class EndOfRecording(Exception):
    """Raised by replay sources when a recording is exhausted and not looping."""
