"""The thread that writes finished passages to the store, behind the decision.

The lane never waits on the disk. When a write fails (disk full, I/O error) the record
stays queued in memory, the fault is reported, and writing resumes when it can. Memory is
bounded too: past MAX_PENDING the oldest routine passages (pass, deny, retry) are let go
(counted and logged), as the store's own size cap does on disk; fevers, faults, typed
readings and the passages they belong to stay.
"""
from __future__ import annotations

import collections
import itertools
import logging
import sqlite3
import threading
from typing import Callable, Deque, Dict, NamedTuple, Optional, Tuple, Union

from edge.disk_reserve import disk_full
from edge.record import PassageRecord
from edge.store import ALERT_VERDICTS
from edge.store_errors import StoreUnusable
from edge.verdict import Verdict

log = logging.getLogger(__name__)

RETRY_S = 5.0


class Reading(NamedTuple):
    """A thermometer reading the guard typed for a passage (a secondary check)."""
    record: PassageRecord
    value_c: float
    source: str


class Ack(NamedTuple):
    """The guard acknowledged a fever: stored, so a restart does not show it again."""
    record: PassageRecord
    wall: float


#: Passages whose seq the writer remembers for the readings typed after them (the screen
#: shows one for seconds, or until a fever is acknowledged).
REMEMBER = 256
#: Fevers are remembered apart, as many as this: one may stay on screen, waiting for its
#: ack and reading, while hundreds of pupils pass in a morning rush.
REMEMBER_FEVERS = 64
#: Items waiting in memory while the store cannot be written (a passage is about 3.5 KB
#: here): some 70 MB, a week of a busy gate. A disk that stays full longer is a fault the
#: technician must see; until then an out-of-memory kill would lose every waiting record.
MAX_PENDING = 20_000
#: After the first, one log line per this many passages let go.
LOG_DROPS_EVERY = 1000


