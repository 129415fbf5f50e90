"""Wires readers, lane, outputs, store and sync together, and takes them down cleanly."""
from __future__ import annotations

import logging
import queue
import signal
import threading
import time
from typing import List, Optional, Tuple

from drivers.base import BuildContext, CardReader, DeviceState, Light, ThermalSource
from drivers.registry import build
from edge.assembly import build_lane, load_gate_roster
from edge.clock import SystemClock, kernel_clock_synchronized, local_time_in
from edge.disk_reserve import DiskReserve, open_with_reserve
from edge.events import DeviceStatus, GuardInput, RosterUpdate
from edge.housekeeping import Housekeeping
from edge.lane import CARD_GRACE_S, Lane
from edge.lane_thread import LaneThread
from edge.notify import Notifier
from edge.open_fevers import reopen as reopen_fevers
from edge.outputs import LaneOutputs, LiveState
from edge.readers import ReaderThread
from edge.record import PassageRecord
from edge.retention import Retention
from edge.roster_watch import RosterWatch
from edge.screen.app import run_screen
from edge.screen.keypad import GuardAction
from edge.settings.root import GateConfig
from edge.signals import SignalController
from edge.status_cache import StatusCache
from edge.store import Store
from edge.store_writer import StoreWriter
from edge.sync.service import SyncService
from edge.verdict import Verdict

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
        reserve = DiskReserve(cfg.store.path)
        opened = open_with_reserve(store.open, store.path, reserve)  # False: a full disk, the writer retries
        events: "queue.Queue[object]" = queue.Queue(maxsize=EVENT_QUEUE)
        local_time = local_time_in(cfg.device.timezone)
        if opened:
            self.live.counts = _live_counts(store.counts_today())
            self.live.counts_day = local_time(time.time()).date().isoformat()
        roster_watch = RosterWatch(cfg.store.path, cfg.policy.roster_file,
                                   lambda: self._roster_to_lane(events, lane), self.stop_event)
        lane = build_lane(cfg, thermal.accuracy, SystemClock(), load_gate_roster(cfg), card is not None,
                          sensor_started=time.monotonic(), warmup_minutes=thermal.warmup_minutes, has_light=True,
                          sensor=thermal.reading_settings(), has_screen=not self.headless)
        self.live.devices = dict(lane.devices)  # the status bar shows them from the first frame
        light.open()
        signals = SignalController(cfg.signals, light)
        signals.on_light_state = lambda state, detail: events.put(
            DeviceStatus(time.monotonic(), "light", state, detail), timeout=1.0)
        writer = StoreWriter(store, on_disk_full=reserve.release)
        if opened and not self.headless:  # (headless, no one could acknowledge them)
            self.live.fevers = reopen_fevers(store, lane.roster, writer, time.time(), kernel_clock_synchronized())
            if self.live.fevers:
                signals.show(Verdict.FEVER)
        health = lambda: self._health(lane, readers, writer, chores, sync)  # noqa: E731 - late-bound
        sync = SyncService(cfg, cfg.store.path, health) if cfg.mqtt else None
        if sync is not None:
            sync.roster.on_applied = lambda version: roster_watch.poke()
        retention = Retention(cfg.store.path, cfg.store.retention_days, cfg.store.max_db_mb << 20,
                              sends=cfg.mqtt is not None)
        chores = Housekeeping(retention,
                              cfg.store.maintenance_interval_min * 60.0, self.stop_event, health, cfg.store.path,
                              store_fault=lambda: writer.fault, reserve=reserve)
        status = StatusCache(store, sync, writer, lane.screener.warmup_left_s)
        lane.listeners.append(LaneOutputs(writer, signals, self.live, console=self.console, local_time=local_time,
                                          fever_wait_s=cfg.lane.pair_window_s + CARD_GRACE_S
                                          + 2 * cfg.lane.thermal_silence_s, hold_s=cfg.display.verdict_hold_s))
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
        if sync is not None:
            sync.start()
        chores.start()
        roster_watch.start()
        log.info("gate %s/%s running (%s, thermal %s, card %s, light %s)", cfg.device.site, cfg.device.id,
                 cfg.device.direction, thermal.type_name, card.type_name if card else "none", light.type_name)
        notifier.ready(f"gate {cfg.device.id} running")
        if self.run_for is not None:
            threading.Timer(self.run_for, self.stop_event.set).start()
        try:
            on_action = _GuardActions(events, writer).handle
            if self.headless:
                self.stop_event.wait()
            else:  # until stopped, also while no window can open yet (it tries again meanwhile)
                run_screen(cfg.display, self.live, on_action, self.stop_event, status.screen_extras, local_time,
                           on_state=lambda state, detail: _screen_to_lane(events, state, detail))
        finally:
            notifier.stopping()
            self.stop_event.set()
            for reader in readers:
                reader.join(timeout=5)
            lane_thread.join(timeout=10)
            writer.stop()
            chores.join(timeout=10)
            if sync is not None:
                sync.stop()
            signals.stop()
            light.close()
            store.close()
            log.info("stopped: %d passages, %d frames", lane.counters["passages"], lane.counters["frames"])
        return 0

    def _roster_to_lane(self, events: "queue.Queue[object]", lane: Lane) -> None:
        """The roster changed (edge.roster_watch: imported, file edited, received over MQTT):
        the lane decides from it from its next event on (the same choice as at start: the
        newer of the stored roster and the CSV file, but never back to an older one or none).
        A full lane queue raises queue.Full: the watch tries again at its next look."""
        roster = load_gate_roster(self.config, lane.roster)
        if roster is not lane.roster:
            events.put(RosterUpdate(time.monotonic(), roster), timeout=5.0)

    def _health(self, lane, readers, writer, chores, sync) -> dict:
        """Facts for the retained health message (the sync thread adds backlog and its own)
        and for the state file that ``gate-edge status`` reads."""
        return {
            "sync": sync.state() if sync is not None else "disabled",
            "uptime_s": round(time.monotonic() - self.started, 1),
            "retention": chores.counters(),
            "devices": {role: state.value for role, state in lane.devices.items()},
            "lane": dict(lane.counters),
            "dropped_frames": sum(r.dropped_frames for r in readers),
            "store_fault": writer.fault,
            "store_dropped": writer.dropped,
            "roster_version": lane.roster.version if lane.roster is not None else None,
            "screening_warnings": list(lane.screener.warnings),
        }


