#!/usr/bin/env python3
"""Soak run (not in CI): the whole daemon on simulated traffic for an hour, syncing to a
private Mosquitto with a collector, under a small database cap so that retention works
all the time. Traffic is accelerated: besides the daemon's own simulated lane, a second
writer adds INJECT_PER_S passages a second to the same database (as a busy gate would),
so storage, sync and retention see hours of a school morning in minutes. Prints RSS and database size every minute; both must
stay flat once retention has started.

Usage: scripts/soak.sh [MINUTES] (default 60). Exit 0 when flat, 1 when not.
"""
from __future__ import annotations

import getpass
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import closing
from pathlib import Path
from typing import Callable, List, Optional, Tuple

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
INJECT_PER_S = 20
PY = sys.executable
CAP_MB = 2
WARMUP_SAMPLES = 5  # minutes before retention and caches settle; growth is judged after
MAX_RSS_GROWTH = 0.10
# The cap, one retention interval of traffic, and the WAL: SQLite checkpoints it every
# 1000 pages (4 MB) and reuses the file from the start, so it stays at about that size.
MAX_DB_BYTES = (CAP_MB * 1.5 + 4.5) * 1024 * 1024

CONFIG = """
device: {{id: soak-1, site: soak-school, timezone: Asia/Shanghai}}
thermal:
  type: sim
  sensor: p2pro
  fever_rate: 0.1
  gap_min_s: 0.1
  gap_max_s: 0.4
  two_people_rate: 0.05
  hot_object_rate: 0.05
  unknown_card_rate: 0.05
card: {{type: sim}}
light: {{type: log}}
policy: {{roster_file: {roster}}}
store: {{path: {db}, retention_days: 1, max_db_mb: {cap}, maintenance_interval_min: 1}}
mqtt: {{host: 127.0.0.1, port: {port}, health_interval_s: 10}}
display: {{enabled: false}}
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def db_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in (path, Path(f"{path}-wal")) if p.exists())


def counts(db: Path, collector: Path) -> Tuple[int, int, int]:
    """Passages stored, records queued for sync, passages collected (-1: not readable yet)."""
    from edge.store import backlog_stats

    def read(path: Path, query: Callable[[sqlite3.Connection], int]) -> int:
        try:
            with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)) as conn:
                return int(query(conn))
        except sqlite3.Error:
            return -1

    def passages(conn: sqlite3.Connection) -> int:
        return int(conn.execute("SELECT COUNT(*) FROM passages").fetchone()[0])

    return (read(db, passages), read(db, lambda conn: int(backlog_stats(conn)["count"])),
            read(collector, passages))


def inject(db: Path, stop: threading.Event) -> None:
    """Extra passages through the product's own Store, as a second writer."""
    from edge.record import PassageRecord
    from edge.settings.device import DeviceSettings
    from edge.store import Store
    from edge.verdict import Verdict

    while not db.exists() and not stop.wait(0.5):
        pass
    store = Store(str(db), DeviceSettings(id="soak-1", site="soak-school")).open()
    i = 0
    try:
        while not stop.wait(1.0):
            recs = []
            for _ in range(INJECT_PER_S):
                i += 1
                fever = i % 50 == 0
                recs.append(PassageRecord(t=time.monotonic(), wall=time.time(), clock_ok=True,
                                          verdict=Verdict.FEVER if fever else Verdict.PASS, reasons=(),
                                          card=f"{2000000000 + i % 900}", card_reader="sim",
                                          person_id=f"P{i % 900:05d}", skin_c=35.2,
                                          body_c=38.3 if fever else 36.7, measurement={"frames": 6}, policy={}))
            store.record_passages(recs)
    finally:
        store.close()


def main() -> int:
    minutes = int(sys.argv[1]) if len(sys.argv) > 1 else 60
    mosquitto = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    work = Path(tempfile.mkdtemp(prefix="gate-soak-"))
    port = free_port()
    (work / "mosquitto.conf").write_text(
        f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\nmax_queued_messages 0\n"
        + f"user {getpass.getuser()}\n")  # as root, mosquitto would switch to the "mosquitto" user
    db, collector = work / "gate.db", work / "collector.db"
    (work / "gate.yaml").write_text(CONFIG.format(roster=ROOT / "config" / "roster.demo.csv", db=db, cap=CAP_MB,
                                                  port=port))
    procs: List[subprocess.Popen] = []
    env = {**os.environ, "DISPLAY": ""}
    check = subprocess.run([PY, "-m", "edge", "check-config", str(work / "gate.yaml")], cwd=ROOT, env=env,
                           stdout=subprocess.DEVNULL)
    if check.returncode:
        return check.returncode
    try:
        procs.append(subprocess.Popen([mosquitto, "-c", str(work / "mosquitto.conf")], stderr=subprocess.DEVNULL))
        time.sleep(0.5)
        procs.append(subprocess.Popen([PY, "-m", "edge", "collect", "--broker", f"mqtt://127.0.0.1:{port}",
                                       "--db", str(collector)], cwd=ROOT, env=env,
                                      stdout=subprocess.DEVNULL, stderr=open(work / "collector.log", "w")))
        daemon = subprocess.Popen([PY, "-m", "edge", "run", "--config", str(work / "gate.yaml"), "--headless"],
                                  cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                                  stderr=open(work / "daemon.log", "w"))
        procs.append(daemon)
        stop = threading.Event()
        injector = threading.Thread(target=inject, args=(db, stop), daemon=True)
        injector.start()
        print(f"# soak {minutes} min in {work}; daemon pid {daemon.pid}, broker 127.0.0.1:{port}, cap {CAP_MB} MB")
        print(f"{'min':>4} {'rss_MB':>8} {'db_MB':>7} {'kept':>7} {'unsent':>7} {'collected':>10}")
        samples: List[Tuple[int, int]] = []
        for minute in range(1, minutes + 1):
            time.sleep(60)
            if daemon.poll() is not None:
                print(f"daemon exited with {daemon.returncode}; see {work / 'daemon.log'}")
                return 1
            rss, size = rss_kb(daemon.pid), db_bytes(db)
            kept, unsent, collected = counts(db, collector)
            samples.append((rss, size))
            print(f"{minute:>4} {rss / 1024:>8.1f} {size / 1e6:>7.2f} {kept:>7} {unsent:>7} {collected:>10}",
                  flush=True)
        stop.set()
        injector.join(timeout=10)
        return verdict(samples)
    finally:
        for proc in reversed(procs):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    proc.kill()


def verdict(samples: List[Tuple[int, int]]) -> int:
    settled: Optional[Tuple[int, int]] = samples[WARMUP_SAMPLES - 1] if len(samples) >= WARMUP_SAMPLES else None
    if settled is None:
        print("too short to judge: run at least", WARMUP_SAMPLES + 1, "minutes")
        return 0
    rss_growth = max(r for r, _ in samples[WARMUP_SAMPLES - 1:]) / settled[0] - 1.0
    biggest_db = max(s for _, s in samples[WARMUP_SAMPLES - 1:])
    ok = rss_growth <= MAX_RSS_GROWTH and biggest_db <= MAX_DB_BYTES
    print(f"RSS growth after minute {WARMUP_SAMPLES}: {rss_growth:+.1%} (limit {MAX_RSS_GROWTH:.0%}); "
          f"largest database {biggest_db / 1e6:.2f} MB (limit {MAX_DB_BYTES / 1e6:.2f}): {'FLAT' if ok else 'GROWING'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
