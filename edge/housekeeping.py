"""The daemon's slow chores, off the lane: retention runs and the state file.

The state file (``status.json``) is how ``gate-edge status``, run by a technician in
another process, learns what only the daemon knows: device states, sync state, store
faults, what retention dropped. Under systemd it lives in the runtime directory (tmpfs,
``RuntimeDirectory=gate-edge``): rewritten every 10 s on the SD card it cost about 100 MB
of writes a day, night and holidays included. Elsewhere (the demo, tests) it lies next to
the database.
"""
from __future__ import annotations

import collections
import json
import logging
import os
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any, Callable, Dict, Optional

from edge.disk_reserve import DiskReserve
from edge.retention import Retention

log = logging.getLogger(__name__)

STATE_FILE = "status.json"
STATE_EVERY_S = 10.0
#: The first retention run waits this long: boot is when the gate is needed most.
FIRST_RUN_DELAY_S = 120.0
#: While the store reports a full disk, retention squeezes at most this often.
SQUEEZE_EVERY_S = 300.0


#: Where the unit's RuntimeDirectory= is; ``gate-edge status`` (a technician's shell, no
#: RUNTIME_DIRECTORY in its environment) looks there too.
RUNTIME_DIR = "/run/gate-edge"


def state_path(db_path: str) -> Path:
    """Where the daemon writes its state file: systemd's runtime directory when it runs as
    the service, else next to the database."""
    runtime = os.environ.get("RUNTIME_DIRECTORY", "").split(":")[0]
    return Path(runtime) / STATE_FILE if runtime else Path(db_path).resolve().parent / STATE_FILE


def state_candidates(db_path: str) -> "list[Path]":
    """Where a reader looks, in order (each file names its database: the first of this one wins)."""
    paths = [state_path(db_path), Path(RUNTIME_DIR) / STATE_FILE, Path(db_path).resolve().parent / STATE_FILE]
    return list(dict.fromkeys(paths))


class Housekeeping(threading.Thread):
    def __init__(self, retention: Retention, interval_s: float, stop_event: threading.Event,
                 status_provider: Callable[[], Dict[str, Any]], db_path: str,
                 store_fault: Callable[[], Optional[str]] = lambda: None,
                 first_run_delay_s: float = FIRST_RUN_DELAY_S, state_every_s: float = STATE_EVERY_S,
                 reserve: Optional[DiskReserve] = None) -> None:
        super().__init__(name="housekeeping", daemon=True)
        self.retention = retention
        self.interval_s = interval_s
        self.stop_event = stop_event
        self.status_provider = status_provider
        self.state_file = state_path(db_path)
        self.db_path = str(Path(db_path).resolve())
        self.first_run_delay_s = first_run_delay_s
        self.state_every_s = state_every_s
        self.store_fault = store_fault
        self.reserve = reserve
        self._last_squeeze = -SQUEEZE_EVERY_S
        # Totals since start, for health and the state file.
        self.totals: "collections.Counter[str]" = collections.Counter()
        self.last_error: Optional[str] = None
        self._state_error: Optional[str] = None

    def counters(self) -> Dict[str, Any]:
        return {**self.totals, "last_error": self.last_error}

    def run(self) -> None:
        next_retention = time.monotonic() + self.first_run_delay_s
        while not self.stop_event.is_set():
            if time.monotonic() >= next_retention:
                self.run_retention()
                next_retention = time.monotonic() + self.interval_s
            elif self._room_wanted() and time.monotonic() - self._last_squeeze >= SQUEEZE_EVERY_S:
                self._last_squeeze = time.monotonic()
                if self.reserve is not None:
                    self.reserve.release()  # room for the deletes themselves (the WAL grows first)
                    self.reserve.room_wanted = False
                log.warning("disk full: dropping the oldest synced passages to make room")
                self.run_retention(squeeze=True)
            elif self.reserve is not None and not self._disk_full():
                self.reserve.ensure()
            self.write_state()
            self.stop_event.wait(min(self.state_every_s, max(0.0, next_retention - time.monotonic())))
        self.write_state(stopped=True)

    def _room_wanted(self) -> bool:
        """The store cannot write for a full disk, or it wrote only thanks to the reserve."""
        return self._disk_full() or (self.reserve is not None and self.reserve.room_wanted)

    def _disk_full(self) -> bool:
        fault = self.store_fault()
        return fault is not None and "full" in fault  # SQLite: "database or disk is full"

    def run_retention(self, squeeze: bool = False) -> None:
        try:
            report = self.retention.run(squeeze=squeeze)
        except (sqlite3.Error, OSError) as exc:
            # Disk full or a locked database: the next run tries again; the gate goes on.
            self.last_error = str(exc)
            log.error("retention run failed: %s", exc)
            return
        self.last_error = None
        self.totals.update(runs=1, squeezes=int(squeeze), purged_old=report.purged_old, dropped_synced=report.dropped_synced,
                           dropped_unsynced=report.dropped_unsynced, vacuums=int(report.vacuumed))
        self.totals["db_used_bytes"] = report.used_bytes
        self.totals["db_file_bytes"] = report.file_bytes

    def write_state(self, stopped: bool = False) -> None:
        body = {"ts": time.time(), "pid": os.getpid(), "stopped": stopped, "db": self.db_path,
                "health": self.status_provider()}
        tmp = self.state_file.with_suffix(".tmp")
        try:
            tmp.write_text(json.dumps(body, default=str, sort_keys=True))
            os.replace(tmp, self.state_file)
        except OSError as exc:
            if self._state_error is None:
                log.warning("cannot write %s: %s", self.state_file, exc)
            self._state_error = str(exc)
            return
        self._state_error = None
