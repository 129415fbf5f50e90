"""The one thread that owns the lane: consumes the event queue, feeds time when idle."""
from __future__ import annotations

import logging
import queue
import threading
import time
from typing import Callable, List, Optional

from edge.events import Tick
from edge.lane import Lane

log = logging.getLogger(__name__)


class LaneThread(threading.Thread):
    def __init__(self, lane: Lane, events: "queue.Queue[object]", stop: threading.Event, idle_tick_s: float,
                 heartbeat: Optional[Callable[[], None]] = None) -> None:
        super().__init__(name="lane", daemon=True)
        self.lane = lane
        self.events = events
        self.stop_event = stop
        self.idle_tick_s = idle_tick_s
        #: Called once per loop turn: the systemd watchdog ping, so a stuck lane stops it.
        self.heartbeats: List[Callable[[], None]] = [heartbeat] if heartbeat else []
        self.errors = 0

    def run(self) -> None:
        while not self.stop_event.is_set():
            self._turn(block=True)
        # Finish what is already queued (a card tapped just before SIGTERM), then close
        # the passage in progress so it is recorded.
        while self._turn(block=False):
            pass
        self.lane.flush(time.monotonic())

    def _turn(self, block: bool) -> bool:
        for beat in self.heartbeats:
            beat()
        try:
            event = self.events.get(timeout=self.idle_tick_s) if block else self.events.get_nowait()
        except queue.Empty:
            if block:
                self._handle(Tick(time.monotonic()))
            return False
        self._handle(event)
        return True

    def _handle(self, event: object) -> None:
        try:
            self.lane.handle(event)
        except Exception:  # noqa: BLE001 - a bug on one event must not stop the gate
            self.errors += 1
            log.exception("lane failed on %s", type(event).__name__)
