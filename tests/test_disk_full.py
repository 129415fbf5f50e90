"""Disk full: SQLite's real "database or disk is full" error, raised by capping the
database's page count on the writer's connection. The lane keeps deciding, the fault
shows on the status bar and in health, and every record is written once space returns."""
from __future__ import annotations

import logging
import sqlite3
import time

import pytest
from sync_producer import make_record

import edge.store_writer
from edge.outputs import LaneOutputs, LiveState
from edge.settings.device import DeviceSettings
from edge.status_cache import StatusCache
from edge.store import Store
from edge.store_writer import StoreWriter
from edge.verdict import Verdict

RECORDS = 300


def _wait(predicate, timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


def _fill_up(store) -> None:
    """The "disk" full from now on, and its last pages too, so the very first write fails
    (filler passages have negative monotonic times)."""
    pages = store.conn.execute("PRAGMA page_count").fetchone()[0]
    store.conn.execute(f"PRAGMA max_page_count={pages}")
    for filler in range(1000):
        try:
            store.record_passage(make_record(-1 - filler))
        except sqlite3.OperationalError:
            break


@pytest.fixture
def store(tmp_path):
    s = Store(str(tmp_path / "gate.db"), DeviceSettings(id="g1", site="s1")).open()
    yield s
    s.close()


def test_disk_full_keeps_records_and_writes_them_when_space_returns(store, monkeypatch, caplog):
    monkeypatch.setattr(edge.store_writer, "RETRY_S", 0.05)
    caplog.set_level(logging.WARNING, logger="edge.store_writer")
    pages = store.conn.execute("PRAGMA page_count").fetchone()[0]
    store.conn.execute(f"PRAGMA max_page_count={pages}")  # the "disk" is full from now on
    writer = StoreWriter(store)
    writer.start()
    outputs = LaneOutputs(writer, None, LiveState())
    status = StatusCache(store, None, writer, lambda now: 0.0)
    try:
        started = time.monotonic()
        records = [make_record(i, Verdict.FEVER if i % 10 == 0 else Verdict.PASS) for i in range(RECORDS)]
        for i, record in enumerate(records):  # what the lane hands over; it must never wait on the disk
            outputs.on_passage(record, None)
            if i == 10:  # the guard types a thermometer reading for that fever meanwhile
                writer.put_reading(record, 38.4)
        assert time.monotonic() - started < 5.0
        assert _wait(lambda: writer.fault is not None)
        assert "full" in writer.fault
        assert _wait(lambda: writer.waiting > 0 and writer.written + writer.waiting == RECORDS + 1)
        assert "disk_full" in status.screen_extras()["flags"]
        assert writer.is_alive()  # no crash, no crash loop: it retries in place
        errors = [r for r in caplog.records if r.levelno == logging.ERROR]
        assert len(errors) == 1 and "keeping it queued" in errors[0].getMessage()  # logged once, not per retry

        store.conn.execute("PRAGMA max_page_count=1073741823")  # space returns
        assert _wait(lambda: writer.waiting == 0 and writer.fault is None)
        assert any("writable again" in r.getMessage() for r in caplog.records)
    finally:
        writer.stop()
    db = sqlite3.connect(store.path)
    assert db.execute("SELECT COUNT(*) FROM passages").fetchone()[0] == RECORDS
    queued = "SELECT seq FROM outbox UNION SELECT seq FROM outbox_passages"
    assert db.execute(f"SELECT COUNT(*) FROM ({queued})").fetchone()[0] == RECORDS  # all queued for sync
    assert db.execute("SELECT COUNT(*) FROM outbox WHERE kind='alert'").fetchone()[0] == RECORDS // 10
    monos = [r[0] for r in db.execute("SELECT mono FROM passages ORDER BY seq")]
    assert monos == sorted(monos) == [float(i) for i in range(RECORDS)]  # in order, none doubled
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    # The typed reading waited with the passages and went onto its own (the 11th) passage.
    assert db.execute("SELECT p.mono, c.value_c FROM secondary_checks c JOIN passages p ON p.seq = c.seq"
                      ).fetchall() == [(10.0, 38.4)]


def test_a_corrupt_database_error_is_a_store_fault_not_a_dead_writer(store, monkeypatch):
    """Any other SQLite error (here "database disk image is malformed", as from a failing SD
    card) used to end the writer thread with no fault shown while records piled up."""
    monkeypatch.setattr(edge.store_writer, "RETRY_S", 0.05)
    real = store.record_passage
    failures = [2]

    def record_passage(record):
        if failures[0] > 0:
            failures[0] -= 1
            raise sqlite3.DatabaseError("database disk image is malformed")
        return real(record)

    monkeypatch.setattr(store, "record_passage", record_passage)
    writer = StoreWriter(store)
    writer.start()
    status = StatusCache(store, None, writer, lambda now: 0.0)
    try:
        writer.put(make_record(0, Verdict.PASS))
        assert _wait(lambda: writer.fault is not None)
        assert "malformed" in writer.fault and status.screen_extras()["flags"]
        assert _wait(lambda: writer.written == 1 and writer.fault is None)
        assert writer.is_alive()
    finally:
        writer.stop()


def test_memory_is_bounded_while_the_disk_stays_full_and_alerts_are_kept(store, monkeypatch, caplog):
    """A disk that stays full for days: the queue in memory stops at MAX_PENDING, letting go
    of the oldest pass/deny passages (counted, logged) and keeping every fever, fault and
    typed reading; what is kept is written, in order, once space returns."""
    monkeypatch.setattr(edge.store_writer, "RETRY_S", 0.05)
    monkeypatch.setattr(edge.store_writer, "MAX_PENDING", 80)
    monkeypatch.setattr(edge.store_writer, "LOG_DROPS_EVERY", 20)
    caplog.set_level(logging.ERROR, logger="edge.store_writer")
    _fill_up(store)
    writer = StoreWriter(store)
    writer.start()
    try:
        verdicts = {0: Verdict.PASS, 3: Verdict.FEVER, 7: Verdict.FAULT, 5: Verdict.DENY}
        records = [make_record(i, verdicts.get(i % 10, Verdict.PASS)) for i in range(RECORDS)]
        writer.put(records[0])
        assert _wait(lambda: writer.fault is not None)  # records[0] is the one being retried
        for record in records[1:]:
            writer.put(record)
            if record.verdict is Verdict.FEVER and record.t == 13.0:
                writer.put_reading(record, 38.2)
        assert writer.waiting == 80
        alerts = [r for r in records if r.verdict in (Verdict.FEVER, Verdict.FAULT)]
        routine = [r for r in records[1:] if r not in alerts]
        assert writer.dropped == RECORDS + 1 - 80  # the reading is an item too
        drops = [r.getMessage() for r in caplog.records if "let go" in r.getMessage()]
        assert len(drops) == len(range(1, writer.dropped + 1, 20)) and "full" in drops[0]

        store.conn.execute("PRAGMA max_page_count=1073741823")
        assert _wait(lambda: writer.waiting == 0 and writer.fault is None)
    finally:
        writer.stop()
    db = sqlite3.connect(store.path)
    monos = [r[0] for r in db.execute("SELECT mono FROM passages WHERE mono >= 0 ORDER BY seq")]
    # The passage in hand when the bound was reached, every fever and fault, and the newest
    # pass/deny passages that fit: in their order.
    newest = routine[len(routine) - (80 - 1 - len(alerts) - 1):]
    assert monos == sorted([0.0] + [r.t for r in alerts] + [r.t for r in newest])
    assert db.execute("SELECT p.mono, c.value_c FROM secondary_checks c JOIN passages p ON p.seq = c.seq"
                      ).fetchall() == [(13.0, 38.2)]


def test_a_passage_with_a_reading_queued_for_it_is_not_let_go(store, monkeypatch, caplog):
    """Found by review 9d: the bound let go of a pass passage whose typed reading waited
    behind it; the reading was then thrown away as 'no longer known'."""
    monkeypatch.setattr(edge.store_writer, "RETRY_S", 0.05)
    monkeypatch.setattr(edge.store_writer, "MAX_PENDING", 10)
    _fill_up(store)
    writer = StoreWriter(store)
    writer.start()
    try:
        writer.put(make_record(0))
        assert _wait(lambda: writer.fault is not None)
        measured = make_record(1)
        writer.put(measured)
        writer.put_reading(measured, 37.9)
        for i in range(2, 20):
            writer.put(make_record(i))
        assert writer.waiting == 10 and writer.dropped == 11  # 21 items: 0, 1, its reading and 2..19
        store.conn.execute("PRAGMA max_page_count=1073741823")
        assert _wait(lambda: writer.waiting == 0 and writer.fault is None)
    finally:
        writer.stop()
    db = sqlite3.connect(store.path)
    assert db.execute("SELECT p.mono, c.value_c FROM secondary_checks c JOIN passages p ON p.seq = c.seq"
                      ).fetchall() == [(1.0, 37.9)]
    assert [r[0] for r in db.execute("SELECT mono FROM passages WHERE mono >= 0 ORDER BY seq")] == [
        0.0, 1.0] + [float(i) for i in range(13, 20)]
    assert "11 routine passages were let go unstored since start" in caplog.text
