"""Schema of the device database and its migrations (one list, applied in order)."""
from __future__ import annotations

import logging
import sqlite3
from typing import List

from edge.sqlite_tx import immediate

log = logging.getLogger(__name__)

# Each entry moves the schema from version i to i+1. Never edit a shipped entry: append.
MIGRATIONS: List[str] = [
    # 1: passages, secondary checks, the outbox, boots.
    """
    CREATE TABLE boots (
        boot_id TEXT PRIMARY KEY,
        started_wall REAL NOT NULL
    );
    CREATE TABLE passages (
        -- AUTOINCREMENT: a seq is never reused, even after the newest rows are purged.
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        boot_id TEXT NOT NULL,
        wall REAL NOT NULL,
        wall_iso TEXT NOT NULL,
        day TEXT NOT NULL,
        mono REAL NOT NULL,
        clock_ok INTEGER NOT NULL,
        verdict TEXT NOT NULL,
        reasons TEXT NOT NULL,
        person_id TEXT,
        card_hash TEXT,
        card_masked TEXT,
        skin_c REAL,
        body_c REAL,
        record TEXT NOT NULL
    );
    CREATE INDEX passages_day ON passages(day, verdict);
    CREATE TABLE secondary_checks (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        seq INTEGER NOT NULL REFERENCES passages(seq),
        value_c REAL NOT NULL,
        source TEXT NOT NULL,
        wall_iso TEXT NOT NULL
    );
    CREATE TABLE outbox (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        seq INTEGER NOT NULL,
        kind TEXT NOT NULL,          -- 'alert' (one per message, first) or 'record' (batched)
        created REAL NOT NULL,       -- wall time, for the oldest-unsent age
        payload TEXT NOT NULL
    );
    CREATE INDEX outbox_kind ON outbox(kind, id);
    """,
    # 2: An outbox row of a passage no longer copies the passage's record: the sync reads
    # it from passages (payload NULL), so a backlog takes half the space and deleting an
    # acknowledged row rewrites a few bytes instead of the record. Secondary checks keep
    # their own payload. Retention asks "is this passage synced?" (no outbox row with its
    # seq) and deletes passages, which with foreign keys on looks up their secondary
    # checks: both by seq, hence the indexes.
    """
    CREATE TABLE outbox_v2 (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        seq INTEGER NOT NULL,
        kind TEXT NOT NULL,          -- 'alert' (one per message, first) or 'record' (batched)
        created REAL NOT NULL,       -- wall time, for the oldest-unsent age
        payload TEXT                 -- NULL: the record of passage `seq`
    );
    INSERT INTO outbox_v2 (id, seq, kind, created, payload)
        SELECT id, seq, kind, created,
               CASE WHEN payload = (SELECT record FROM passages p WHERE p.seq = outbox.seq) THEN NULL ELSE payload END
        FROM outbox ORDER BY id;
    DROP TABLE outbox;
    ALTER TABLE outbox_v2 RENAME TO outbox;
    CREATE INDEX outbox_kind ON outbox(kind, id);
    CREATE INDEX outbox_seq ON outbox(seq);
    CREATE INDEX secondary_checks_seq ON secondary_checks(seq);
    """,
    # 3: Pass and deny passages wait in a table of their own, keyed by seq: no kind index and
    # no seq index to keep up, so queueing one writes one b-tree instead of three, a batch is a
    # rowid range scan, and deleting an acknowledged batch is a rowid range delete (0.045 s
    # instead of 0.27 s per 100k rows, measured on the bench_sync backlog). The outbox keeps
    # alerts (sent first, one per message) and secondary checks, which carry their own payload.
    """
    CREATE TABLE outbox_passages (
        seq INTEGER PRIMARY KEY,     -- a passage whose record (passages.record) goes out batched
        created REAL NOT NULL        -- wall time, for the oldest-unsent age
    );
    INSERT OR IGNORE INTO outbox_passages (seq, created)
        SELECT seq, created FROM outbox WHERE kind = 'record' AND payload IS NULL ORDER BY seq;
    DELETE FROM outbox WHERE kind = 'record' AND payload IS NULL;
    """,
    # 4: When the guard acknowledged a fever (wall time), so a fever still open when the
    # daemon stopped is shown again at the next start (edge.open_fevers).
    """
    ALTER TABLE passages ADD COLUMN acked_wall REAL;
    """,
]

SCHEMA_VERSION = len(MIGRATIONS)


def current_version(conn: sqlite3.Connection) -> int:
    conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
    row = conn.execute("SELECT version FROM schema_version").fetchone()
    return int(row[0]) if row else 0


def migrate(conn: sqlite3.Connection) -> int:
    """Bring the database to SCHEMA_VERSION; each step in its own transaction."""
    version = current_version(conn)
    if version > SCHEMA_VERSION:
        raise RuntimeError(f"database schema {version} is newer than this software ({SCHEMA_VERSION})")
    while version < SCHEMA_VERSION:
        script = MIGRATIONS[version]
        with immediate(conn):
            for statement in script.split(";"):
                if statement.strip():
                    conn.execute(statement)
            conn.execute("DELETE FROM schema_version")
            conn.execute("INSERT INTO schema_version (version) VALUES (?)", (version + 1,))
        version += 1
        log.info("database schema migrated to version %d", version)
    return version
