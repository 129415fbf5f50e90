"""Retention and the size cap on a database of 1,000,000 passages (real SQLite files)."""
from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path

import pytest

from edge.retention import Retention, used_bytes
from edge.settings.device import DeviceSettings
from edge.store import Store

ROWS = 1_000_000
DAY = 86400.0
START = 1_760_000_000.0  # wall time of seq 1
SPAN_DAYS = 60  # the rows are spread evenly over this many days
NOW = START + SPAN_DAYS * DAY
UNSYNCED_EVERY = 997  # these seqs still have an outbox row; every other one of them is a fever
QUEUED = "(SELECT seq FROM outbox UNION ALL SELECT seq FROM outbox_passages)"  # not yet synced


def _build(path: str, rows: int, unsynced_every: int) -> None:
    Store(path, DeviceSettings(id="g1", site="s1")).open().close()
    conn = sqlite3.connect(path, isolation_level=None)
    step = SPAN_DAYS * DAY / rows
    conn.execute("BEGIN")
    conn.execute(
        """WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
        INSERT INTO passages (seq, boot_id, wall, wall_iso, day, mono, clock_ok, verdict, reasons, person_id,
                              skin_c, body_c, record)
        SELECT i, 'b', ? + (i - 1) * ?, '', '', i, 1,
               CASE WHEN i % ? = 0 AND (i / ?) % 2 = 1 THEN 'fever' WHEN i % 7 = 0 THEN 'deny' ELSE 'pass' END,
               '[]', 'P' || (i % 900), 35.1, 36.6, printf('{"seq":%d,"pad":"%s"}', i, hex(randomblob(48)))
        FROM n""", (rows, START, step, unsynced_every, unsynced_every))
    conn.execute("""INSERT INTO outbox (seq, kind, created, payload)
                    SELECT seq, 'alert', wall, NULL FROM passages WHERE seq % ? = 0 AND verdict = 'fever'""",
                 (unsynced_every,))
    conn.execute("""INSERT INTO outbox_passages (seq, created)
                    SELECT seq, wall FROM passages WHERE seq % ? = 0 AND verdict != 'fever'""", (unsynced_every,))
    # A secondary check on an old synced fever-free passage: purged with it (foreign key).
    conn.execute("INSERT INTO secondary_checks (seq, value_c, source, wall_iso) VALUES (3, 36.9, 'keypad', '')")
    conn.execute("COMMIT")
    conn.close()


@pytest.fixture(scope="module")
def million(tmp_path_factory) -> str:
    path = str(tmp_path_factory.mktemp("million") / "gate.db")
    _build(path, ROWS, UNSYNCED_EVERY)
    return path


@pytest.fixture
def db(million, tmp_path) -> str:
    path = str(tmp_path / "gate.db")
    shutil.copyfile(million, path)
    return path


def _unsynced(conn: sqlite3.Connection) -> set:
    return {r[0] for r in conn.execute(f"SELECT seq FROM passages WHERE seq IN {QUEUED}")}


def _healthy(conn: sqlite3.Connection) -> None:
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []


def test_purge_removes_exactly_the_old_synced_passages(db):
    conn = sqlite3.connect(db)
    cutoff = NOW - 30 * DAY
    unsynced = _unsynced(conn)
    expected = conn.execute(f"SELECT COUNT(*) FROM passages WHERE wall < ? AND seq NOT IN {QUEUED}",
                            (cutoff,)).fetchone()[0]
    newer = conn.execute("SELECT COUNT(*) FROM passages WHERE wall >= ?", (cutoff,)).fetchone()[0]
    assert 400_000 < expected < 600_000
    size_before = os.path.getsize(db)
    report = Retention(db, retention_days=30, max_db_bytes=10 << 30).run(now=NOW)
    assert report.purged_old == expected and report.dropped_synced == report.dropped_unsynced == 0
    assert _unsynced(conn) == unsynced  # nothing unsynced is touched, however old
    assert conn.execute("SELECT COUNT(*) FROM passages WHERE wall >= ?", (cutoff,)).fetchone()[0] == newer
    assert conn.execute(f"SELECT COUNT(*) FROM passages WHERE wall < ? AND seq NOT IN {QUEUED}",
                        (cutoff,)).fetchone()[0] == 0
    assert conn.execute("SELECT COUNT(*) FROM secondary_checks").fetchone()[0] == 0
    _healthy(conn)
    # Half the pages came free: the file is compacted, and a second run has nothing to do.
    assert report.vacuumed and report.file_bytes < 0.7 * size_before
    again = Retention(db, retention_days=30, max_db_bytes=10 << 30).run(now=NOW)
    assert again.dropped == 0 and not again.vacuumed


