"""Wires readers, lane, outputs, store and sync together, and takes them down cleanly."""
from __future__ import annotations

import logging
import queue
import signal
import threading
import time
from typing import List, Optional

from drivers.base import BuildContext, CardReader, Light, ThermalSource
from drivers.registry import build
from edge.assembly import build_lane, load_local_roster
from edge.clock import SystemClock
from edge.lane_thread import LaneThread
from edge.notify import Notifier
from edge.outputs import LaneOutputs, LiveState
from edge.readers import ReaderThread
from edge.settings.root import GateConfig
from edge.signals import SignalController
from edge.store import Store
from edge.store_writer import StoreWriter

log = logging.getLogger(__name__)

EVENT_QUEUE = 256  # frames beyond this are stale anyway: the reader drops them


class Daemon:
    def __init__(self, config: GateConfig, config_path: Optional[str], headless: bool, run_for: Optional[float],
                 console: bool = False) -> None:
        self.config = config
        self.config_path = config_path
        self.headless = headless or not config.display.enabled
        self.run_for = run_for
        self.console = console
        self.stop_event = threading.Event()
        self.live = LiveState()
        self.started = time.monotonic()

    def request_stop(self, signum: int = 0, _frame: object = None) -> None:
        if signum:
            log.info("signal %d: stopping", signum)
        self.stop_event.set()

    def _devices(self):
        cfg = self.config
        assert cfg.thermal is not None and cfg.light is not None
        thermal = build("thermal", cfg.thermal.type, cfg.thermal.options, BuildContext("thermal", self.config_path))
        card = None
        if cfg.card is not None:
            card = build("card", cfg.card.type, cfg.card.options,
                         BuildContext("card", self.config_path, thermal=thermal))
        light = build("light", cfg.light.type, cfg.light.options, BuildContext("light", self.config_path))
        assert isinstance(thermal, ThermalSource) and isinstance(light, Light)
        assert card is None or isinstance(card, CardReader)
        return thermal, card, light

    def run(self) -> int:
        cfg = self.config
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, self.request_stop)
        thermal, card, light = self._devices()
        store = Store(cfg.store.path, cfg.device)
        store.open()
        events: "queue.Queue[object]" = queue.Queue(maxsize=EVENT_QUEUE)
        lane = build_lane(cfg, thermal.accuracy, SystemClock(), load_local_roster(cfg), card is not None,
                          sensor_started=time.monotonic(), warmup_minutes=thermal.warmup_minutes)
        light.open()
        signals = SignalController(cfg.signals, light)
        writer = StoreWriter(store)
        lane.listeners.append(LaneOutputs(writer, signals, self.live, console=self.console))
        readers: List[ReaderThread] = [ReaderThread("thermal", thermal, events, self.stop_event)]
        if card is not None:
            readers.append(ReaderThread("card", card, events, self.stop_event))
        notifier = Notifier()
        lane_thread = LaneThread(lane, events, self.stop_event, cfg.lane.idle_tick_s, heartbeat=notifier.heartbeat)
        signals.start()
        writer.start()
        lane_thread.start()
        for reader in readers:
            reader.start()
        log.info("gate %s/%s running (%s, thermal %s, card %s, light %s)", cfg.device.site, cfg.device.id,
                 cfg.device.direction, thermal.type_name, card.type_name if card else "none", light.type_name)
        notifier.ready(f"gate {cfg.device.id} running")
        try:
            self.stop_event.wait(self.run_for)
        finally:
            notifier.stopping()
            self.stop_event.set()
            for reader in readers:
                reader.join(timeout=5)
            lane_thread.join(timeout=10)
            writer.stop()
            signals.stop()
            light.close()
            store.close()
            log.info("stopped: %d passages, %d frames", lane.counters["passages"], lane.counters["frames"])
        return 0
