from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from sync_support import collector_seqs, gate_config, started_collector, wait_for

from edge.store import backlog_stats
from edge.sync.service import SyncService

PRODUCER = Path(__file__).with_name("sync_producer.py")


def committed(path: Path) -> list:
    # The last line may be half-written when the kill lands; whole lines only.
    lines = path.read_text().split("\n")[:-1] if path.exists() else []
    return [int(x) for x in lines if x]


def test_kill9_producer_and_sync_never_loses_or_doubles(mosquitto, tmp_path):
    collector = started_collector(mosquitto.url, tmp_path / "c.db")
    db, log_path = tmp_path / "gate.db", tmp_path / "committed.txt"
    rng = random.Random(7)
    try:
        for _ in range(6):
            proc = subprocess.Popen([sys.executable, str(PRODUCER), str(db), str(mosquitto.port), "g1", str(log_path)],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            try:
                before = len(committed(log_path))
                wait_for(lambda: len(committed(log_path)) > before + 20 or proc.poll() is not None, 20, "producing")
                assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
                time.sleep(rng.uniform(0.05, 0.8))
            finally:  # (a failed wait must not leave an endless producer behind)
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait(10)
            conn = sqlite3.connect(db)
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            conn.close()
        promised = committed(log_path)
        assert len(promised) > 100
        # Restart the gate's sync alone and let it drain what the killed processes left.
        sync = SyncService(gate_config(mosquitto.port), str(db))
        sync.start()
        try:
            conn = sqlite3.connect(db)
            wait_for(lambda: backlog_stats(conn)["count"] == 0, 30, "drain")
            stored = [r[0] for r in conn.execute("SELECT seq FROM passages ORDER BY seq")]
            conn.close()
        finally:
            sync.stop()
        wait_for(lambda: collector_seqs(collector) == stored, 20, "collector has every stored passage")
        assert set(promised) <= set(stored)
        assert len(collector_seqs(collector)) == len(set(collector_seqs(collector)))  # once each
    finally:
        collector.stop()


def test_a_killed_gate_leaves_a_retained_offline_status(mosquitto, tmp_path):
    """No clean DISCONNECT: the broker publishes the gate's last will, so the school sees it
    offline, not online forever."""
    import paho.mqtt.client as mqtt

    seen: dict = {}

    def on_message(client, userdata, msg):
        seen[msg.payload.decode()] = msg.retain


    proc = subprocess.Popen([sys.executable, str(PRODUCER), str(tmp_path / "g.db"), str(mosquitto.port), "g1",
                             str(tmp_path / "committed.txt")], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    watcher = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    try:
        watcher.on_message = on_message
        watcher.connect("127.0.0.1", mosquitto.port)
        watcher.subscribe("gate-edge/s1/g1/status", 1)
        watcher.loop_start()
        wait_for(lambda: "online" in seen, 20, "the gate online")
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
        wait_for(lambda: "offline" in seen, 10, "the last will")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
        watcher.loop_stop()
        watcher.disconnect()
    late: list = []
    reader = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    reader.on_message = lambda c, u, m: late.append((m.payload.decode(), m.retain))
    reader.connect("127.0.0.1", mosquitto.port)
    reader.subscribe("gate-edge/s1/g1/status", 1)
    reader.loop_start()
    try:
        wait_for(lambda: bool(late), 10, "the retained status for a late subscriber")
        assert late == [("offline", True)]
    finally:
        reader.loop_stop()
        reader.disconnect()
