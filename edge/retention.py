"""Keeps the device database small for months unattended.

One run: purge synced passages older than the retention period (every passage, on a gate
without a broker: nothing is ever synced there); hold the data under the
size cap (oldest synced first, then oldest unsynced pass/deny records, never an unsynced
fever or fault, nor a passage whose secondary check has not reached the school);
checkpoint the WAL; VACUUM when enough pages are free to be worth it.

A passage is synced when neither outbox table holds a row with its seq: its record and
any secondary check on it were acknowledged by the broker. Work is done in batches of one
short transaction each, so the store writer never waits long behind a purge.
"""
from __future__ import annotations

import dataclasses
import logging
import math
import sqlite3
import time
from pathlib import Path
from typing import Callable, Optional, Tuple

from edge.clock import kernel_clock_synchronized
from edge.disk_reserve import free_bytes
from edge.sqlite_tx import immediate
from edge.store import ALERT_VERDICTS, connect

log = logging.getLogger(__name__)

BATCH = 5000
#: After a cap run the data is brought under this share of the cap, so the next
#: passages do not put it over again at once.
LOW_WATER = 0.9
#: A disk-full squeeze aims at this share of the data held when it starts.
SQUEEZE = 0.9
#: VACUUM rewrites the whole file: only when this many bytes and this share of the file are free.
VACUUM_MIN_FREE_BYTES = 8 * 1024 * 1024
VACUUM_MIN_FREE_SHARE = 0.25

_SYNCED = ("NOT EXISTS (SELECT 1 FROM outbox_passages b WHERE b.seq = passages.seq)"
           " AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.seq = passages.seq)")
# Unsynced rows the size cap may drop: pass/deny passages with no secondary check waiting to
# be sent (a reading a guard typed in is health data, like an alert).
_DROPPABLE_UNSYNCED = ("verdict NOT IN ({}) AND NOT EXISTS (SELECT 1 FROM outbox c WHERE c.seq = passages.seq"
                       " AND c.kind = 'record')").format(",".join(f"'{v.value}'" for v in ALERT_VERDICTS))


@dataclasses.dataclass
class RetentionReport:
    purged_old: int = 0  # synced and older than the retention period
    dropped_synced: int = 0  # synced, dropped to stay under the size cap
    dropped_unsynced: int = 0  # never reached the school: dropped to stay under the size cap
    used_bytes: int = 0  # data in the database after the run (pages in use)
    file_bytes: int = 0
    over_cap: bool = False  # still over the cap: what is left is unsynced alerts and checks only
    vacuumed: bool = False
    checkpoint_busy: bool = False

    @property
    def dropped(self) -> int:
        return self.purged_old + self.dropped_synced + self.dropped_unsynced


def used_bytes(conn: sqlite3.Connection) -> Tuple[int, int]:
    """(bytes of pages holding data, bytes of free pages) - the file size counts both."""
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    free = conn.execute("PRAGMA freelist_count").fetchone()[0]
    return (pages - free) * page_size, free * page_size


def _older_than(conn: sqlite3.Connection, cutoff: float, clock_ok_now: bool) -> str:
    """SQL condition: passages made before ``cutoff`` for certain. A passage's wall time counts
    only when the clock was synchronized: before NTP a Pi's date is its last shutdown's, weeks
    behind, and NTP then makes such a passage look weeks old within the hour. Those go once a
    passage made after them (a higher seq) with a synchronized clock is past the cutoff.

    ``clock_ok_now`` False: this clock is not synchronized either (a gate that never reaches
    an NTP server). Then ``cutoff`` is on the same timeline as the unsynchronized dates, one
    that only falls behind (it stands still while the Pi is off), so a passage dated before
    it is older still: it goes too, or such a gate would keep health data forever."""
    bound = conn.execute("SELECT COALESCE(MAX(seq), 0) FROM passages WHERE clock_ok = 1 AND wall < ?",
                         (cutoff,)).fetchone()[0]
    dated = "wall" if not clock_ok_now else "clock_ok = 1 AND wall"
    return f"({dated} < {float(cutoff)!r} OR seq < {int(bound)})"


#: The newest starts kept in the boots table (when each boot id began, for diagnosis).
BOOTS_KEPT = 1000


