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

    def run(self) -> None:
        try:
            self.device.open()
        except OSError as exc:
            log.error("%s: cannot open: %s", self.role, exc)
        while not self.stop_event.is_set():
            item = self.device.read(READ_TIMEOUT_S)
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

    def _report_state(self) -> None:
        state = self.device.state
        if state is not self._last_state:
            self._last_state = state
            self.events.put(DeviceStatus(time.monotonic(), self.role, state, self.device.state_detail))
