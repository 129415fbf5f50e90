"""One write transaction, the same way everywhere."""
from __future__ import annotations

import contextlib
import sqlite3
from typing import Iterator


@contextlib.contextmanager
def immediate(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """BEGIN IMMEDIATE ... COMMIT on an autocommit connection (isolation_level=None).

    IMMEDIATE takes the write lock up front, so a busy database waits in BEGIN (busy
    timeout) instead of failing half-way. After some errors (disk full, I/O error)
    SQLite has already rolled back by itself; a second ROLLBACK would raise "no
    transaction is active" and hide the error that matters.
    """
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
