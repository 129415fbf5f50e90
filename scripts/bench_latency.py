#!/usr/bin/env python3
"""Fever frame -> red lamp latency through the real drivers and threads (issue 5: p99 <= 20 ms).

``bench_latency()`` returns rows (name, value, unit) for scripts/bench.py. Two pty pairs
stand in for a GY-MCU90640 thermal module and an LCUS relay light; the product's own
drivers open the slave ends and run in the daemon's wiring (ReaderThread -> LaneThread
-> LaneOutputs -> SignalController -> light), minus store, screen and sync.

One trial: empty-scene frames at the sensor's 8 Hz, then a feverish person until the
screening window completes. Latency = perf_counter when the first byte of the red-on
relay command shows up on the light's master, minus perf_counter right after the last
byte of the most recent fever frame was written to the thermal master (the frame that
completed the window). Between trials the person leaves and the guard acknowledges.
"""
from __future__ import annotations

import math
import os
import queue
import select
import statistics
import sys
import threading
import time
import tty
from typing import List, Optional, Tuple

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from drivers.base import OFF, BuildContext, CardEvent, Light, ThermalSource  # noqa: E402
from drivers.light.lcus_relay import relay_command  # noqa: E402
from drivers.registry import build  # noqa: E402
from drivers.thermal import mlx90640_frame as wire  # noqa: E402
from edge.assembly import build_lane  # noqa: E402
from edge.clock import SystemClock  # noqa: E402
from edge.events import GuardInput  # noqa: E402
from edge.lane_thread import LaneThread  # noqa: E402
from edge.measure_synth import Person, render  # noqa: E402
from edge.outputs import LaneOutputs, LiveState  # noqa: E402
from edge.readers import ReaderThread  # noqa: E402
from edge.settings.loader import load_config_text  # noqa: E402
from edge.signals import SignalController  # noqa: E402

Row = Tuple[str, float, str]

FPS = 8.0  # the GY-MCU90640's top rate: the frame period bounds how fast a window fills
AMBIENT_C = 22.0
EVENT_QUEUE = 256  # as edge.daemon (not imported: it pulls in the screen and sync stacks)
RED_CHANNEL = 1
TARGET_P99_MS = 20.0

# Temperature-only lane: no card section, so a fever person alone ends a passage.
# warmup_minutes 0: the MLX driver asks for 5 minutes, which would fault every reading.
CONFIG = """
device: {{id: bench-latency, site: bench, gate: bench, direction: entry}}
thermal:
  type: mlx90640_uart
  port: {thermal}
  baud: 460800
  start_baud: 460800
  rate_hz: 8
light:
  type: lcus_relay
  port: {light}
  red_channel: {red}
lane:
  require_card: {require_card}
screening:
  threshold_mode: absolute
  stable_frames: 4
  stable_s: 0.4
  warmup_minutes: 0
"""


def frame_bytes(fever: bool, seed: int = 0) -> bytes:
    """Exact GY-MCU90640 frame of an empty scene or of a feverish person at 0.8 m.

    At 0.5 m the 32x24 sensor's face fills more than max_face_fraction: too_close, retry.
    """
    people = [Person(canthus_c=38.6, distance_m=0.8)] if fever else []
    return wire.build_frame(render((wire.ROWS, wire.COLS), people, ambient_c=AMBIENT_C, seed=seed), AMBIENT_C)


class Gate:
    """The daemon's device -> lane -> light wiring on two serial ports (edge.daemon.Daemon.run)."""

    def __init__(self, thermal_port: str, light_port: str, red_channel: int = RED_CHANNEL,
                 has_card_reader: bool = False) -> None:
        """``has_card_reader``: a lane that pairs cards (tap_card) with its readings."""
        self.config = cfg = load_config_text(
            CONFIG.format(thermal=thermal_port, light=light_port, red=red_channel,
                          require_card="true" if has_card_reader else "false"), "bench_latency")
        assert cfg.thermal is not None and cfg.light is not None
        self.thermal = build("thermal", cfg.thermal.type, cfg.thermal.options, BuildContext("thermal"))
        self.light = build("light", cfg.light.type, cfg.light.options, BuildContext("light"))
        assert isinstance(self.thermal, ThermalSource) and isinstance(self.light, Light)
        self.stop_event = threading.Event()
        self.events: "queue.Queue[object]" = queue.Queue(maxsize=EVENT_QUEUE)
        self.live = LiveState()
        self.lane = build_lane(cfg, self.thermal.accuracy, SystemClock(), None, has_card_reader,
                               sensor_started=time.monotonic(), warmup_minutes=self.thermal.warmup_minutes)
        self.signals = SignalController(cfg.signals, self.light)
        self.lane.listeners.append(LaneOutputs(None, self.signals, self.live))
        self.reader = ReaderThread("thermal", self.thermal, self.events, self.stop_event)
        self.lane_thread = LaneThread(self.lane, self.events, self.stop_event, cfg.lane.idle_tick_s)

    def start(self) -> None:
        self.light.open()
        self.signals.start()
        self.lane_thread.start()
        self.reader.start()

    def stop(self) -> None:
        self.stop_event.set()
        self.reader.join(timeout=5)
        self.lane_thread.join(timeout=10)
        self.signals.stop()
        self.light.close()

    # What the guard's keypad does in the daemon: an event on the lane's queue.
    def acknowledge(self) -> None:
        self.events.put(GuardInput(time.monotonic(), "ack"))

    def tap_card(self, card_id: str) -> None:
        self.events.put(CardEvent(time.monotonic(), "bench", card_id))


