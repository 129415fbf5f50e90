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
            before = len(committed(log_path))
            wait_for(lambda: len(committed(log_path)) > before + 20 or proc.poll() is not None, 20, "producing")
            assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
            time.sleep(rng.uniform(0.05, 0.8))
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
