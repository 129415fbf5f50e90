"""The thread that writes finished passages to the store, behind the decision.

The lane never waits on the disk. When a write fails (disk full, I/O error) the record
stays queued in memory, the fault is reported, and writing resumes when it can.
"""
from __future__ import annotations

import collections
import logging
import sqlite3
import threading
from typing import Callable, Deque, Optional

from edge.record import PassageRecord

log = logging.getLogger(__name__)

RETRY_S = 5.0


class StoreWriter(threading.Thread):
    def __init__(self, store: object, on_written: Optional[Callable[[PassageRecord, int], None]] = None) -> None:
        super().__init__(name="store-writer", daemon=True)
        self.store = store
        self.on_written = on_written
        self._pending: Deque[PassageRecord] = collections.deque()
        self._cond = threading.Condition()
        self._stopping = False
        self.fault: Optional[str] = None  # last write error while records are waiting
        self.written = 0

    def put(self, record: PassageRecord) -> None:
        with self._cond:
            self._pending.append(record)
            self._cond.notify()

    @property
    def waiting(self) -> int:
        return len(self._pending)

    def stop(self, timeout: float = 10.0) -> None:
        """Write what is queued (if the disk lets us), then end."""
        with self._cond:
            self._stopping = True
            self._cond.notify()
        self.join(timeout)
        if self._pending:
            log.error("%d passages could not be written before shutdown: %s", len(self._pending), self.fault)

    def run(self) -> None:
        while True:
            with self._cond:
                while not self._pending and not self._stopping:
                    self._cond.wait()
                if not self._pending and self._stopping:
                    return
                record = self._pending[0]
            try:
                seq = self.store.record_passage(record)  # type: ignore[attr-defined]
            except Exception as exc:  # disk full, I/O error, a corrupt file ("malformed"), a bug: never die silently
                if self.fault is None:
                    log.error("cannot write passage, keeping it queued and retrying: %s", exc,
                              exc_info=not isinstance(exc, (sqlite3.Error, OSError)))
                self.fault = f"{type(exc).__name__}: {exc}" if not isinstance(exc, OSError) else str(exc)
                with self._cond:
                    if self._stopping:
                        return
                    self._cond.wait(RETRY_S)
                continue
            if self.fault is not None:
                log.warning("store writable again after: %s", self.fault)
                self.fault = None
            with self._cond:
                self._pending.popleft()
            self.written += 1
            if self.on_written is not None:
                self.on_written(record, seq)
