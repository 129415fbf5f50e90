"""The roster in SQLite, in the same database file as the passage store.

Its tables (``roster_*``) and schema version row are separate from edge.store's, so
each can migrate on its own. A snapshot replaces the whole roster in one transaction:
a reader sees the old roster or the new one, never a mix.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import sqlite3
from typing import Any, Dict, Iterator, Mapping, Optional, Tuple

from edge.disk_reserve import disk_full
from edge.private_file import make_private
from edge.roster import Person, Roster, RosterError, snapshot_persons

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1
#: The store's writer may hold the file briefly; waiting beats failing an import.
BUSY_TIMEOUT_MS = 10_000

SCHEMA = """
CREATE TABLE IF NOT EXISTS roster_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS roster_persons (
    person_id TEXT PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL, grp TEXT NOT NULL,
    return_from TEXT, exit_approved_until TEXT, quarantine_until TEXT, health_card TEXT,
    dormitory TEXT, resident INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS roster_cards (
    card_id TEXT PRIMARY KEY, person_id TEXT NOT NULL REFERENCES roster_persons(person_id));
"""


@contextlib.contextmanager
def _connect(db_path: str) -> Iterator[sqlite3.Connection]:
    make_private(db_path)  # names and card ids: `roster import` may be the first to create the file
    conn = sqlite3.connect(db_path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
    try:
        conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA secure_delete=ON")  # a replaced roster's names and cards do not linger
        yield conn
    finally:
        conn.close()


def _ensure_schema(conn: sqlite3.Connection) -> None:
    conn.executescript(SCHEMA)
    row = conn.execute("SELECT value FROM roster_meta WHERE key='schema_version'").fetchone()
    if row is None:
        conn.execute("INSERT OR IGNORE INTO roster_meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
    elif int(row[0]) > SCHEMA_VERSION:
        raise RosterError(f"roster tables have schema version {row[0]}, newer than this software ({SCHEMA_VERSION})")


def _meta(conn: sqlite3.Connection) -> Dict[str, str]:
    return dict(conn.execute("SELECT key, value FROM roster_meta").fetchall())


def current_version(db_path: str) -> Optional[int]:
    """Version of the stored roster, None when none was ever applied."""
    with _connect(db_path) as conn:
        _ensure_schema(conn)
        value = _meta(conn).get("version")
    return int(value) if value is not None else None


def apply_snapshot(db_path: str, snapshot: Mapping[str, Any]) -> int:
    """Validate and store a whole roster snapshot atomically; returns its version.

    An older version than the stored one raises RosterError (a replayed downlink must not
    roll the roster back); the same version again is accepted without change, because a
    retained MQTT message is delivered again after every reconnect.
    """
    persons = snapshot_persons(snapshot)
    version = int(snapshot["version"])
    with _connect(db_path) as conn:
        _ensure_schema(conn)
        conn.execute("BEGIN IMMEDIATE")
        try:
            stored = _meta(conn).get("version")
            if stored is not None and version <= int(stored):
                conn.execute("ROLLBACK")
                if version == int(stored):
                    return version
                raise RosterError(f"roster version {version} is older than the stored version {stored}")
            conn.execute("DELETE FROM roster_cards")
            conn.execute("DELETE FROM roster_persons")
            conn.executemany("INSERT INTO roster_persons VALUES (?,?,?,?,?,?,?,?,?,?)", [
                (p.person_id, p.name, p.role, p.group, _iso(p.return_from), _iso(p.exit_approved_until),
                 _iso(p.quarantine_until), p.health_card, p.dormitory, int(p.resident)) for p in persons])
            conn.executemany("INSERT INTO roster_cards VALUES (?,?)",
                             [(card, p.person_id) for p in persons for card in p.cards])
            meta = {"version": str(version), "site": str(snapshot.get("site") or ""),
                    "applied_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")}
            conn.executemany("INSERT OR REPLACE INTO roster_meta VALUES (?,?)", list(meta.items()))
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
    log.info("roster version %d applied: %d persons", version, len(persons))
    return version


def load(db_path: str) -> Roster:
    """The stored roster (Roster.empty() when none was applied)."""
    with _connect(db_path) as conn:
        _ensure_schema(conn)
        conn.execute("BEGIN")  # one consistent read of meta, persons and cards
        meta = _meta(conn)
        cards: Dict[str, list] = {}
        for card, person_id in conn.execute("SELECT card_id, person_id FROM roster_cards ORDER BY rowid"):
            cards.setdefault(person_id, []).append(card)
        rows = conn.execute("SELECT * FROM roster_persons ORDER BY rowid").fetchall()
        conn.execute("COMMIT")
    if "version" not in meta:
        return Roster.empty()
    persons = [Person(person_id=r[0], name=r[1], role=r[2], group=r[3], cards=tuple(cards.get(r[0], ())),
                      return_from=_date(r[4]), exit_approved_until=_date(r[5]), quarantine_until=_date(r[6]),
                      health_card=r[7], dormitory=r[8], resident=bool(r[9])) for r in rows]
    return Roster(persons, version=int(meta["version"]), site=meta.get("site", ""))


def gate_roster(db_path: str, roster_file: Optional[str], site: str = "") -> Tuple[Roster, str]:
    """The roster a gate decides from, and where it came from: the newer of the stored roster
    (imported or received over MQTT) and ``roster_file`` (version = its modification time).

    Both versions are Unix-time based, so editing the local file after an import, or
    publishing after editing the file, makes the newest one win. A malformed file raises
    RosterError; the caller decides whether to fall back to the stored roster.
    """
    try:
        stored = load(db_path) if os.path.exists(db_path) else Roster.empty()
    except sqlite3.OperationalError as exc:
        if not disk_full(db_path, exc):  # (a folder, a damaged file: edge.store_errors says what to do)
            raise
        # A full disk: the roster file still serves, and the daemon can start and screen.
        log.error("cannot read the stored roster in %s (%s): deciding from %s until it can be read", db_path, exc,
                  roster_file or "no roster")
        stored = Roster.empty()
    if roster_file:
        from_file = Roster.from_csv(roster_file, site=site)
        if not stored.version or int(from_file.version) > int(stored.version):
            return from_file, roster_file
    if stored.version:
        return stored, db_path
    return stored, "(no roster)"


def _iso(value: Optional[dt.date]) -> Optional[str]:
    return value.isoformat() if value is not None else None


def _date(value: Optional[str]) -> Optional[dt.date]:
    return dt.date.fromisoformat(value) if value else None