class StoreWriter(threading.Thread):
    def __init__(self, store: object, on_disk_full: Callable[[], int] = lambda: 0) -> None:
        """``on_disk_full()``: make room (edge.disk_reserve); the bytes it freed. The store
        may be closed still (the disk was full at start): the writer opens it when it can."""
        super().__init__(name="store-writer", daemon=True)
        self.store = store
        self.on_disk_full = on_disk_full
        self._pending: Deque[Union[PassageRecord, Reading, Ack]] = collections.deque()
        # id(record) -> (record, seq). The record is held so its id cannot be reused by a
        # newer record while it is remembered (a reading would land on another passage).
        self._seqs: "collections.OrderedDict[int, Tuple[PassageRecord, int]]" = collections.OrderedDict()
        self._fever_seqs: "collections.OrderedDict[int, Tuple[PassageRecord, int]]" = collections.OrderedDict()
        self._cond = threading.Condition()
        self._stopping = False
        self.fault: Optional[str] = None  # last write error while records are waiting
        self.written = 0
        self.dropped = 0  # routine (pass, deny, retry) passages let go unwritten (MAX_PENDING)
        self._routine = 0  # routine passages queued: nothing to look for when there are none
        self._pinned: Dict[int, int] = {}  # id(record) -> readings and acks queued for it

    def put(self, record: PassageRecord) -> None:
        with self._cond:
            self._pending.append(record)
            self._routine += _routine(record)
            if len(self._pending) > MAX_PENDING and self._routine:
                self._drop_oldest_routine()
            self._cond.notify()

    def _drop_oldest_routine(self) -> None:
        """Let go of the oldest waiting routine passage with no reading or ack queued for it
        (under the lock). Index 0 is the one being written right now: the search starts
        behind it, walking the deque (indexing one is linear)."""
        for index, item in enumerate(itertools.islice(self._pending, 1, None), 1):
            if isinstance(item, PassageRecord) and _routine(item) and id(item) not in self._pinned:
                del self._pending[index]
                self._routine -= 1
                self.dropped += 1
                if self.dropped % LOG_DROPS_EVERY == 1:
                    log.error("store unwritable with %d items waiting in memory: %d routine passages (pass, deny, "
                              "retry) let go so far, unstored (fevers, faults and typed readings are kept): %s",
                              MAX_PENDING, self.dropped, self.fault)
                return

    def put_reading(self, record: PassageRecord, value_c: float, source: str = "keypad") -> None:
        """Store a typed reading for ``record`` once the record itself is written (the same
        queue, so in order): off the screen thread, and kept through a disk fault like it."""
        self._put_for(record, Reading(record, value_c, source))

    def put_ack(self, record: PassageRecord, wall: float) -> None:
        """Mark fever ``record`` acknowledged, behind the record itself."""
        self._put_for(record, Ack(record, wall))

    def _put_for(self, record: PassageRecord, item: Union[Reading, Ack]) -> None:
        with self._cond:
            self._pending.append(item)
            self._pinned[id(record)] = self._pinned.get(id(record), 0) + 1  # its passage is not let go
            self._cond.notify()

    def remember(self, record: PassageRecord, seq: int) -> None:
        """A passage stored before this start (a fever shown again): readings and acks for
        it find its seq. Call before start()."""
        self._remember(record, seq)

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
        if self.dropped:
            log.error("%d routine passages were let go unstored since start (the store stayed unwritable)",
                      self.dropped)

    def run(self) -> None:
        while True:
            with self._cond:
                while not self._pending and not self._stopping:
                    self._cond.wait()
                if not self._pending and self._stopping:
                    return
                item = self._pending[0]
            try:
                if not self.store.is_open:  # type: ignore[attr-defined]
                    self.store.open()  # type: ignore[attr-defined]
                seq = self._write(item)
            except Exception as exc:  # disk full, I/O error, a corrupt file ("malformed"), a bug: never die silently
                full = disk_full(self.store.path, exc.__cause__ or exc)  # type: ignore[attr-defined]
                if full and self.on_disk_full():
                    continue  # room made: at once again
                if self.fault is None:
                    log.error("cannot write passage, keeping it queued and retrying: %s", exc,
                              exc_info=not isinstance(exc, (sqlite3.Error, OSError, StoreUnusable)))
                reason = f"{type(exc).__name__}: {exc}" if not isinstance(exc, (OSError, StoreUnusable)) else str(exc)
                self.fault = f"disk full: {reason}" if full and "full" not in reason else reason
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
                if isinstance(item, PassageRecord):
                    self._routine -= _routine(item)
                else:
                    left = self._pinned.pop(id(item.record)) - 1
                    if left:
                        self._pinned[id(item.record)] = left
            if isinstance(item, (Reading, Ack)):
                continue
            self.written += 1
            self._remember(item, seq)

    def _remember(self, record: PassageRecord, seq: int) -> None:
        seqs, keep = (self._fever_seqs, REMEMBER_FEVERS) if record.verdict is Verdict.FEVER else (self._seqs, REMEMBER)
        seqs[id(record)] = (record, seq)
        while len(seqs) > keep:
            seqs.popitem(last=False)

    def _write(self, item: Union[PassageRecord, Reading, Ack]) -> int:
        if isinstance(item, PassageRecord):
            return int(self.store.record_passage(item))  # type: ignore[attr-defined]
        known = self._seqs.get(id(item.record)) or self._fever_seqs.get(id(item.record))
        if known is None or known[0] is not item.record:  # (never queued here, or long ago)
            if isinstance(item, Ack):
                log.warning("fever acknowledged, but its passage is no longer known: not marked")
            else:
                log.error("a typed thermometer reading: its passage is no longer known, not stored")
            return -1
        if isinstance(item, Ack):
            self.store.mark_acknowledged(known[1], item.wall)  # type: ignore[attr-defined]
            return known[1]
        try:
            self.store.add_secondary_check(known[1], item.value_c, item.source)  # type: ignore[attr-defined]
        except KeyError:  # the passage was purged meanwhile (retention): nothing to attach it to
            log.error("a typed thermometer reading: passage %d is gone, not stored", known[1])
            return -1
        # No value in the journal: it outlives retention, and a passage number names a person.
        log.info("secondary check stored for passage %d", known[1])
        return known[1]


def _routine(record: PassageRecord) -> bool:
    """A passage the memory bound may let go: no fever, no fault (the store's size cap on
    disk has the same rule)."""
    return record.verdict not in ALERT_VERDICTS
