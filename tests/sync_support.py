"""Helpers for the sync tests: configs, filled stores, bounded waits, a started collector."""
from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Callable, List

from sync_producer import make_record

from edge.settings.device import DeviceSettings
from edge.settings.mqtt import MqttSettings
from edge.settings.root import GateConfig
from edge.store import Store
from edge.sync.collector import Collector
from edge.sync.service import SyncService
from edge.verdict import Verdict


def gate_config(port: int, device: str = "g1", **mqtt: Any) -> GateConfig:
    opts = dict(port=port, backoff_min_s=0.05, backoff_max_s=0.5, health_interval_s=1.0)
    opts.update(mqtt)
    return GateConfig(device=DeviceSettings(id=device, site="s1"), mqtt=MqttSettings(**opts))


def filled_store(path: Path, cfg: GateConfig, n: int, verdict: Verdict = Verdict.PASS) -> Store:
    store = Store(str(path), cfg.device, synchronous="NORMAL").open()
    for start in range(0, n, 1000):
        store.record_passages([make_record(i, verdict) for i in range(start, min(n, start + 1000))])
    return store


def wait_for(pred: Callable[[], bool], timeout: float, what: str, required: bool = True) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(0.02)
    if required:
        raise AssertionError(f"timed out after {timeout} s waiting for {what}")
    return False


def started_collector(url: str, db: Path, client_id: str = "collector-test") -> Collector:
    collector = Collector(url, str(db), client_id=client_id)
    collector.start()
    wait_for(collector.subscribed.is_set, 10, "collector subscription")
    return collector


def collector_seqs(collector: Collector, device: str = "g1") -> List[int]:
    rows = collector.db.conn.execute("SELECT seq FROM passages WHERE device=? ORDER BY seq", (device,)).fetchall()
    return [r[0] for r in rows]


def stored_seqs(store: Store) -> List[int]:
    """The seqs of the store's passages, oldest first (a new database does not number from 1)."""
    return [r[0] for r in store.conn.execute("SELECT seq FROM passages ORDER BY seq")]


def missing(seqs: List[int], expected: List[int]) -> str:
    gone = sorted(set(expected) - set(seqs))
    return f"{len(gone)} missing, first {gone[:5]}, last {gone[-5:]}"


def failing_attempts(cfg: GateConfig, store: Store, attempts: int) -> SyncService:
    """A SyncService on ``store`` run until ``attempts`` connection attempts failed, stopped."""
    sync = SyncService(cfg, store.path)
    sync.start()
    try:
        wait_for(lambda: sync.counters["connect_failures"] >= attempts, 15, "failed connection attempts")
    finally:
        sync.stop()
    return sync

