"""The sync thread's view of the outbox: its own connection, read and delete only.

A row is deleted only after the broker acknowledged the message carrying it (PUBACK).
"""
from __future__ import annotations

import logging
import sqlite3
import time
from typing import Dict, Iterable, List, NamedTuple, Optional, Tuple

from edge.sqlite_tx import immediate
from edge.store import connect

log = logging.getLogger(__name__)

Row = Tuple[int, int, str]  # (outbox id, seq, payload JSON text)


class Batch(NamedTuple):
    """Consecutive outbox rows of one kind, their payloads already joined with commas."""
    first_id: int
    last_id: int
    first_seq: int
    last_seq: int
    count: int
    joined: str


# The join happens inside SQLite: a Python tuple per record and a str.join cost more than
# the publish itself (measured in scripts/bench_sync.py). The subquery's ORDER BY fixes the
# record order in the batch.
_BATCH_SQL = ("SELECT MIN(id), MAX(id), MIN(seq), MAX(seq), COUNT(*), COUNT(t), SUM(LENGTH(CAST(t AS BLOB))),"
              " group_concat(t, ',')"
              " FROM (SELECT o.id, o.seq, COALESCE(o.payload, p.record) AS t FROM outbox o"
              " LEFT JOIN passages p ON p.seq = o.seq WHERE o.kind=? AND o.id>? ORDER BY o.id LIMIT ?)")


def _batch_within(rows: List[Row], max_bytes: int) -> Batch:
    """The longest prefix of ``rows`` within max_bytes (at least the first row)."""
    out, used = [], 0
    for row in rows:
        used += len(row[2].encode("utf-8")) + 1
        if out and used > max_bytes:
            break
        out.append(row)
    return Batch(out[0][0], out[-1][0], min(r[1] for r in out), max(r[1] for r in out), len(out),
                 ",".join(r[2] for r in out))


class Outbox:
    def __init__(self, path: str) -> None:
        # NORMAL is enough here: a lost delete only means a resend, which the collector de-duplicates.
        self.conn: sqlite3.Connection = connect(path, "NORMAL")

    def fetch(self, kind: str, limit: int, after_id: int = 0) -> List[Row]:
        """Oldest rows of one kind with id > after_id (rows already in flight are skipped)."""
        rows = self.conn.execute("SELECT o.id, o.seq, COALESCE(o.payload, p.record) FROM outbox o"
                                 " LEFT JOIN passages p ON p.seq = o.seq"
                                 " WHERE o.kind=? AND o.id>? ORDER BY o.id LIMIT ?",
                                 (kind, after_id, limit)).fetchall()
        orphans = [r[0] for r in rows if r[2] is None]
        if orphans:
            # A row whose passage is gone has nothing to send; kept, it would block the queue.
            log.error("outbox rows %s point at deleted passages: dropped", orphans)
            self.delete(orphans)
            rows = [r for r in rows if r[2] is not None]
        return rows

    def fetch_batch(self, kind: str, after_id: int, max_records: int, max_bytes: int) -> Optional[Batch]:
        """The next batch above after_id: at most max_records rows whose payloads plus
        separators fit max_bytes (always at least one row). None when nothing is queued."""
        while True:
            first_id, last_id, first_seq, last_seq, count, present, size, joined = self.conn.execute(
                _BATCH_SQL, (kind, after_id, max_records)).fetchone()
            if first_id is None:
                return None
            if present == count and size + count <= max_bytes:
                return Batch(first_id, last_id, first_seq, last_seq, count, joined)
            # Rare: oversized records or orphans. Rows one by one, with fetch() dropping orphans;
            # a window of nothing but orphans is gone now, so the next turn reads the rows after it.
            rows = self.fetch(kind, max_records, after_id)
            if rows:
                return _batch_within(rows, max_bytes)

    def delete(self, ids: Iterable[int]) -> int:
        ids = list(ids)
        if not ids:
            return 0
        with immediate(self.conn) as conn:
            for start in range(0, len(ids), 500):
                chunk = ids[start:start + 500]
                conn.execute(f"DELETE FROM outbox WHERE id IN ({','.join('?' * len(chunk))})", chunk)
        return len(ids)

    def delete_ranges(self, ranges: Iterable[Tuple[str, int, int]]) -> None:
        """Delete acknowledged (kind, first id, last id) ranges in one transaction.

        A batch is the oldest rows of one kind above a cursor, so every row of that kind
        between its first and last id was in it; newer rows always get higher ids.
        """
        with immediate(self.conn) as conn:
            conn.executemany("DELETE FROM outbox WHERE kind=? AND id BETWEEN ? AND ?", list(ranges))

    def stats(self) -> Dict[str, float]:
        count, oldest = self.conn.execute("SELECT COUNT(*), MIN(created) FROM outbox").fetchone()
        return {"count": int(count), "oldest_age_s": 0.0 if oldest is None else max(0.0, time.time() - oldest)}

    def close(self) -> None:
        self.conn.close()
