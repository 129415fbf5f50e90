#!/usr/bin/env python3
"""Sync benchmark: 100,000-record backlog drained to a local Mosquitto.

Rows: drain seconds and records/s through SyncService (outbox reads, PUBACK deletes), the
same batched payloads published by a plain paho loop with no store (ratio = plain time /
sync time, 1.0 = no overhead; medians of RUNS drains and plain loops, alternating), the
same SyncService fed those batches from memory (what the service costs without SQLite, so
the rest of the gap is the store), fever-alert latency p50/p99 while the backlog drains (a
fever stored every 20 ms, pooled over the runs), and the peak RSS of the real daemon
(`gate-edge run`, simulated lane) draining a copy of the same backlog. Loopback has next
to no cost per byte, so the drain and the ratio are measured again through a proxy that
holds the link to 100 Mbit/s (a Pi 3's Ethernet): what a gate at a school sees.
"""
from __future__ import annotations

import dataclasses
import os
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from typing import Any, Dict, Iterable, List, Optional, Tuple

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

import paho.mqtt.client as mqtt  # noqa: E402
from paho.mqtt.packettypes import PacketTypes  # noqa: E402
from paho.mqtt.properties import Properties  # noqa: E402

from bench_link import ThrottledProxy  # noqa: E402
from edge.outbox import Batch, Outbox, Row as OutboxRow  # noqa: E402
from edge.record import PassageRecord  # noqa: E402
from edge.settings.device import DeviceSettings  # noqa: E402
from edge.settings.mqtt import MqttSettings  # noqa: E402
from edge.settings.root import GateConfig  # noqa: E402
from edge.store import Store  # noqa: E402
from edge.sync import topics  # noqa: E402
from edge.sync.payload import BATCH_HEAD_BYTES, batch_message  # noqa: E402
from edge.sync.service import SyncService  # noqa: E402
from edge.verdict import Verdict  # noqa: E402

Row = Tuple[str, float, str]
N = 100_000
RUNS = 5  # drains and plain loops; the table shows medians
ALERT_EVERY_S = 0.02
LINK_BYTES_PER_S = 100e6 / 8  # a Raspberry Pi 3's Ethernet


def _record(verdict: Verdict = Verdict.PASS) -> PassageRecord:
    return PassageRecord(t=time.monotonic(), wall=time.time(), clock_ok=True, verdict=verdict, reasons=("ok",),
                         card=None, card_reader="pn532", person_id="S2026-0413", skin_c=35.1, body_c=36.7,
                         measurement={"frames": 8, "calibration": 3}, policy={"roster_version": 17})


def _broker(workdir: str) -> Tuple[subprocess.Popen, int]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    conf = os.path.join(workdir, "mosquitto.conf")
    with open(conf, "w") as f:
        f.write(f"user {os.environ.get('USER') or 'root'}\nlistener {port} 127.0.0.1\nallow_anonymous true\n"
                "max_queued_messages 1\n")
    proc = subprocess.Popen(["/usr/sbin/mosquitto", "-c", conf], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc, port
        except OSError:
            time.sleep(0.02)
    proc.kill()
    raise RuntimeError("mosquitto did not start")


def _away_collector(port: int) -> None:
    """A collector session that subscribes to every gate's passages, then goes away.

    A broker with no subscriber answers "no matching subscribers" and the gate keeps its
    records (edge.sync.hold), so the messages need a subscriber, the sync's and the plain
    loop's alike. An absent one costs these two cores nothing; the broker holds one message
    for it (max_queued_messages 1) and drops the rest, as the old no-subscriber run did.
    """
    props = Properties(PacketTypes.CONNECT)
    props.SessionExpiryInterval = 3600
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="bench-collector", protocol=mqtt.MQTTv5)
    subscribed = threading.Event()
    client.on_subscribe = lambda *a: subscribed.set()
    client.connect("127.0.0.1", port, clean_start=False, properties=props)
    client.subscribe(topics.passages("gate-edge", "s1", "+"), 1)
    deadline = time.monotonic() + 10
    while not subscribed.is_set() and time.monotonic() < deadline:
        client.loop(0.05)
    if not subscribed.is_set():
        raise RuntimeError("the bench's collector session did not subscribe")
    client.disconnect()
    client.loop(0.1)


def _plain_paho(port: int, payloads: List[bytes], topic: str) -> float:
    """The same batched payloads, QoS 1, same in-flight window, no store."""
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="bench-plain", protocol=mqtt.MQTTv5)
    acked = [0]
    client.on_publish = lambda *a: acked.__setitem__(0, acked[0] + 1)
    client.max_inflight_messages_set(20)
    client.connect("127.0.0.1", port)
    while not client.is_connected():
        client.loop(0.01)
    start = time.perf_counter()
    sent = 0
    deadline = time.monotonic() + 120
    while acked[0] < len(payloads) and time.monotonic() < deadline:
        while sent < len(payloads) and sent - acked[0] < 20:
            client.publish(topic, payloads[sent], qos=1)
            sent += 1
        client.loop(0.0 if sent - acked[0] < 20 else 0.01)
    elapsed = time.perf_counter() - start
    client.disconnect()
    return elapsed