def _screen_to_lane(events: "queue.Queue[object]", state: DeviceState, detail: str) -> bool:
    """The screen's state, from the screen (main) thread, which must not wait on the lane:
    False when the queue is full (the screen tells it again at its next try or frame)."""
    try:
        events.put_nowait(DeviceStatus(time.monotonic(), "screen", state, detail))
    except queue.Full:
        return False
    return True


def _live_counts(today: dict) -> dict:
    return {"passages": today["passages"], "fever": today["fevers"], "deny": today["denials"]}


class _GuardActions:
    """The guard's keys, from the screen thread: acks and visitors go to the lane, typed
    thermometer readings to the store writer (behind their passage, never on this thread)."""

    #: A reading typed after its fever was acknowledged (the guard silenced the alarm, then
    #: went to measure) still belongs to that fever for this long.
    AFTER_ACK_S = 600.0

    def __init__(self, events: "queue.Queue[object]", writer: StoreWriter) -> None:
        self.events, self.writer = events, writer
        self._acked: Optional[Tuple[PassageRecord, float]] = None  # the last fever acknowledged, and when

    def handle(self, action: GuardAction, record: Optional[PassageRecord]) -> bool:
        """True when the action was taken (a reading: queued for the store)."""
        now = time.monotonic()
        if action.kind == "secondary":
            if record is None and self._acked is not None and now - self._acked[1] < self.AFTER_ACK_S:
                record = self._acked[0]
            if record is None or action.value_c is None:
                log.warning("thermometer reading typed with no passage on screen: not stored")
                return False
            self.writer.put_reading(record, action.value_c)
            return True
        if action.kind == "ack" and record is not None and record.verdict is Verdict.FEVER:
            self._acked = (record, now)
        try:
            self.events.put(GuardInput(now, action.kind, record=record), timeout=1.0)
        except queue.Full:  # the lane takes no events (the watchdog restarts it): the key is lost
            log.error("guard key %s not taken: the lane is not reading its events", action.kind)
            return False
        return True
