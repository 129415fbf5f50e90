"""How long the school keeps what the gates sent: ``gate-edge collect --retention-days N``.

The office needs the passages to trace contacts while an outbreak lasts, not for ever.
Passages, typed thermometer readings and ledger rows go N days after their day; malformed
and conflicting messages N days after they arrived. 0 keeps everything. The purge runs in
its own connection and transaction, so ingest only waits for it, and secure_delete
overwrites what it removes (the WAL is checkpointed after it).
"""
from __future__ import annotations

import datetime
import logging
import sqlite3
import time
from typing import Dict, Optional

from edge.sqlite_tx import immediate

log = logging.getLogger(__name__)

PURGE_EVERY_S = 3600.0

_BY_DAY = ("passages", "ledger")


def purge(path: str, days: int, now: Optional[float] = None) -> Dict[str, int]:
    """Delete what is older than ``days`` (> 0); rows deleted per table."""
    now = time.time() if now is None else now
    cutoff_day = (datetime.date.fromtimestamp(now) - datetime.timedelta(days=days)).isoformat()
    cutoff_s = now - days * 86400.0
    conn = sqlite3.connect(path, isolation_level=None, timeout=30.0)
    try:
        conn.execute("PRAGMA secure_delete=ON")
        with immediate(conn):
            counts = {table: conn.execute(f"DELETE FROM {table} WHERE day < ?", (cutoff_day,)).rowcount
                      for table in _BY_DAY}
            # A reading's own wall time, in the gate's offset, like a passage's day.
            counts["secondary_checks"] = conn.execute(
                "DELETE FROM secondary_checks WHERE substr(wall, 1, 10) < ?", (cutoff_day,)).rowcount
            for table in ("malformed", "conflicts"):
                counts[table] = conn.execute(f"DELETE FROM {table} WHERE received < ?", (cutoff_s,)).rowcount
        if any(counts.values()):
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # best effort: busy while a message is stored
    finally:
        conn.close()
    return counts


class RetentionClock:
    """When the next purge is due (at start, then every PURGE_EVERY_S)."""

    def __init__(self, path: str, days: int) -> None:
        self.path, self.days = path, days
        self._next = 0.0

    def run_if_due(self, now: Optional[float] = None) -> Optional[Dict[str, int]]:
        mono = time.monotonic() if now is None else now
        if self.days <= 0 or mono < self._next:
            return None
        self._next = mono + PURGE_EVERY_S
        try:
            counts = purge(self.path, self.days)
        except sqlite3.Error as exc:  # a busy or full disk: the next turn tries again
            log.error("collector: retention purge failed (%s); trying again in an hour", exc)
            return None
        if any(counts.values()):
            log.info("collector: purged what is older than %d days: %s", self.days,
                     ", ".join(f"{n} {table}" for table, n in counts.items() if n))
        return counts