DAEMON_CONFIG = """
device: {{id: bench-1, site: s1}}
thermal: {{type: sim}}
card: {{type: sim}}
light: {{type: log}}
policy: {{roster_file: {roster}}}
store: {{path: {db}}}
mqtt: {{host: 127.0.0.1, port: {port}}}
display: {{enabled: false}}
"""


def _records_left(conn: sqlite3.Connection) -> bool:
    # An index probe, not COUNT(*): polling must not eat the core the broker runs on.
    return conn.execute("SELECT 1 FROM outbox_passages LIMIT 1").fetchone() is not None


def _daemon_peak_rss_mb(workdir: str, db: str, port: int) -> Tuple[float, float]:
    """(peak RSS in MB, seconds) of `gate-edge run` from start until its backlog is sent."""
    root = os.path.dirname(HERE)
    config = os.path.join(workdir, "daemon.yaml")
    with open(config, "w") as f:
        f.write(DAEMON_CONFIG.format(roster=os.path.join(root, "config", "roster.demo.csv"), db=db, port=port))
    proc = subprocess.Popen([sys.executable, "-m", "edge", "run", "--config", config, "--headless"], cwd=root,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ, "DISPLAY": ""})
    started = time.perf_counter()
    peak_kb = 0
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            with open(f"/proc/{proc.pid}/status") as status:
                for line in status:
                    if line.startswith("VmHWM:"):  # the kernel's own peak, not our sampling
                        peak_kb = max(peak_kb, int(line.split()[1]))
            if not _records_left(conn):
                break
            time.sleep(0.05)
        elapsed = time.perf_counter() - started
    finally:
        conn.close()
        proc.terminate()
        proc.wait(20)
    return peak_kb / 1024.0, elapsed


def _drain(cfg: GateConfig, db: str) -> float:
    """Seconds for SyncService to empty the record outbox of ``db`` (no other load)."""
    sync = SyncService(cfg, db)
    poll = sqlite3.connect(db, timeout=10)
    started = time.perf_counter()
    sync.start()
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and _records_left(poll):
        time.sleep(0.002)
    elapsed = time.perf_counter() - started
    poll.close()
    sync.stop()
    return elapsed


class MemoryOutbox(Outbox):
    """The passage batches SyncService would read, served from a dict: no SQLite at all."""

    def __init__(self, batches: Dict[int, Batch]) -> None:  # not super().__init__(): it opens the database
        self.batches = batches  # cursor (the previous batch's last id) -> the next batch
        self.acked = 0
        self.done = threading.Event()

    def fetch(self, queue: str, limit: int, after_id: int = 0) -> List[OutboxRow]:
        return []

    def fetch_batch(self, queue: str, after_id: int, max_records: int, max_bytes: int) -> Optional[Batch]:
        return self.batches.get(after_id) if queue == "passage" else None

    def delete_ranges(self, ranges: Iterable[Tuple[str, int, int]]) -> None:
        self.acked += len(list(ranges))
        if self.acked >= len(self.batches):
            self.done.set()

    def stats(self) -> Dict[str, Any]:
        return {"count": 0, "oldest_age_s": 0.0, "oldest_seq": None}

    def close(self) -> None:
        pass


def _drain_from_memory(cfg: GateConfig, db: str, batches: Dict[int, Batch]) -> float:
    """Seconds for SyncService to publish ``batches`` until every one is acknowledged
    (``db`` is only read for the roster version; the outbox is never opened)."""
    outbox = MemoryOutbox(batches)
    sync = SyncService(cfg, db, dict, lambda path: outbox)
    started = time.perf_counter()
    sync.start()
    finished = outbox.done.wait(300)
    elapsed = time.perf_counter() - started
    sync.stop()
    if not finished:
        raise RuntimeError(f"from memory: {outbox.acked} of {len(batches)} batches acknowledged in 300 s")
    return elapsed


def _drain_with_alerts(cfg: GateConfig, db: str) -> float:
    """Seconds to empty the record outbox while a fever passage is stored every ALERT_EVERY_S."""
    store = Store(db, cfg.device, synchronous="NORMAL").open()
    done = threading.Event()

    def alerts() -> None:
        while not done.wait(ALERT_EVERY_S):
            store.record_passage(_record(Verdict.FEVER))

    writer = threading.Thread(target=alerts, daemon=True)
    writer.start()
    try:
        return _drain(cfg, db)
    finally:
        done.set()
        writer.join(5)
        store.close()


