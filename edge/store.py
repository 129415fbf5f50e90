"""The device database: passages and their outbox rows, written in one transaction.

A pass or deny passage is queued in outbox_passages (sent in batches), a fever or fault in
outbox (alerts, sent first, one per message), a secondary check in outbox with its payload.
One writer thread calls record_passage(); the sync thread reads and deletes outbox rows
through its own connection (edge.outbox.Outbox). WAL lets both work without blocking
each other for more than a commit.

synchronous=FULL: in WAL mode NORMAL may lose the last commits on power loss (not on a
process crash). A passage is a health record and arrives at most a few per second, so
one fsync per passage is cheap and a screened person is never silently forgotten.
"""
from __future__ import annotations

import datetime
import json
import logging
import os
import secrets
import sqlite3
import threading
import time
import uuid
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Tuple
from zoneinfo import ZoneInfo

from edge.private_file import make_private
from edge.record import PassageRecord
from edge.settings.device import DeviceSettings
from edge.sqlite_tx import immediate
from edge.store_errors import unusable
from edge.store_schema import migrate
from edge.sync.payload import check_payload, dumps, record_payload
from edge.verdict import Verdict

log = logging.getLogger(__name__)

ALERT_VERDICTS = (Verdict.FEVER, Verdict.FAULT)
# Where a new database starts numbering its passages. The collector de-duplicates on
# (device, seq), so a gate whose database was replaced and numbered from 1 again had every
# new passage kept in its conflicts table (out of the ledger) until the numbers passed the
# old ones. With the clock set: this many per second of the first passage's wall time; a lane
# decides at most about one passage a second, so a database started later starts above every
# number an earlier one used. With the clock not set: a random start from 2**52 on, far above
# any clock-based one (10 x Unix time reaches it in the year 14 million) and leaving 2**32
# numbers below 2**53 (a JavaScript reader keeps every digit); two such databases of a million
# passages each overlap with a chance of about one in two billion.
SEQS_PER_SECOND = 10
RANDOM_SEQ_START = 2**52
RANDOM_SEQ_SPAN = 2**52 - 2**32
CARD_KEY_FILE = "card-hash.key"


def connect(path: str, synchronous: str = "FULL") -> sqlite3.Connection:
    """A connection in autocommit mode (transactions are explicit), WAL, busy timeout."""
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30.0)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(f"PRAGMA synchronous={synchronous}")
    conn.execute("PRAGMA foreign_keys=ON")
    # Deleted health data is overwritten, not left in free pages for months: Debian's SQLite
    # does this by default, other builds (a Python with its own SQLite) do not.
    conn.execute("PRAGMA secure_delete=ON")
    return conn


# The oldest row is the first of its queue: COUNT(*) and the first key are b-tree lookups,
# where MIN(created) read every queued row (21 ms per 100k, each health message).
_BACKLOG_COUNT_SQL = "SELECT (SELECT COUNT(*) FROM outbox) + (SELECT COUNT(*) FROM outbox_passages)"
_QUEUE_HEADS_SQL = ("SELECT created, seq FROM (SELECT created, seq FROM outbox ORDER BY id LIMIT 1) UNION ALL"
                    " SELECT created, seq FROM (SELECT created, seq FROM outbox_passages ORDER BY seq LIMIT 1)")


def backlog_stats(conn: sqlite3.Connection, now: Optional[float] = None) -> Dict[str, Any]:
    """Unsent outbox rows (alerts, checks, batched passages); of the one queued first, its age
    in seconds (0 when nothing waits) and its passage's seq (None)."""
    count = int(conn.execute(_BACKLOG_COUNT_SQL).fetchone()[0])
    first = min(conn.execute(_QUEUE_HEADS_SQL).fetchall(), default=None)
    if first is None:
        return {"count": count, "oldest_age_s": 0.0, "oldest_seq": None}
    age = max(0.0, (time.time() if now is None else now) - first[0])
    return {"count": count, "oldest_age_s": age, "oldest_seq": int(first[1])}