class Retention:
    def __init__(self, path: str, retention_days: float, max_db_bytes: int, batch: int = BATCH,
                 sends: bool = True, clock_synchronized: Callable[[], bool] = kernel_clock_synchronized) -> None:
        """``sends`` False: the gate has no broker (no ``mqtt:`` section), its records never
        leave it, so passages are purged by age alone; waiting for a sync would keep them forever."""
        self.path = path
        self.sends = sends
        self.retention_s = retention_days * 86400.0
        self.max_db_bytes = max_db_bytes
        self.batch = batch
        self.clock_synchronized = clock_synchronized

    def run(self, now: Optional[float] = None, squeeze: bool = False) -> RetentionReport:
        """One pass. `squeeze`: the disk is full below the cap, so make room as if the cap
        were SQUEEZE of what the data takes now (the same order: synced first, no alert)."""
        report = RetentionReport()
        conn = connect(self.path, "FULL")  # its own, short-lived: no lock outlives a run
        try:
            old = _older_than(conn, (time.time() if now is None else now) - self.retention_s,
                              self.clock_synchronized())
            report.purged_old = self._delete_where(conn, f"{old} AND {_SYNCED}" if self.sends else old)
            with immediate(conn):  # a row per start, read by no one: a crash loop adds thousands a day
                conn.execute("DELETE FROM boots WHERE rowid <= (SELECT MAX(rowid) FROM boots) - ?", (BOOTS_KEPT,))
            cap = self.max_db_bytes
            if squeeze:
                cap = min(cap, int(used_bytes(conn)[0] * SQUEEZE))
            self._hold_cap(conn, report, cap)
            report.checkpoint_busy = bool(conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0])
            report.vacuumed = self._maybe_vacuum(conn) or report.vacuumed
            report.used_bytes, _ = used_bytes(conn)
        finally:
            conn.close()
        report.file_bytes = Path(self.path).stat().st_size
        self._log(report)
        return report

    # --- deleting ------------------------------------------------------------------
    def _delete_where(self, conn: sqlite3.Connection, condition: str, max_rows: Optional[int] = None) -> int:
        """Delete passages matching `condition`, oldest first, batch by batch; returns the count."""
        total, after = 0, 0
        while max_rows is None or total < max_rows:
            limit = self.batch if max_rows is None else min(self.batch, max_rows - total)
            with immediate(conn):
                seqs = [r[0] for r in conn.execute(
                    f"SELECT seq FROM passages WHERE seq > ? AND {condition} ORDER BY seq LIMIT ?", (after, limit))]
                if not seqs:
                    break
                # The same condition over the batch's seq range selects exactly these rows:
                # nothing else can write inside this transaction.
                span = f"seq BETWEEN {seqs[0]} AND {seqs[-1]} AND {condition}"
                conn.execute(f"DELETE FROM secondary_checks WHERE seq IN (SELECT seq FROM passages WHERE {span})")
                conn.execute(f"DELETE FROM outbox WHERE seq IN (SELECT seq FROM passages WHERE {span})")
                conn.execute(f"DELETE FROM outbox_passages WHERE seq IN (SELECT seq FROM passages WHERE {span})")
                deleted = conn.execute(f"DELETE FROM passages WHERE {span}").rowcount
            total += deleted
            after = seqs[-1]
        return total

    def _hold_cap(self, conn: sqlite3.Connection, report: RetentionReport, cap: int) -> None:
        """Drop about as many rows as free the excess, compact, measure again.

        Pages are the measure, and a page is only freed when every row on it is gone:
        deleting rows scattered between kept ones (pass records between unsynced fevers)
        frees nothing until VACUUM. So rows are counted off an estimate rather than deleted
        until the page count falls, which would take far more than needed.
        """
        limit = cap
        target = int(cap * LOW_WATER)
        for _ in range(4):  # each round's estimate is closer; bounded all the same
            used, _free = used_bytes(conn)
            if used <= limit:
                break
            limit = target  # once over the cap, go down to the low-water mark
            rows = conn.execute("SELECT COUNT(*) FROM passages").fetchone()[0]
            if rows == 0:
                break
            wanted = max(1, math.ceil((used - target) / max(1.0, used / rows)))
            synced = self._delete_where(conn, _SYNCED, wanted)
            # Months offline: records that never reached the school go before the disk
            # fills and the gate stops recording at all. Alerts and unsent secondary checks
            # stay whatever it costs.
            unsynced = self._delete_where(conn, _DROPPABLE_UNSYNCED, wanted - synced) if synced < wanted else 0
            report.dropped_synced += synced
            report.dropped_unsynced += unsynced
            if synced + unsynced == 0:
                break
            if used_bytes(conn)[0] > limit:
                if not self._vacuum(conn):
                    break  # cannot measure the true size: better over the cap than over-deleting
                report.vacuumed = True
        report.over_cap = used_bytes(conn)[0] > cap

    # --- compacting ----------------------------------------------------------------
    def _maybe_vacuum(self, conn: sqlite3.Connection) -> bool:
        used, free = used_bytes(conn)
        if free < VACUUM_MIN_FREE_BYTES or free < VACUUM_MIN_FREE_SHARE * (used + free):
            return False
        return self._vacuum(conn)

    def _vacuum(self, conn: sqlite3.Connection) -> bool:
        used, free = used_bytes(conn)
        disk_free = free_bytes(self.path)
        if disk_free is None:
            return False
        if disk_free < 2 * used:  # VACUUM writes a full copy (temp file, then the WAL)
            log.warning("VACUUM skipped: %d MB free on disk, %d MB needed", disk_free >> 20, (2 * used) >> 20)
            return False
        try:
            conn.execute("VACUUM")
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite3.OperationalError as exc:
            log.warning("VACUUM failed, will try again next run: %s", exc)
            return False
        log.info("database compacted: %.1f MB of free pages returned to the disk", free / 1e6)
        return True

    def _log(self, report: RetentionReport) -> None:
        if report.purged_old or report.dropped_synced:
            log.info("retention: %d %spassages past %d days purged, %d dropped for the %d MB cap",
                     report.purged_old, "synced " if self.sends else "", round(self.retention_s / 86400),
                     report.dropped_synced,
                     self.max_db_bytes >> 20)
        if report.dropped_unsynced:
            log.warning("size cap: %d unsynced pass/deny passages dropped before reaching the school",
                        report.dropped_unsynced)
        if report.over_cap:
            log.error("database over its %d MB cap with only unsynced alerts and secondary checks left: "
                      "nothing more is dropped",
                      self.max_db_bytes >> 20)