def _over_link(cfg: GateConfig, port: int, db: str, payloads: List[bytes]) -> Tuple[float, float]:
    """(sync drain, plain paho) seconds through a LINK_BYTES_PER_S proxy to the broker."""
    assert cfg.mqtt is not None
    proxy = ThrottledProxy(port, LINK_BYTES_PER_S).start()
    try:
        linked = dataclasses.replace(cfg, mqtt=dataclasses.replace(cfg.mqtt, port=proxy.port))
        sync_s = _drain(linked, db)
        plain_s = _plain_paho(proxy.port, payloads, topics.passages("gate-edge", "s1", "bench-plain-link"))
    finally:
        proxy.stop()
    return sync_s, plain_s


def _percentile(values: List[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))] if values else float("nan")


def bench_sync() -> List[Row]:
    workdir = tempfile.mkdtemp(prefix="bench-sync-")
    proc, port = _broker(workdir)
    try:
        _away_collector(port)
        cfg = GateConfig(device=DeviceSettings(id="bench-1", site="s1"), mqtt=MqttSettings(port=port))
        assert cfg.mqtt is not None
        store = Store(os.path.join(workdir, "gate.db"), cfg.device, synchronous="NORMAL").open()
        for start in range(0, N, 2000):
            store.record_passages([_record() for _ in range(2000)])
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        daemon_db, link_db = os.path.join(workdir, "daemon.db"), os.path.join(workdir, "link.db")
        shutil.copyfile(store.path, daemon_db)
        shutil.copyfile(store.path, link_db)
        # The batches the sync thread will send, built once for the plain-paho baseline.
        outbox, payloads, cursor = Outbox(store.path), [], 0
        batches: Dict[int, Batch] = {}
        while True:
            batch = outbox.fetch_batch("passage", cursor, cfg.mqtt.batch_records,
                                       cfg.mqtt.batch_bytes - BATCH_HEAD_BYTES)
            if batch is None:
                break
            batches[cursor] = batch
            payloads.append(batch_message(cfg.device.id, batch.first_seq, batch.last_seq, batch.count, batch.joined))
            cursor = batch.last_id
        outbox.close()

        latencies: List[float] = []
        sub = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
        sub.on_message = lambda c, u, m: latencies.append(time.monotonic() - float(m.payload.split(b'"t_mono":')[1]
                                                                                  .split(b",")[0]))
        sub.connect("127.0.0.1", port)
        sub.subscribe(topics.alerts("gate-edge", "s1", cfg.device.id), 1)
        sub.loop_start()
        time.sleep(0.3)
        store.close()
        drains, plains, memory = [], [], []
        for run in range(RUNS):  # the three alternate, so all see the same machine
            db = os.path.join(workdir, f"drain-{run}.db")
            shutil.copyfile(store.path, db)
            drains.append(_drain_with_alerts(cfg, db))
            os.remove(db)
            plains.append(_plain_paho(port, payloads, topics.passages("gate-edge", "s1", f"bench-plain-{run}")))
            memory.append(_drain_from_memory(cfg, store.path, batches))
        time.sleep(0.3)  # the last alerts' messages
        sub.loop_stop()
        drain, plain, from_memory = statistics.median(drains), statistics.median(plains), statistics.median(memory)
        rss_mb, daemon_s = _daemon_peak_rss_mb(workdir, daemon_db, port)
        link_sync, link_plain = _over_link(cfg, port, link_db, payloads)
        return [
            ("sync: 100k backlog drain", drain, "s"),
            ("sync: drain rate", N / drain, "records/s"),
            ("sync: plain paho, same batches", plain, "s"),
            ("sync: ratio plain/sync time", plain / drain, "x"),
            ("sync: from memory, no SQLite: drain", from_memory, "s"),
            ("sync: from memory: ratio plain/sync", plain / from_memory, "x"),
            ("sync: alert latency p50 during drain", _percentile(latencies, 0.5) * 1000, "ms"),
            ("sync: alert latency p99 during drain", _percentile(latencies, 0.99) * 1000, "ms"),
            ("sync: alerts measured", float(len(latencies)), "n"),
            ("sync: 100 Mbit/s link, 100k drain", link_sync, "s"),
            ("sync: 100 Mbit/s link, plain paho", link_plain, "s"),
            ("sync: 100 Mbit/s link, ratio plain/sync", link_plain / link_sync, "x"),
            ("sync: daemon peak RSS, start + 100k drain", rss_mb, "MB"),
            ("sync: daemon start + 100k drain", daemon_s, "s"),
        ]
    finally:
        proc.kill()
        proc.wait(10)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    for name, value, unit in bench_sync():
        print(f"{name:40s} {value:12.2f} {unit}")
