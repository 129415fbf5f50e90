"""Common part of the serial lights: send only changes, restore the state after a replug.

The lane applies lamps only when they change, so a light that was unplugged while
steady would stay dark after the replug. A small keeper thread therefore re-checks the
port every ``check_interval`` seconds, reconnects through the serial base and re-sends
the full wanted state to the fresh device.
"""
from __future__ import annotations

import abc
import dataclasses
import logging
import os
import threading
import time
from typing import Optional

from drivers.base import Lamps, Light, OFF
from drivers.serialport import SerialDevice, SerialOptions
from edge.settings.fields import setting

log = logging.getLogger(__name__)


@dataclasses.dataclass
class SerialLightOptions(SerialOptions):
    port: str = setting("/dev/gate-edge/light", doc="Serial port; use /dev/gate-edge/... or /dev/serial/by-id/...")
    baud: int = setting(9600, min=300, max=4000000, doc="Line speed (9600 for the known lights).")
    check_interval: float = setting(0.5, min=0.05, max=30.0,
                                    doc="Seconds between checks that the light is still there (replug restore).")


class SerialLight(SerialDevice, Light):
    """Subclasses implement :meth:`encode` (bytes turning ``prev`` into ``new``)."""

    def __init__(self, options: SerialLightOptions, context) -> None:
        super().__init__(options, context)
        self.wanted: Lamps = OFF
        self.sent: Optional[Lamps] = None  # what the device shows; None = unknown
        self._lock = threading.RLock()
        self._stop = threading.Event()
        self._keeper: Optional[threading.Thread] = None
        self._device_path = ""
        self.counters.setdefault("writes", 0)

    @abc.abstractmethod
    def encode(self, prev: Optional[Lamps], new: Lamps) -> bytes:
        """Command bytes that change the outputs from ``prev`` (None: unknown) to ``new``."""

    # -- lifecycle -------------------------------------------------------------------
    def open(self) -> None:
        with self._lock:
            super().open()
            self._sync()
        self._stop.clear()
        self._keeper = threading.Thread(target=self._keep, name=f"{self.type_name}-keeper", daemon=True)
        self._keeper.start()

    def close(self) -> None:
        self._stop.set()
        if self._keeper is not None:
            self._keeper.join(timeout=2.0)
            self._keeper = None
        with self._lock:
            super().close()

    def _serial_connected(self) -> None:
        self.sent = None  # a fresh device: its outputs are unknown, send everything
        self._device_path = os.path.realpath(self.options.port)

    # -- output ------------------------------------------------------------------------
    def apply(self, lamps: Lamps) -> None:
        with self._lock:
            self.wanted = lamps
            self._sync()

    def _sync(self) -> None:
        if self.connected and os.path.realpath(self.options.port) != self._device_path:
            self._lost("device vanished")
        if not self.connected:
            self.serial_read(time.monotonic())  # one reconnect attempt when due, never waits
        if not self.connected or self.sent == self.wanted:
            return
        data = self.encode(self.sent, self.wanted)
        if not data or self.serial_write(data):
            self.sent = self.wanted
            self.count("writes")

    def _keep(self) -> None:
        while not self._stop.wait(self.options.check_interval):
            with self._lock:
                self._sync()
