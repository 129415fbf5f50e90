"""Notices a roster changed under a running gate, so the lane decides from it at once.

Three ways a roster changes while the daemon runs: ``gate-edge roster import`` (another
process writes the stored roster), a technician edits ``policy.roster_file`` (its
modification time is its version), and a signed roster arrives over MQTT (the sync thread
stores it, then calls :meth:`RosterWatch.check`). Each ends in one ``on_change()`` call;
the daemon then loads the gate's roster again (the newer of stored and file, as at start).
"""
from __future__ import annotations

import logging
import os
import sqlite3
import threading
import time
from typing import Callable, Optional, Tuple

from edge import roster_store
from edge.roster import RosterError

log = logging.getLogger(__name__)

POLL_S = 5.0
#: An edited file counts once it has not changed for this long: an editor or a copy may
#: still be writing it, and half a CSV must not replace the roster.
SETTLE_S = 2.0

Sources = Tuple[Optional[int], Optional[int]]  # (stored version, roster file mtime in ns)


class RosterWatch(threading.Thread):
    def __init__(self, db_path: str, roster_file: Optional[str], on_change: Callable[[], None],
                 stop_event: threading.Event, poll_s: float = POLL_S, settle_s: float = SETTLE_S) -> None:
        super().__init__(name="roster-watch", daemon=True)
        self.db_path = db_path
        self.roster_file = roster_file
        self.on_change = on_change
        self.stop_event = stop_event
        self.poll_s = poll_s
        self.settle_s = settle_s
        self._lock = threading.Lock()  # the sync thread calls check() too
        # Taken before the daemon loads its first roster: a change in between means one
        # reload too many, never one missed.
        self._seen = self._sources((None, None))

    def run(self) -> None:
        while not self.stop_event.wait(self.poll_s):
            try:
                self.check()
            except Exception:  # the lane keeps its roster meanwhile; the next look tries again
                log.exception("reloading the roster failed")

    def check(self) -> bool:
        """Calls on_change() if a source changed since the last look; True if it did."""
        with self._lock:
            now = self._sources(self._seen)
            if now == self._seen:
                return False
            log.info("roster changed under the running gate (stored version %s -> %s, %s): reloading",
                     self._seen[0], now[0], "file edited" if now[1] != self._seen[1] else "file unchanged")
            self.on_change()  # if it raises, _seen stays and the next look tries again
            self._seen = now
            return True

    def _sources(self, seen: Sources) -> Sources:
        return self._stored(seen[0]), self._file_mtime(seen[1])

    def _stored(self, before: Optional[int]) -> Optional[int]:
        if not os.path.exists(self.db_path):
            return None
        try:
            return roster_store.current_version(self.db_path)
        except (sqlite3.Error, RosterError) as exc:  # locked for long, or a newer schema: look again later
            log.warning("cannot read the stored roster version: %s", exc)
            return before

    def _file_mtime(self, before: Optional[int]) -> Optional[int]:
        if not self.roster_file:
            return None
        try:
            mtime = os.stat(self.roster_file).st_mtime_ns
        except OSError:
            return None  # removed: the stored roster stays (load_gate_roster falls back to it)
        if before is not None and mtime != before and time.time() - mtime / 1e9 < self.settle_s:
            return before  # still being written: the next look takes it
        return mtime
