"""Reader threads: block on a device, parse, enqueue timestamped events. Nothing else."""
from __future__ import annotations

import logging
import queue
import threading
import time
from typing import Union

from drivers.base import CardReader, DeviceState, ThermalFrame, ThermalSource
from edge.events import DeviceStatus

log = logging.getLogger(__name__)

READ_TIMEOUT_S = 0.5
REOPEN_FIRST_S = 0.5  # pause before reopening a device whose read raised; doubles up to:
REOPEN_MAX_S = 30.0


class ReaderThread(threading.Thread):
    """Moves events from one device to the lane queue and reports the device's state.

    Frames are dropped (and counted) when the lane is behind: a stale frame is worth
    nothing. Cards are never dropped.
    """

    def __init__(self, role: str, device: Union[ThermalSource, CardReader], events: "queue.Queue[object]",
                 stop: threading.Event) -> None:
        super().__init__(name=f"reader-{role}", daemon=True)
        self.role = role
        self.device = device
        self.events = events
        self.stop_event = stop
        self.dropped_frames = 0
        self._last_state: Union[DeviceState, None] = None
        self._last_outages = 0

    def run(self) -> None:
        self._open()
        failures = 0
        while not self.stop_event.is_set():
            try:
                item = self.device.read(READ_TIMEOUT_S)
            except Exception as exc:  # a driver or library error (cv2.error, ...) must not end the reader
                failures += 1
                self._failed(exc, failures)
                continue
            failures = 0
            self._report_state()
            if item is None:
                continue
            if isinstance(item, ThermalFrame):
                try:
                    self.events.put_nowait(item)
                except queue.Full:
                    self.dropped_frames += 1
            else:
                self.events.put(item)
        self.device.close()

    def _open(self) -> None:
        try:
            self.device.open()
        except Exception as exc:  # the driver reconnects on its own from read(); OSError is the usual case
            log.error("%s: cannot open: %s", self.role, exc)

    def _failed(self, exc: Exception, failures: int) -> None:
        """The device is down for the lane (the guard sees a fault), then closed and opened
        again after a growing pause."""
        log.error("%s: read failed (%s: %s), reopening", self.role, type(exc).__name__, exc,
                  exc_info=failures == 1)
        self._last_state = DeviceState.DOWN
        self.events.put(DeviceStatus(time.monotonic(), self.role, DeviceState.DOWN, f"{type(exc).__name__}: {exc}"))
        try:
            self.device.close()
        except Exception as close_exc:  # closing a broken device may fail too; we reopen anyway
            log.warning("%s: close after a failed read: %s", self.role, close_exc)
        if not self.stop_event.wait(min(REOPEN_MAX_S, REOPEN_FIRST_S * 2 ** (failures - 1))):
            self._open()

    def _report_state(self) -> None:
        state, outages = self.device.state, self.device.outages
        if outages != self._last_outages and state is self._last_state is DeviceState.OK:
            # Lost and found again inside one read(): the lane still has to hear of it (a
            # sensor that was unplugged lost power and warms up again). RECONNECTING, what the
            # driver said: a lane that already holds the sensor DOWN for silence (a hung
            # sensor, then power-cycled) must see a change of state, or it keeps the silence.
            self.events.put(DeviceStatus(time.monotonic(), self.role, DeviceState.RECONNECTING,
                                         "reconnected during a read"))
            self._last_state = DeviceState.RECONNECTING
        self._last_outages = outages
        if state is not self._last_state:
            self._last_state = state
            self.events.put(DeviceStatus(time.monotonic(), self.role, state, self.device.state_detail))
