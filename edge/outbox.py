"""The sync thread's view of the outbox: its own connection, read and delete only.

Three queues, each read oldest first above a cursor the sync thread keeps:

- ``alert``: fever and fault passages (outbox rows of kind 'alert'), one per message, first;
- ``check``: secondary checks (outbox rows of kind 'record', with their own payload);
- ``passage``: pass and deny passages (outbox_passages, keyed by seq), sent in batches.

A row is deleted only after the broker acknowledged the message carrying it (PUBACK).
"""
from __future__ import annotations

import logging
import sqlite3
from typing import Any, Dict, Iterable, List, NamedTuple, Optional, Tuple

from edge.sqlite_tx import immediate
from edge.store import backlog_stats, connect

log = logging.getLogger(__name__)

Row = Tuple[int, int, str]  # (position in its queue, seq, payload JSON text)
QUEUES = ("alert", "check", "passage")


class Batch(NamedTuple):
    """Consecutive rows of one queue, their payloads already joined with commas (UTF-8)."""
    first_id: int
    last_id: int
    first_seq: int
    last_seq: int
    count: int
    joined: bytes


class _Queue(NamedTuple):
    table: str  # where the queue's rows live; its key is `id` (outbox) or `seq` (outbox_passages)
    key: str
    only: str  # "kind = '...' AND " for the outbox's queues, "" otherwise
    source: str  # the rows joined to their passages, as "o"
    columns: str  # id, seq, found (NULL for a row whose passage is gone), t (payload text)

    def rows_sql(self) -> str:
        """(id, seq, found, t) of the oldest rows with key > ?1, at most ?2 of them, in order."""
        return (f"SELECT {self.columns} FROM {self.source} WHERE {self.only}o.{self.key} > ?1"
                f" ORDER BY o.{self.key} LIMIT ?2")

    def batch_sql(self) -> str:
        """The same rows as rows_sql, aggregated into one Batch row (plus the count found).

        The join happens inside SQLite: a Python tuple per record and a join cost more than
        the publish itself. The rows are a key range ending at the ?2-th key (a probe of the
        key's own b-tree), not an ORDER BY ... LIMIT subquery: that ran as a co-routine
        copying every text once more and took about 40% longer (100k bench_sync records).
        Each further use of the text would copy it again, so orphans are counted by the
        passage's key; CAST AS BLOB hands Python the UTF-8 bytes as they are (no decode and
        no encode, and len() is the size in bytes whatever the text).
        """
        last = (f"(SELECT {self.key} FROM {self.table} WHERE {self.only}{self.key} > ?1"
                f" ORDER BY {self.key} LIMIT 1 OFFSET ?2 - 1)")
        return (f"SELECT MIN(id), MAX(id), MIN(seq), MAX(seq), COUNT(*), COUNT(found), CAST(group_concat(t, ',')"
                f" AS BLOB) FROM (SELECT {self.columns} FROM {self.source} WHERE {self.only}o.{self.key} > ?1"
                f" AND o.{self.key} <= COALESCE({last}, {2**63 - 1}))")

    def delete_range(self) -> str:
        return f"DELETE FROM {self.table} WHERE {self.only}{self.key} BETWEEN ? AND ?"

    def delete_ids(self, count: int) -> str:
        return f"DELETE FROM {self.table} WHERE {self.key} IN ({','.join('?' * count)})"


def _outbox_queue(kind: str) -> _Queue:
    return _Queue("outbox", "id", f"kind = '{kind}' AND ", "outbox o LEFT JOIN passages p ON p.seq = o.seq",
                  "o.id AS id, o.seq AS seq, o.payload IS NOT NULL OR p.seq IS NOT NULL AS found,"
                  " COALESCE(o.payload, p.record) AS t")