def test_a_gate_without_a_broker_purges_by_age_alone(tmp_path):
    """No mqtt section: nothing is ever synced, so waiting for a sync would keep health data
    forever. Passages past retention_days go, fevers and their outbox rows included."""
    path = str(tmp_path / "offline.db")
    _build(path, 40_000, 1)  # every passage still queued, as on a gate without a broker
    conn = sqlite3.connect(path)
    cutoff = NOW - 30 * DAY
    old = conn.execute("SELECT COUNT(*) FROM passages WHERE wall < ?", (cutoff,)).fetchone()[0]
    assert 15_000 < old < 25_000
    assert Retention(path, retention_days=30, max_db_bytes=10 << 30).run(now=NOW).purged_old == 0  # (syncing gate)
    report = Retention(path, retention_days=30, max_db_bytes=10 << 30, sends=False).run(now=NOW)
    assert report.purged_old == old and report.dropped_unsynced == 0
    assert conn.execute("SELECT COUNT(*) FROM passages WHERE wall < ?", (cutoff,)).fetchone()[0] == 0
    assert conn.execute("SELECT COUNT(*) FROM passages").fetchone()[0] == 40_000 - old
    assert conn.execute(f"SELECT COUNT(*) FROM {QUEUED} WHERE seq NOT IN (SELECT seq FROM passages)").fetchone()[0] == 0
    _healthy(conn)


def test_passages_made_before_the_clock_was_synchronized_are_not_aged_by_their_stale_date(tmp_path):
    """A Pi boots with its last shutdown's date: passages stamped weeks in the past, then NTP.
    They are not 'older than 30 days' an hour later; they go once a passage made after them
    with a synchronized clock is past the cutoff."""
    path = str(tmp_path / "stale.db")  # (this gate's clock is synchronized now)
    _build(path, 200, 1)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("UPDATE passages SET clock_ok = 0, wall = ? WHERE seq > 100", (NOW - 40 * DAY,))  # today's, stale date
    conn.execute("UPDATE passages SET wall = ? WHERE seq <= 100", (NOW - 50 * DAY,))  # synced, 50 days old
    report = Retention(path, retention_days=30, max_db_bytes=10 << 30, sends=False,
                       clock_synchronized=lambda: True).run(now=NOW)
    assert report.purged_old == 100
    assert conn.execute("SELECT MIN(seq), COUNT(*) FROM passages").fetchone() == (101, 100)
    # Later, a synchronized passage (seq 201) is itself 31 days old: everything before it is too.
    conn.execute("INSERT INTO passages (seq, boot_id, wall, wall_iso, day, mono, clock_ok, verdict, reasons, record)"
                 " VALUES (201, 'b', ?, '', '', 0, 1, 'pass', '[]', '{}')", (NOW - 31 * DAY,))
    report = Retention(path, retention_days=30, max_db_bytes=10 << 30, sends=False,
                       clock_synchronized=lambda: True).run(now=NOW)
    assert report.purged_old == 101 and conn.execute("SELECT COUNT(*) FROM passages").fetchone()[0] == 0
    _healthy(conn)


def test_a_gate_that_never_synchronizes_its_clock_still_purges_by_age(tmp_path):
    """No NTP server in reach (an offline gate, a firewall): every passage has clock_ok 0.
    Its clock only falls behind, so a passage dated before the cutoff on that same clock is
    older still; without this such a gate kept health data forever."""
    path = str(tmp_path / "offline.db")
    _build(path, 200, 1)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("UPDATE passages SET clock_ok = 0, wall = ? WHERE seq <= 100", (NOW - 60 * DAY,))
    conn.execute("UPDATE passages SET clock_ok = 0, wall = ? WHERE seq > 100", (NOW - 1 * DAY,))
    synced_now = Retention(path, retention_days=30, max_db_bytes=10 << 30, sends=False,
                           clock_synchronized=lambda: True)
    assert synced_now.run(now=NOW).purged_old == 0  # NTP just came: those dates may be weeks behind
    never = Retention(path, retention_days=30, max_db_bytes=10 << 30, sends=False, clock_synchronized=lambda: False)
    assert never.run(now=NOW).purged_old == 100
    assert conn.execute("SELECT MIN(seq), COUNT(*) FROM passages").fetchone() == (101, 100)
    _healthy(conn)


