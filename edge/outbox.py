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
from typing import Dict, Iterable, List, NamedTuple, Optional, Tuple

from edge.sqlite_tx import immediate
from edge.store import backlog_stats, connect

log = logging.getLogger(__name__)

Row = Tuple[int, int, str]  # (position in its queue, seq, payload JSON text)
QUEUES = ("alert", "check", "passage")


class Batch(NamedTuple):
    """Consecutive rows of one queue, their payloads already joined with commas."""
    first_id: int
    last_id: int
    first_seq: int
    last_seq: int
    count: int
    joined: str


class _Queue(NamedTuple):
    rows: str  # (id, seq, found, t) of the oldest rows with id > ?, at most ? of them, in order
    delete_range: str  # every row with first <= id <= last
    delete_ids: str  # "{}" takes one "?" per id


def _outbox_queue(kind: str) -> _Queue:
    return _Queue("SELECT o.id AS id, o.seq AS seq, o.payload IS NOT NULL OR p.seq IS NOT NULL AS found,"
                  " COALESCE(o.payload, p.record) AS t FROM outbox o LEFT JOIN passages p ON p.seq = o.seq"
                  f" WHERE o.kind = '{kind}' AND o.id > ? ORDER BY o.id LIMIT ?",
                  f"DELETE FROM outbox WHERE kind = '{kind}' AND id BETWEEN ? AND ?",
                  "DELETE FROM outbox WHERE id IN ({})")


_QUEUES: Dict[str, _Queue] = {
    "alert": _outbox_queue("alert"),
    "check": _outbox_queue("record"),
    # seq is the table's rowid: the read is a range scan, the delete a range delete.
    "passage": _Queue("SELECT b.seq AS id, b.seq AS seq, p.seq AS found, p.record AS t FROM outbox_passages b"
                      " LEFT JOIN passages p ON p.seq = b.seq WHERE b.seq > ? ORDER BY b.seq LIMIT ?",
                      "DELETE FROM outbox_passages WHERE seq BETWEEN ? AND ?",
                      "DELETE FROM outbox_passages WHERE seq IN ({})"),
}

# The join happens inside SQLite: a Python tuple per record and a str.join cost more than
# the publish itself. Each further use of the text in this query would copy it again (about
# half the cost of the join, measured), so orphans are counted by the passage's key and
# the size is taken from the joined text.
_ROWS_SQL = {name: f"SELECT id, seq, t FROM ({queue.rows})" for name, queue in _QUEUES.items()}
_BATCH_SQL = {name: "SELECT MIN(id), MAX(id), MIN(seq), MAX(seq), COUNT(*), COUNT(found), group_concat(t, ',')"
                    f" FROM ({queue.rows})" for name, queue in _QUEUES.items()}


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
            # Payloads are json.dumps output, ASCII only, so characters are bytes (isascii()
            # is a flag lookup); a comma per record, the last one counted for the closing bracket.
            if found == count and joined.isascii() and len(joined) + 1 <= max_bytes:
                return Batch(first_id, last_id, first_seq, last_seq, count, joined)
            # Rare: oversized records, non-ASCII text or orphans. Rows one by one, with fetch()
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
                conn.execute(_QUEUES[queue].delete_ids.format(",".join("?" * len(chunk))), chunk)
        return len(ids)

    def delete_ranges(self, ranges: Iterable[Tuple[str, int, int]]) -> None:
        """Delete acknowledged (queue, first id, last id) ranges in one transaction.

        A batch is the oldest rows of one queue above a cursor, so every row of that queue
        between its first and last id was in it; newer rows always get higher ids (seqs and
        outbox ids both come from AUTOINCREMENT).
        """
        with immediate(self.conn) as conn:
            for queue, first, last in ranges:
                conn.execute(_QUEUES[queue].delete_range, (first, last))

    def stats(self) -> Dict[str, float]:
        return backlog_stats(self.conn)

    def close(self) -> None:
        self.conn.close()