_QUEUES: Dict[str, _Queue] = {
    "alert": _outbox_queue("alert"),
    "check": _outbox_queue("record"),
    # seq is the table's rowid: the read is a range scan, the delete a range delete.
    "passage": _Queue("outbox_passages", "seq", "", "outbox_passages o LEFT JOIN passages p ON p.seq = o.seq",
                      "o.seq AS id, o.seq AS seq, p.seq AS found, p.record AS t"),
}
_ROWS_SQL = {name: f"SELECT id, seq, t FROM ({queue.rows_sql()})" for name, queue in _QUEUES.items()}
_BATCH_SQL = {name: queue.batch_sql() for name, queue in _QUEUES.items()}
_DELETE_RANGE_SQL = {name: queue.delete_range() for name, queue in _QUEUES.items()}


def _batch_within(rows: List[Row], max_bytes: int) -> Batch:
    """The longest prefix of ``rows`` within max_bytes (at least the first row)."""
    out: List[bytes] = []
    used = 0
    for row in rows:
        data = row[2].encode("utf-8")
        used += len(data) + 1
        if out and used > max_bytes:
            break
        out.append(data)
    taken = rows[:len(out)]
    return Batch(taken[0][0], taken[-1][0], min(r[1] for r in taken), max(r[1] for r in taken), len(taken),
                 b",".join(out))


class Outbox:
    def __init__(self, path: str) -> None:
        # NORMAL is enough here: a lost delete only means a resend, which the collector de-duplicates.
        self.conn: sqlite3.Connection = connect(path, "NORMAL")

    def fetch(self, queue: str, limit: int, after_id: int = 0) -> List[Row]:
        """Oldest rows of one queue with id > after_id (rows already in flight are skipped)."""
        rows = self.conn.execute(_ROWS_SQL[queue], (after_id, limit)).fetchall()
        orphans = [r[0] for r in rows if r[2] is None]
        if orphans:
            # A row whose passage is gone has nothing to send; kept, it would block the queue.
            log.error("%s queue rows %s point at deleted passages: dropped", queue, orphans)
            self.delete(queue, orphans)
            rows = [r for r in rows if r[2] is not None]
        return rows

    def fetch_batch(self, queue: str, after_id: int, max_records: int, max_bytes: int) -> Optional[Batch]:
        """The next batch above after_id: at most max_records rows whose payloads plus
        separators fit max_bytes (always at least one row). None when nothing is queued."""
        while True:
            first_id, last_id, first_seq, last_seq, count, found, joined = self.conn.execute(
                _BATCH_SQL[queue], (after_id, max_records)).fetchone()
            if first_id is None:
                return None
            # A comma per record, the last one counted for the closing bracket.
            if found == count and len(joined) + 1 <= max_bytes:
                return Batch(first_id, last_id, first_seq, last_seq, count, joined)
            # Rare: oversized records or orphans. Rows one by one, with fetch()
            # dropping orphans; a window of nothing but orphans is gone now, so the next turn
            # reads the rows after it.
            rows = self.fetch(queue, max_records, after_id)
            if rows:
                return _batch_within(rows, max_bytes)

    def delete(self, queue: str, ids: Iterable[int]) -> int:
        ids = list(ids)
        if not ids:
            return 0
        with immediate(self.conn) as conn:
            for start in range(0, len(ids), 500):
                chunk = ids[start:start + 500]
                conn.execute(_QUEUES[queue].delete_ids(len(chunk)), chunk)
        return len(ids)

    def delete_ranges(self, ranges: Iterable[Tuple[str, int, int]]) -> None:
        """Delete acknowledged (queue, first id, last id) ranges in one transaction.

        A batch is the oldest rows of one queue above a cursor, so every row of that queue
        between its first and last id was in it; newer rows always get higher ids (seqs and
        outbox ids both come from AUTOINCREMENT).
        """
        with immediate(self.conn) as conn:
            for queue, first, last in ranges:
                conn.execute(_DELETE_RANGE_SQL[queue], (first, last))

    def stats(self) -> Dict[str, Any]:
        return backlog_stats(self.conn)

    def close(self) -> None:
        self.conn.close()