def test_size_cap_drops_oldest_synced_first_and_keeps_every_unsynced(db):
    conn = sqlite3.connect(db)
    unsynced = _unsynced(conn)
    used_before, _ = used_bytes(conn)
    cap = used_before // 4
    report = Retention(db, retention_days=3650, max_db_bytes=cap).run(now=NOW)
    assert report.purged_old == 0 and report.dropped_unsynced == 0 and not report.over_cap
    assert report.dropped_synced > 600_000
    assert used_bytes(conn)[0] <= cap
    assert _unsynced(conn) == unsynced
    # Oldest first: every synced passage left is newer than every one dropped.
    oldest_synced_left = conn.execute(
        f"SELECT MIN(seq) FROM passages WHERE seq NOT IN {QUEUED}").fetchone()[0]
    synced_before_it = sum(1 for s in range(1, oldest_synced_left) if s % UNSYNCED_EVERY)
    assert synced_before_it == report.dropped_synced
    assert report.vacuumed and report.file_bytes < used_before / 2
    _healthy(conn)


def test_size_cap_never_drops_an_unsynced_fever(tmp_path):
    """Months offline: nothing is synced. Pass/deny records go, oldest first; fevers stay."""
    path = str(tmp_path / "offline.db")
    _build(path, 40_000, 1)  # every passage unsynced; a fever every other one of every 2
    conn = sqlite3.connect(path)
    fevers = {r[0] for r in conn.execute("SELECT seq FROM passages WHERE verdict='fever'")}
    others = [r[0] for r in conn.execute("SELECT seq FROM passages WHERE verdict!='fever' ORDER BY seq")]
    assert 15_000 < len(fevers) < 25_000
    used, _ = used_bytes(conn)
    report = Retention(path, retention_days=1, max_db_bytes=int(used * 0.8)).run(now=NOW)
    assert report.purged_old == 0 and report.dropped_synced == 0 and report.dropped_unsynced > 0
    assert {r[0] for r in conn.execute("SELECT seq FROM passages WHERE verdict='fever'")} == fevers
    left = [r[0] for r in conn.execute("SELECT seq FROM passages WHERE verdict!='fever' ORDER BY seq")]
    dropped = 40_000 - len(fevers) - len(left)
    assert dropped == report.dropped_unsynced
    assert left and left == others[dropped:]  # the oldest went, the newest stayed
    assert not report.over_cap
    assert conn.execute(f"SELECT COUNT(*) FROM {QUEUED} WHERE seq NOT IN (SELECT seq FROM passages)").fetchone()[0] == 0
    _healthy(conn)


def test_size_cap_keeps_a_passage_whose_secondary_check_is_not_sent(tmp_path):
    """A reading the guard typed in for a pass/deny passage is health data: while it waits
    for the school, the size cap keeps it and its passage, however old."""
    path = str(tmp_path / "offline.db")
    _build(path, 40_000, 1)
    store = Store(path, DeviceSettings(id="g1", site="s1")).open()
    kept = [r[0] for r in store.conn.execute("SELECT seq FROM passages WHERE verdict!='fever' ORDER BY seq LIMIT 3")]
    for seq in kept:
        store.add_secondary_check(seq, 37.9, "keypad")
    store.close()
    conn = sqlite3.connect(path)
    used, _ = used_bytes(conn)
    report = Retention(path, retention_days=1, max_db_bytes=int(used * 0.8)).run(now=NOW)
    assert report.dropped_unsynced > 10_000
    assert [r[0] for r in conn.execute(f"SELECT seq FROM passages WHERE seq IN ({','.join(map(str, kept))})")] == kept
    assert conn.execute("SELECT COUNT(*) FROM secondary_checks WHERE value_c = 37.9").fetchone()[0] == 3
    assert conn.execute("SELECT COUNT(*) FROM outbox WHERE kind = 'record'").fetchone()[0] == 3
    # The oldest passages without a waiting check went, as before.
    assert conn.execute(f"SELECT MIN(seq) FROM passages WHERE verdict != 'fever' AND seq > {kept[-1]}"
                        ).fetchone()[0] > 10_000
    _healthy(conn)


