"""What ``gate-edge status`` shows, read without changing anything.

The database is opened read-only (a technician may run this next to the daemon, and the
roster module would create its tables on a plain connection); the daemon's own view
(device states, sync, retention) comes from the state file it rewrites every few seconds.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import time
from pathlib import Path
from typing import Any, Dict, Optional
from zoneinfo import ZoneInfo

from edge.housekeeping import STATE_EVERY_S, state_candidates
from edge.store import backlog_stats
from edge.store_errors import unusable
from edge.store_schema import SCHEMA_VERSION


class NoDatabase(Exception):
    pass


def _ro(path: str) -> sqlite3.Connection:
    uri = Path(path).resolve().as_uri() + "?mode=ro"
    try:
        conn = sqlite3.connect(uri, uri=True, timeout=5.0)
        conn.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchone()
    except sqlite3.DatabaseError as exc:  # (also "file is not a database": a damaged file)
        # The daemon's own words and next step (a folder, a damaged file, permissions).
        raise NoDatabase(str(unusable(path, exc, user=""))) from exc
    return conn


def _has_table(conn: sqlite3.Connection, name: str) -> bool:
    return conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", (name,)).fetchone() is not None


def _schema_version(conn: sqlite3.Connection) -> int:
    if not _has_table(conn, "schema_version"):
        return 0
    row = conn.execute("SELECT version FROM schema_version").fetchone()
    return int(row[0]) if row else 0


def read_database(path: str, timezone: str, now: Optional[float] = None) -> Dict[str, Any]:
    if not Path(path).exists():
        raise NoDatabase(f"no database at {path}: the gate has not run with this config yet")
    now = time.time() if now is None else now
    conn = _ro(path)
    try:
        if not _has_table(conn, "passages"):
            raise NoDatabase(f"{path} holds no gate data")
        version = _schema_version(conn)
        if version != SCHEMA_VERSION:  # read-only: it cannot migrate, and the queries need its tables
            raise NoDatabase(f"{path} has database schema {version}, this software reads {SCHEMA_VERSION}: "
                             "the daemon migrates it when it starts (systemctl restart gate-edge)")
        today = dt.datetime.fromtimestamp(now, tz=ZoneInfo(timezone)).date().isoformat()
        by_verdict = dict(conn.execute("SELECT verdict, COUNT(*) FROM passages WHERE day=? GROUP BY verdict",
                                       (today,)).fetchall())
        total = conn.execute("SELECT COUNT(*) FROM passages").fetchone()[0]
        last = conn.execute("SELECT seq, wall_iso, verdict, clock_ok FROM passages ORDER BY seq DESC LIMIT 1").fetchone()
        backlog = backlog_stats(conn, now)
        alerts = conn.execute("SELECT COUNT(*) FROM outbox WHERE kind='alert'").fetchone()[0]
        roster: Optional[str] = None
        if _has_table(conn, "roster_meta"):
            row = conn.execute("SELECT value FROM roster_meta WHERE key='version'").fetchone()
            roster = row[0] if row else None
        page_size, pages, free = (conn.execute(f"PRAGMA {p}").fetchone()[0]
                                  for p in ("page_size", "page_count", "freelist_count"))
        unsynced_fevers = conn.execute(
            "SELECT COUNT(*) FROM passages WHERE verdict='fever' AND seq IN (SELECT seq FROM outbox)").fetchone()[0]
    finally:
        conn.close()
    wal = Path(path + "-wal")
    return {
        "database": str(path), "passages_total": total, "today": {"date": today, **by_verdict},
        "last_passage": None if last is None else {"seq": last[0], "time": last[1], "verdict": last[2],
                                                   "clock_ok": bool(last[3])},
        "backlog": {"messages": backlog["count"], "alerts": alerts, "unsynced_fevers": unsynced_fevers,
                    "oldest_unsent_s": round(backlog["oldest_age_s"], 1) if backlog["count"] else None,
                    "oldest_unsent_seq": backlog["oldest_seq"]},
        "roster_version": roster,
        "db_bytes": {"file": Path(path).stat().st_size + (wal.stat().st_size if wal.exists() else 0),
                     "data": (pages - free) * page_size},
    }


def _process_gone(pid: object) -> bool:
    """True only when no process has this id: a kill -9 or a crash leaves a fresh-looking state
    file for up to 3 heartbeats. A process of another user (EPERM) or a reused id counts as
    alive, so on the gate itself (the daemon's PID namespace, where a technician runs status)
    this never calls a running daemon dead; the heartbeat age still decides then."""
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:  # PermissionError: it exists, under another user
        return False
    return False


def read_state(db_path: str, now: Optional[float] = None) -> Dict[str, Any]:
    """The daemon's last state file, with its age and whether the daemon looks alive.

    ``live`` is False when the daemon is not running (stopped, or gone without saying so):
    its health is then what it was when it stopped, and ``as_of`` says when that was."""
    body, problem = None, "never ran (no state file)"
    for path in state_candidates(db_path):
        try:
            found = json.loads(path.read_text())
        except FileNotFoundError:
            continue
        except (OSError, ValueError) as exc:
            problem = f"state file unreadable: {exc}"
            continue
        if isinstance(found, dict) and found.get("db", str(Path(db_path).resolve())) == str(Path(db_path).resolve()):
            body = found  # (another gate's file in the runtime directory is skipped)
            break
    if body is None:
        return {"daemon": problem, "live": False}
    age = max(0.0, (time.time() if now is None else now) - float(body.get("ts", 0)))
    as_of: Optional[str] = f"last reported {age:.0f} s ago"
    if body.get("stopped"):
        daemon, as_of = f"stopped {age:.0f} s ago", "at stop"
    elif age > 3 * STATE_EVERY_S:
        daemon = f"not running? state file is {age:.0f} s old"
    elif _process_gone(body.get("pid")):
        daemon = f"not running: process {body['pid']} is gone (state file {age:.0f} s old)"
    else:
        daemon, as_of = "running", None
    return {"daemon": daemon, "age_s": round(age, 1), "health": body.get("health", {}), "live": as_of is None,
            "as_of": as_of}