class PtyPair:
    """One pty: the driver opens ``path``; the bench keeps the master (and the slave, so
    the line stays up between the driver's reconnects)."""

    def __init__(self) -> None:
        self.master, self.slave = os.openpty()
        # Raw before the driver opens: a cooked slave would echo frames back to us.
        tty.setraw(self.slave)
        self.path = os.ttyname(self.slave)

    def write(self, data: bytes) -> float:
        """Write all of ``data``; perf_counter right after its last byte."""
        view = memoryview(data)
        while view:
            view = view[os.write(self.master, view):]
        return time.perf_counter()

    def close(self) -> None:
        os.close(self.master)
        os.close(self.slave)


class Watcher(threading.Thread):
    """Discards what the thermal driver writes (its start-up commands) and timestamps
    every red-on command arriving from the light."""

    def __init__(self, thermal_master: int, light_master: int, red_channel: int = RED_CHANNEL) -> None:
        super().__init__(name="bench-watcher", daemon=True)
        self.thermal_master, self.light_master = thermal_master, light_master
        self.red_on = relay_command(red_channel, True)
        self.red_times: List[float] = []
        self.red_seen = threading.Event()  # wakes the writer instead of it polling (GIL noise)
        self.light_bytes = bytearray()
        self._chunk_times: List[Tuple[int, float]] = []  # (offset in light_bytes, arrival)
        self._halt = threading.Event()

    def run(self) -> None:
        fds = [self.thermal_master, self.light_master]
        while not self._halt.is_set():
            ready, _, _ = select.select(fds, [], [], 0.05)
            now = time.perf_counter()  # before reading: the bytes were there at wake-up
            for fd in ready:
                try:
                    data = os.read(fd, 4096)
                except OSError:
                    continue
                if fd == self.light_master and data:
                    self._light(data, now)

    def _light(self, data: bytes, now: float) -> None:
        start = max(0, len(self.light_bytes) - len(self.red_on) + 1)
        self._chunk_times.append((len(self.light_bytes), now))
        self.light_bytes += data
        # Commands can straddle reads; the time is that of the chunk holding the first byte.
        at = self.light_bytes.find(self.red_on, start)
        while at >= 0:
            self.red_times.append(max(t for off, t in self._chunk_times if off <= at))
            self.red_seen.set()
            at = self.light_bytes.find(self.red_on, at + 1)

    def first_red_after(self, t: float) -> Optional[float]:
        return next((r for r in list(self.red_times) if r > t), None)

    def stop(self) -> None:
        self._halt.set()
        self.join(timeout=2)


def percentile(values: List[float], q: float) -> float:
    """Nearest-rank percentile: with ~30 trials p99 is the worst one, as it should be."""
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100.0 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def run_trials(trials: int = 30, max_fever_frames: int = 24) -> Tuple[List[float], int]:
    """(latencies in seconds, trials without a red lamp)."""
    thermal, light = PtyPair(), PtyPair()
    gate = Gate(thermal.path, light.path)
    watcher = Watcher(thermal.master, light.master)
    empty = [frame_bytes(False, seed) for seed in range(4)]
    fever = [frame_bytes(True, seed) for seed in range(8)]
    period = 1.0 / FPS
    next_due = time.perf_counter()
    latencies: List[float] = []
    missed = 0

    def send(data: bytes) -> float:
        nonlocal next_due
        delay = next_due - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        next_due = max(next_due + period, time.perf_counter())
        return thermal.write(data)

    watcher.start()
    gate.start()
    try:
        for i in range(8):  # the driver connects and the lane sees an empty lane first
            send(empty[i % len(empty)])
        for _ in range(trials):
            writes: List[float] = []
            red: Optional[float] = None
            for i in range(max_fever_frames):
                writes.append(send(fever[i % len(fever)]))
                # Wait out the frame period here: the red lamp normally lands inside it.
                while red is None and time.perf_counter() < next_due:
                    watcher.red_seen.wait(max(0.0, next_due - time.perf_counter()))
                    watcher.red_seen.clear()
                    red = watcher.first_red_after(writes[0])
                if red is not None:
                    break
            if red is None:
                missed += 1
            else:
                latencies.append(red - max(w for w in writes if w <= red))
            for i in range(gate.config.lane.leave_frames + 1):  # the person walks on
                send(empty[i % len(empty)])
                if i == 0:
                    gate.acknowledge()
            deadline = time.perf_counter() + 2.0
            while gate.signals.current != OFF and time.perf_counter() < deadline:
                time.sleep(0.005)
    finally:
        gate.stop()
        watcher.stop()
        thermal.close()
        light.close()
    return latencies, missed


def bench_latency() -> List[Row]:
    latencies, missed = run_trials()
    ms = [x * 1000.0 for x in latencies] or [float("nan")]
    return [
        ("fever frame -> red light p50", statistics.median(ms), "ms"),
        ("fever frame -> red light p99", percentile(ms, 99), "ms"),
        ("trials", float(len(latencies)), "count"),
        ("trials without red light", float(missed), "count"),
        ("target p99", TARGET_P99_MS, "ms"),
    ]
