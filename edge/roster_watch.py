"""Notices a roster changed under a running gate, so the lane decides from it at once.

Three ways a roster changes while the daemon runs: ``gate-edge roster import`` (another
process writes the stored roster), a technician edits ``policy.roster_file`` (its
modification time is its version), and a signed roster arrives over MQTT (the sync thread
stores it, then calls :meth:`RosterWatch.poke`). Each ends in one ``on_change()`` call;
the daemon then loads the gate's roster again (the newer of stored and file, as at start).
"""
from __future__ import annotations

import logging
import os
import sqlite3
import threading
from typing import Callable, Optional, Tuple

from edge import roster_store
from edge.roster import RosterError

log = logging.getLogger(__name__)

POLL_S = 5.0

FileState = Optional[Tuple[int, int]]  # (mtime in ns, size) of the roster file; None: no file
Sources = Tuple[Optional[int], FileState]  # (stored version, roster file)


class RosterWatch(threading.Thread):
    def __init__(self, db_path: str, roster_file: Optional[str], on_change: Callable[[], None],
                 stop_event: threading.Event, poll_s: float = POLL_S) -> None:
        super().__init__(name="roster-watch", daemon=True)
        self.db_path = db_path
        self.roster_file = roster_file
        self.on_change = on_change
        self.stop_event = stop_event
        self.poll_s = poll_s
        self._lock = threading.Lock()
        self._poked = threading.Event()
        self._read_error = ""
        # Taken before the daemon loads its first roster: a change in between means one
        # reload too many, never one missed.
        self._seen: Sources = (self._stored(None), self._file())
        self._pending: FileState = self._seen[1]

    def poke(self) -> None:
        """Look now rather than at the next poll. For the sync thread: the look happens on
        this thread, so a lane queue that is full for a while (on_change waits up to 5 s)
        never holds up PUBACKs and alerts."""
        self._poked.set()

    def run(self) -> None:
        while not self.stop_event.is_set():
            self._poked.wait(self.poll_s)
            self._poked.clear()
            if self.stop_event.is_set():
                return
            try:
                self.check()
            except Exception:  # the lane keeps its roster meanwhile; the next look tries again
                log.exception("reloading the roster failed")

    def check(self) -> bool:
        """Calls on_change() if a source changed since the last look; True if it did.

        A changed file counts once two looks in a row find it the same (time and size): an
        editor or a copy may still be writing it, and half a CSV must not replace a roster.
        Its age by the clock would not do: a file copied with its time kept may be dated
        ahead of a gate whose clock is behind."""
        with self._lock:
            file = self._file()
            settled, self._pending = file == self._pending, file
            now = (self._stored(self._seen[0]), file if settled else self._seen[1])
            if now == self._seen:
                return False
            log.info("roster changed under the running gate (stored version %s -> %s, %s): reloading",
                     self._seen[0], now[0], "file changed" if now[1] != self._seen[1] else "file unchanged")
            self.on_change()  # if it raises, _seen stays and the next look tries again
            self._seen = now
            return True

    def _stored(self, before: Optional[int]) -> Optional[int]:
        if not os.path.exists(self.db_path):
            return None
        try:
            version = roster_store.current_version(self.db_path)
        except (sqlite3.Error, RosterError) as exc:  # locked for long, a full disk, a newer schema: look again later
            if str(exc) != self._read_error:  # once, not every 5 s for as long as it lasts
                log.warning("cannot read the stored roster version: %s", exc)
            self._read_error = str(exc)
            return before
        self._read_error = ""
        return version

    def _file(self) -> FileState:
        if not self.roster_file:
            return None
        try:
            st = os.stat(self.roster_file)
        except OSError:
            return None  # removed (the daemon then keeps the roster it has; see Daemon._roster_to_lane)
        return st.st_mtime_ns, st.st_size