def load_card_key(db_path: str) -> bytes:
    """The per-device key for hashing unknown card ids: created once, 0600, next to the DB."""
    key_path = Path(db_path).parent / CARD_KEY_FILE
    try:
        return bytes.fromhex(key_path.read_text().strip())
    except FileNotFoundError:
        pass
    key = secrets.token_bytes(32)
    fd = os.open(str(key_path), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(key.hex() + "\n")
        f.flush()
        os.fsync(f.fileno())
    log.info("created card hash key %s", key_path)
    return key


class Store:
    def __init__(self, path: str, device: DeviceSettings, card_key: Optional[bytes] = None,
                 synchronous: str = "FULL") -> None:
        self.path = path
        self.device = device
        self.boot_id = uuid.uuid4().hex[:12]  # new per process start
        self._card_key = card_key
        self._synchronous = synchronous
        self._tz = ZoneInfo(device.timezone)
        self._conn: Optional[sqlite3.Connection] = None
        self._lock = threading.Lock()  # writer thread and screen readers share the connection
        self._numbered = False  # passages has its number series (a committed sqlite_sequence row)

    # --- lifecycle -----------------------------------------------------------------
    def open(self) -> "Store":
        try:
            make_private(self.path)
            conn = connect(self.path, self._synchronous)
            migrate(conn)
            if self._card_key is None:
                self._card_key = load_card_key(self.path)
            conn.execute("INSERT INTO boots (boot_id, started_wall) VALUES (?, ?)", (self.boot_id, time.time()))
        except (sqlite3.DatabaseError, OSError) as exc:
            raise unusable(self.path, exc) from exc
        self._conn = conn
        log.info("store %s open (boot %s)", self.path, self.boot_id)
        return self

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    @property
    def is_open(self) -> bool:
        return self._conn is not None

    @property
    def conn(self) -> sqlite3.Connection:
        if self._conn is None:
            raise RuntimeError("store is not open")
        return self._conn

    # --- writes --------------------------------------------------------------------
    def _wall(self, wall: float) -> datetime.datetime:
        return datetime.datetime.fromtimestamp(wall, tz=self._tz)

    def _start_numbering(self, conn: sqlite3.Connection, first: PassageRecord) -> None:
        """Before a database's first passage: where its seqs start (see SEQS_PER_SECOND)."""
        if first.clock_ok:
            start = int(first.wall) * SEQS_PER_SECOND
        else:
            start = RANDOM_SEQ_START + secrets.randbelow(RANDOM_SEQ_SPAN)
            log.info("first passage of %s made while the wall clock is not set: numbered from a random"
                     " start, %d", self.path, start + 1)
        conn.execute("INSERT INTO sqlite_sequence (name, seq) VALUES ('passages', ?)", (start,))

    def _insert(self, conn: sqlite3.Connection, rec: PassageRecord) -> int:
        when = self._wall(rec.wall)
        wall_iso = when.isoformat(timespec="milliseconds")
        cur = conn.execute(
            "INSERT INTO passages (boot_id, wall, wall_iso, day, mono, clock_ok, verdict, reasons, person_id,"
            " card_hash, card_masked, skin_c, body_c, record) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,'')",
            (self.boot_id, rec.wall, wall_iso, when.date().isoformat(), rec.t, int(rec.clock_ok),
             rec.verdict.value, json.dumps(list(rec.reasons)), rec.person_id, None, None, rec.skin_c, rec.body_c))
        seq = int(cur.lastrowid)
        assert self._card_key is not None
        payload = record_payload(rec, self.device.id, self.device.site, self.boot_id, seq, wall_iso, self._card_key)
        text = dumps(payload)
        conn.execute("UPDATE passages SET record=?, card_hash=?, card_masked=? WHERE seq=?",
                     (text, payload.get("card_hash"), payload.get("card_masked"), seq))
        if rec.verdict in ALERT_VERDICTS:
            conn.execute("INSERT INTO outbox (seq, kind, created, payload) VALUES (?,'alert',?,NULL)",
                         (seq, time.time()))  # NULL: the sync sends passages.record
        else:
            conn.execute("INSERT INTO outbox_passages (seq, created) VALUES (?,?)", (seq, time.time()))
        return seq

    def record_passage(self, rec: PassageRecord) -> int:
        """Store one passage and queue it for sync, atomically. Returns its seq."""
        return self.record_passages([rec])[0]

    def record_passages(self, recs: Iterable[PassageRecord]) -> List[int]:
        """Several passages in one transaction (replay, tests, benchmarks)."""
        recs = list(recs)
        with self._lock:
            with immediate(self.conn) as conn:
                if recs and not self._numbered and conn.execute(
                        "SELECT 1 FROM sqlite_sequence WHERE name = 'passages'").fetchone() is None:
                    self._start_numbering(conn, recs[0])
                seqs = [self._insert(conn, rec) for rec in recs]
            self._numbered = self._numbered or bool(seqs)  # once committed: a rollback takes the series' row with it
            return seqs

    def add_secondary_check(self, seq: int, value_c: float, source: str) -> None:
        """A manual re-measurement for passage `seq`; stored and queued for sync together."""
        with self._lock, immediate(self.conn) as conn:
            passage = conn.execute("SELECT wall_iso FROM passages WHERE seq=?", (seq,)).fetchone()
            if passage is None:
                raise KeyError(f"no passage with seq {seq}")
            wall_iso = self._wall(time.time()).isoformat(timespec="milliseconds")
            cur = conn.execute("INSERT INTO secondary_checks (seq, value_c, source, wall_iso) VALUES (?,?,?,?)",
                               (seq, float(value_c), source, wall_iso))
            payload = check_payload(self.device.id, self.device.site, self.boot_id, seq, int(cur.lastrowid),
                                    float(value_c), source, wall_iso, passage[0])
            conn.execute("INSERT INTO outbox (seq, kind, created, payload) VALUES (?,?,?,?)",
                         (seq, "record", time.time(), dumps(payload)))

    def mark_acknowledged(self, seq: int, wall: float) -> None:
        """The guard acknowledged fever passage ``seq`` (edge.open_fevers)."""
        with self._lock, immediate(self.conn) as conn:
            conn.execute("UPDATE passages SET acked_wall=? WHERE seq=? AND acked_wall IS NULL", (wall, seq))

    # --- reads ---------------------------------------------------------------------
    def open_fevers(self, since_wall: float, limit: int, among: int = 5000) -> List[Tuple[int, float, Dict[str, Any]]]:
        """(seq, wall, record) of fevers from ``since_wall`` on that no guard acknowledged,
        oldest first, at most ``limit`` (the newest ones). Only the last ``among`` passages
        are looked at: a seq range, not a scan of months of passages at every start."""
        with self._lock:
            rows = self.conn.execute(
                "SELECT seq, wall, record FROM (SELECT seq, wall, record FROM passages"
                " WHERE seq > (SELECT COALESCE(MAX(seq), 0) FROM passages) - ? AND verdict='fever'"
                " AND acked_wall IS NULL AND wall >= ? ORDER BY seq DESC LIMIT ?) ORDER BY seq",
                (among, since_wall, limit)).fetchall()
        return [(int(seq), float(wall), json.loads(text)) for seq, wall, text in rows]

    def counts_today(self, now: Optional[float] = None) -> Dict[str, int]:
        """Passages, fevers and denials of today's date in the device time zone."""
        day = self._wall(time.time() if now is None else now).date().isoformat()
        with self._lock:
            rows = self.conn.execute("SELECT verdict, COUNT(*) FROM passages WHERE day=? GROUP BY verdict",
                                     (day,)).fetchall()
        by = dict(rows)
        return {"passages": sum(by.values()), "fevers": by.get("fever", 0), "denials": by.get("deny", 0)}

    def backlog(self, now: Optional[float] = None) -> Dict[str, Any]:
        """backlog_stats() on the writer's connection."""
        with self._lock:
            return backlog_stats(self.conn, now)

    def passage(self, seq: int) -> Optional[Dict[str, object]]:
        with self._lock:
            row = self.conn.execute("SELECT record FROM passages WHERE seq=?", (seq,)).fetchone()
        return None if row is None else json.loads(row[0])