def test_cap_below_the_unsynced_fevers_reports_over_cap_and_drops_no_fever(tmp_path):
    path = str(tmp_path / "fevers.db")
    _build(path, 4_000, 1)
    conn = sqlite3.connect(path)
    fevers = conn.execute("SELECT COUNT(*) FROM passages WHERE verdict='fever'").fetchone()[0]
    report = Retention(path, retention_days=1, max_db_bytes=4096).run(now=NOW)
    assert report.over_cap
    assert conn.execute("SELECT COUNT(*) FROM passages WHERE verdict='fever'").fetchone()[0] == fevers
    assert conn.execute("SELECT COUNT(*) FROM passages WHERE verdict!='fever'").fetchone()[0] == 0
    _healthy(conn)


def test_retention_runs_beside_a_live_writer(tmp_path):
    """The store keeps its connection open (as in the daemon) while retention deletes."""
    from sync_producer import make_record

    path = str(tmp_path / "live.db")
    store = Store(path, DeviceSettings(id="g1", site="s1")).open()
    try:
        seqs = store.record_passages(make_record(i) for i in range(500))
        sqlite3.connect(path, isolation_level=None).execute("DELETE FROM outbox_passages WHERE seq <= ?", (seqs[249],))
        report = Retention(path, retention_days=1, max_db_bytes=1 << 30).run(now=NOW + 1000 * DAY)
        assert report.purged_old == 250
        new = store.record_passage(make_record(999))
        assert new > seqs[-1]  # AUTOINCREMENT: seqs are never reused after a purge
    finally:
        store.close()


def test_disk_full_squeeze_drops_only_synced_passages_under_a_generous_cap(tmp_path):
    path = str(tmp_path / "squeeze.db")
    _build(path, 50_000, 50)
    conn = sqlite3.connect(path)
    unsynced = _unsynced(conn)
    used, _ = used_bytes(conn)
    retention = Retention(path, retention_days=3650, max_db_bytes=1 << 30)
    assert retention.run(now=NOW).dropped == 0  # under the cap: nothing to do
    report = retention.run(now=NOW, squeeze=True)
    assert report.dropped_synced > 0 and report.dropped_unsynced == 0
    assert used_bytes(conn)[0] <= used * 0.9
    assert _unsynced(conn) == unsynced
    _healthy(conn)


def test_a_purged_passage_leaves_no_trace_in_the_database_file(tmp_path):
    """Minimum retention means the health data is gone from the file, not only from the
    tables: freed pages are overwritten (secure_delete), and the WAL is truncated."""
    path = str(tmp_path / "gate.db")
    _build(path, 2_000, 1)
    conn = sqlite3.connect(path)
    cutoff = NOW - 30 * DAY
    purged = [r[0] for r in conn.execute("SELECT record FROM passages WHERE wall < ?", (cutoff,))]
    kept = [r[0] for r in conn.execute("SELECT record FROM passages WHERE wall >= ?", (cutoff,))]
    conn.close()
    report = Retention(path, retention_days=30, max_db_bytes=10 << 30, sends=False).run(now=NOW)
    assert report.purged_old == len(purged) > 500 and not report.vacuumed  # no VACUUM to hide behind
    data = b"".join(Path(p).read_bytes() for p in (path, path + "-wal") if os.path.exists(p))
    assert all(r.encode() in data for r in kept[:50])  # (the search finds records that are there)
    assert [r for r in purged if r.encode() in data] == []


def test_the_boots_table_keeps_only_the_newest_starts(tmp_path):
    """A row per start: a crash loop under systemd adds 17,000 a day, counted in the cap."""
    from edge.retention import BOOTS_KEPT

    path = str(tmp_path / "gate.db")
    Store(path, DeviceSettings(id="g1", site="s1")).open().close()
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5000)"
                 " INSERT INTO boots (boot_id, started_wall) SELECT 'b' || i, i FROM n")
    Retention(path, retention_days=30, max_db_bytes=10 << 30).run(now=NOW)
    assert conn.execute("SELECT COUNT(*), MAX(started_wall) FROM boots").fetchone() == (BOOTS_KEPT, 5000)
