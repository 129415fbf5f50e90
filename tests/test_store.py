from __future__ import annotations

import dataclasses
import json
import os
import sqlite3
import stat
import threading

import pytest
from sync_producer import make_record

from edge.outbox import Outbox
from edge.settings.device import DeviceSettings
from edge.store import Store
from edge.store_schema import SCHEMA_VERSION
from edge.sync.payload import batch_message
from edge.verdict import Verdict


@pytest.fixture
def store(tmp_path):
    s = Store(str(tmp_path / "data" / "gate.db"), DeviceSettings(id="g1", site="s1", timezone="Asia/Shanghai")).open()
    yield s
    s.close()


def test_open_creates_private_wal_db_with_schema(store, tmp_path):
    path = tmp_path / "data" / "gate.db"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(tmp_path / "data" / "card-hash.key").st_mode) == 0o600
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("SELECT version FROM schema_version").fetchone()[0] == SCHEMA_VERSION


def test_a_database_made_under_umask_000_is_private_with_its_folder_and_leftover_wal(tmp_path):
    """Outside systemd (a technician's shell with umask 000): the folder, and -wal and -shm
    files an earlier run left with a looser mode, are made private too."""
    import shutil

    crashed = sqlite3.connect(tmp_path / "crashed.db", isolation_level=None)
    crashed.execute("PRAGMA journal_mode=WAL")
    crashed.execute("CREATE TABLE t (x)")
    crashed.execute("INSERT INTO t VALUES ('health data')")  # in the WAL, not checkpointed
    leftover = tmp_path / "old" / "gate.db"
    leftover.parent.mkdir(mode=0o700)
    for suffix in ("", "-wal", "-shm"):
        shutil.copyfile(f"{tmp_path}/crashed.db{suffix}", f"{leftover}{suffix}")
        os.chmod(f"{leftover}{suffix}", 0o644)
    crashed.close()
    umask = os.umask(0)
    try:
        stores = [Store(str(path), DeviceSettings(id="g1")).open()
                  for path in (tmp_path / "new" / "gates" / "gate.db", leftover)]
    finally:
        os.umask(umask)
    for folder in (tmp_path / "new", tmp_path / "new" / "gates"):  # (review 11f: the parent was left 0777)
        assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700, folder
    for store in stores:
        store.record_passage(make_record(0))
        for suffix in ("", "-wal", "-shm"):
            assert stat.S_IMODE(os.stat(f"{store.path}{suffix}").st_mode) == 0o600, f"{store.path}{suffix}"
        store.close()


def test_passage_and_outbox_row_in_one_transaction_with_payload(store):
    seqs = [store.record_passage(make_record(i)) for i in range(3)]
    assert seqs == sorted(seqs) and len(set(seqs)) == 3
    rows = Outbox(store.path).fetch("passage", 10)
    assert [r[1] for r in rows] == seqs
    payload = json.loads(rows[0][2])
    assert payload["id"] == f"g1:{seqs[0]}" and payload["device"] == "g1" and payload["seq"] == seqs[0]
    assert payload["boot"] == store.boot_id and payload["v"] == 1 and payload["clock_ok"] is True
    assert payload["wall"].endswith("+08:00")


def test_raw_card_never_in_payload(store):
    seq = store.record_passage(make_record(0, Verdict.DENY, card="DEADBEEF1234", person_id=None))
    text = Outbox(store.path).fetch("passage", 10)[0][2]
    assert "DEADBEEF1234" not in text
    payload = json.loads(text)
    assert payload["card_masked"] == "********1234" and len(payload["card_hash"]) == 16
    known = store.record_passage(make_record(1, card="CAFE0001", person_id="P9"))
    assert "CAFE0001" not in json.dumps(store.passage(known)) and store.passage(seq)["person_id"] is None


def test_a_visitor_leaves_with_the_masked_id_number_not_the_hash_s_last_digits(store):
    """A visitor's card id is the keyed hash of the ID number (drivers/card/idcard_sam.py):
    what the school and the store's card_masked column get is the masked number."""
    facts = {"visitor": {"source": "idcard", "id_masked": "110101********4538", "id_hash": "1F2E3D4C5B6A7980"}}
    record = dataclasses.replace(make_record(0, card="1F2E3D4C5B6A7980", person_id=None), card_reader="idcard_sam",
                                 policy=facts)
    seq = store.record_passage(record)
    payload = json.loads(Outbox(store.path).fetch("passage", 10)[0][2])
    assert payload["card_masked"] == "110101********4538"
    assert store.conn.execute("SELECT card_masked FROM passages WHERE seq = ?", (seq,)).fetchone()[0] == \
        "110101********4538"


def test_card_hash_key_persists_across_opens(tmp_path):
    dev = DeviceSettings(id="g1")
    hashes = []
    for _ in range(2):
        s = Store(str(tmp_path / "g.db"), dev).open()
        seq = s.record_passage(make_record(0, Verdict.DENY, card="ABCDEF99", person_id=None))
        hashes.append(s.passage(seq)["card_hash"])
        s.close()
    assert hashes[0] == hashes[1]


def test_fever_goes_to_alert_queue_and_counts(store):
    store.record_passage(make_record(0))
    fever = store.record_passage(make_record(1, Verdict.FEVER))
    store.record_passage(make_record(2, Verdict.DENY, card="X1234567", person_id=None))
    box = Outbox(store.path)
    assert [r[1] for r in box.fetch("alert", 10)] == [fever]
    assert fever not in [r[1] for r in box.fetch("passage", 10)]
    assert store.counts_today() == {"passages": 3, "fevers": 1, "denials": 1}
    assert store.backlog()["count"] == 3


def test_secondary_check_is_stored_and_queued(store):
    seq = store.record_passage(make_record(0, Verdict.FEVER))
    store.add_secondary_check(seq, 37.1, "manual")
    rows = Outbox(store.path).fetch("check", 10)
    check = json.loads(rows[-1][2])
    assert check["type"] == "secondary_check" and check["seq"] == seq and check["value_c"] == 37.1
    with pytest.raises(KeyError):
        store.add_secondary_check(9999, 37.0, "manual")


def test_seq_monotonic_across_restarts_and_boot_id_changes(tmp_path):
    dev = DeviceSettings(id="g1")
    s1 = Store(str(tmp_path / "g.db"), dev).open()
    a = s1.record_passage(make_record(0))
    s1.conn.execute("DELETE FROM passages WHERE seq=?", (a,))  # purge must not let seq be reused
    s1.close()
    s2 = Store(str(tmp_path / "g.db"), dev).open()
    b = s2.record_passage(make_record(1))
    assert b > a and s2.boot_id != s1.boot_id
    assert s2.passage(b)["boot"] == s2.boot_id


def test_sync_connection_deletes_while_writer_writes(store):
    box = Outbox(store.path)
    done = threading.Event()

    def writer():
        for i in range(300):
            store.record_passage(make_record(i))
        done.set()

    t = threading.Thread(target=writer)
    t.start()
    deleted = 0
    for _ in range(10000):
        rows = box.fetch("passage", 50)
        deleted += box.delete("passage", (r[0] for r in rows))
        if done.is_set() and not rows:
            break
    t.join(10)
    assert deleted == 300 and store.backlog() == {"count": 0, "oldest_age_s": 0.0, "oldest_seq": None}


def test_v1_database_migrates_and_its_backlog_is_sent_unchanged(tmp_path):
    """Version 1 copied the record into the outbox; version 2 reads it from passages."""
    from edge.store_schema import MIGRATIONS

    path = str(tmp_path / "v1.db")
    conn = sqlite3.connect(path, isolation_level=None)
    conn.executescript(MIGRATIONS[0] + "; CREATE TABLE schema_version (version INTEGER NOT NULL);"
                       " INSERT INTO schema_version VALUES (1);")
    conn.execute("INSERT INTO passages (seq, boot_id, wall, wall_iso, day, mono, clock_ok, verdict, reasons, record)"
                 " VALUES (7, 'b', 1, '', '', 1, 1, 'fever', '[]', '{\"seq\":7}')")
    conn.execute("INSERT INTO outbox (seq, kind, created, payload) VALUES (7, 'alert', 1, '{\"seq\":7}')")
    conn.execute("INSERT INTO outbox (seq, kind, created, payload) VALUES (7, 'record', 2, '{\"check\":1}')")
    conn.close()
    store = Store(path, DeviceSettings(id="g1")).open()
    try:
        db = sqlite3.connect(path)
        assert db.execute("SELECT id, payload FROM outbox ORDER BY id").fetchall() == [(1, None), (2, '{"check":1}')]
        outbox = Outbox(path)
        assert outbox.fetch("alert", 10) == [(1, 7, '{"seq":7}')]
        assert outbox.fetch("check", 10) == [(2, 7, '{"check":1}')]
        new = store.record_passage(make_record(0, Verdict.FEVER))
        assert db.execute("SELECT MAX(id) FROM outbox").fetchone()[0] == 3  # ids go on from the old table
        assert outbox.fetch("alert", 10)[-1][1] == new
    finally:
        store.close()


@pytest.mark.parametrize("read", ["rows", "batch"])
def test_outbox_row_of_a_vanished_passage_is_dropped_not_sent(store, read):
    seq = store.record_passage(make_record(0))
    keep = store.record_passage(make_record(1))
    conn = sqlite3.connect(store.path, isolation_level=None)
    conn.execute("PRAGMA foreign_keys=OFF")
    conn.execute("DELETE FROM passages WHERE seq=?", (seq,))
    box = Outbox(store.path)
    if read == "rows":
        assert [r[1] for r in box.fetch("passage", 10)] == [keep]
    else:
        batch = box.fetch_batch("passage", 0, 10, 1 << 20)
        assert batch is not None and (batch.count, batch.first_seq, batch.last_seq) == (1, keep, keep)
    assert conn.execute("SELECT seq FROM outbox_passages").fetchall() == [(keep,)]


def test_fetch_batch_joins_the_same_rows_fetch_returns(store):
    seqs = [store.record_passage(make_record(i)) for i in range(7)]
    store.add_secondary_check(seqs[2], 36.9, "manual")
    box = Outbox(store.path)
    rows = box.fetch("passage", 5)
    batch = box.fetch_batch("passage", 0, 5, 1 << 20)
    assert batch is not None
    assert (batch.first_id, batch.last_id, batch.count) == (rows[0][0], rows[-1][0], 5)
    assert (batch.first_seq, batch.last_seq) == (min(r[1] for r in rows), max(r[1] for r in rows))
    assert batch.joined == ",".join(r[2] for r in rows).encode("utf-8")
    rest = box.fetch_batch("passage", batch.last_id, 5, 1 << 20)
    assert rest is not None and rest.count == 2 and rest.last_seq == seqs[-1]
    assert box.fetch_batch("passage", rest.last_id, 5, 1 << 20) is None
    checks = box.fetch_batch("check", 0, 5, 1 << 20)
    assert checks is not None and checks.count == 1 and b'"type":"secondary_check"' in checks.joined


def test_fetch_batch_keeps_within_bytes_but_always_takes_one_row(store):
    for i in range(4):
        store.record_passage(make_record(i))
    box = Outbox(store.path)
    sizes = [len(r[2]) + 1 for r in box.fetch("passage", 4)]
    two = box.fetch_batch("passage", 0, 4, sizes[0] + sizes[1])
    assert two is not None and two.count == 2 and len(two.joined) == sizes[0] + sizes[1] - 1
    one = box.fetch_batch("passage", 0, 4, 10)  # smaller than any record: it still goes, alone
    assert one is not None and one.count == 1 and one.joined == box.fetch("passage", 1)[0][2].encode("utf-8")


@pytest.mark.parametrize("window", [1, 2, 3, 50])
def test_batch_windows_cover_every_row_of_their_queue_once_past_the_other_queues_keys(store, window):
    """A batch is the key range up to the window-th queued key: the keys that belong to the
    other queues (fever seqs, check ids) are gaps, never counted or sent with it."""
    kinds = [Verdict.PASS, Verdict.FEVER, Verdict.DENY, Verdict.PASS, Verdict.FEVER, Verdict.FEVER, Verdict.PASS]
    seqs = [store.record_passage(make_record(i, verdict)) for i, verdict in enumerate(kinds)]
    for seq in seqs[:3]:
        store.add_secondary_check(seq, 37.0, "manual")
    box = Outbox(store.path)
    for queue in ("passage", "alert", "check"):
        expected = [r[1] for r in box.fetch(queue, 100)]
        got, cursor = [], 0
        while (batch := box.fetch_batch(queue, cursor, window, 1 << 20)) is not None:
            records = json.loads(b"[" + batch.joined + b"]")
            assert batch.count == len(records) <= window
            assert [r["seq"] for r in records] == [r[1] for r in box.fetch(queue, window, cursor)]
            got += [r["seq"] for r in records]
            cursor = batch.last_id
        assert got == expected and len(expected) == {"passage": 4, "alert": 3, "check": 3}[queue]


def test_batch_message_is_json_with_its_envelope(store):
    for i in range(3):
        store.record_passage(make_record(i))
    batch = Outbox(store.path).fetch_batch("passage", 0, 10, 1 << 20)
    assert batch is not None
    body = json.loads(batch_message("g1", batch.first_seq, batch.last_seq, batch.count, batch.joined))
    assert body["device"] == "g1" and body["count"] == 3 and body["v"] == 1
    assert [r["seq"] for r in body["records"]] == list(range(batch.first_seq, batch.last_seq + 1))


def test_fetch_batch_reads_past_a_whole_window_of_orphans(store):
    gone = [store.record_passage(make_record(i)) for i in range(3)]
    keep = store.record_passage(make_record(3))
    conn = sqlite3.connect(store.path, isolation_level=None)
    conn.execute("PRAGMA foreign_keys=OFF")
    conn.execute(f"DELETE FROM passages WHERE seq IN ({','.join('?' * len(gone))})", gone)
    batch = Outbox(store.path).fetch_batch("passage", 0, 2, 1 << 20)  # two windows of orphans first
    assert batch is not None and (batch.count, batch.first_seq) == (1, keep)
    assert conn.execute("SELECT seq FROM outbox_passages").fetchall() == [(keep,)]


def test_v2_backlog_moves_to_the_passage_queue_in_order(tmp_path):
    """Version 3 queues pass/deny passages in outbox_passages; a v2 backlog is moved there
    with its age, alerts and checks stay in the outbox, and every row still goes out."""
    from edge.store_schema import MIGRATIONS

    path = str(tmp_path / "v2.db")
    conn = sqlite3.connect(path, isolation_level=None)
    conn.executescript(MIGRATIONS[0] + ";" + MIGRATIONS[1] + "; CREATE TABLE schema_version (version INTEGER);"
                       " INSERT INTO schema_version VALUES (2);")
    for seq, verdict in ((1, "pass"), (2, "fever"), (3, "deny"), (4, "pass")):
        conn.execute("INSERT INTO passages (seq, boot_id, wall, wall_iso, day, mono, clock_ok, verdict, reasons,"
                     " record) VALUES (?, 'b', 1, '', '', 1, 1, ?, '[]', ?)", (seq, verdict, f'{{"seq":{seq}}}'))
    conn.executemany("INSERT INTO outbox (seq, kind, created, payload) VALUES (?, ?, ?, ?)",
                     [(1, "record", 101.0, None), (2, "alert", 102.0, None), (2, "record", 103.0, '{"check":1}'),
                      (3, "record", 104.0, None), (4, "record", 105.0, None)])
    conn.close()
    store = Store(path, DeviceSettings(id="g1")).open()
    try:
        db = sqlite3.connect(path)
        assert db.execute("SELECT seq, created FROM outbox_passages").fetchall() == [(1, 101.0), (3, 104.0), (4, 105.0)]
        assert db.execute("SELECT seq, kind FROM outbox ORDER BY id").fetchall() == [(2, "alert"), (2, "record")]
        assert store.backlog(now=110.0) == {"count": 5, "oldest_age_s": 9.0, "oldest_seq": 1}
        box = Outbox(path)
        batch = box.fetch_batch("passage", 0, 10, 1 << 20)
        assert batch is not None and batch.joined == b'{"seq":1},{"seq":3},{"seq":4}'
        assert box.fetch("check", 10) == [(3, 2, '{"check":1}')] and box.fetch("alert", 10)[0][1] == 2
    finally:
        store.close()


def test_acknowledged_range_deletes_that_batch_and_nothing_newer(store):
    seqs = [store.record_passage(make_record(i)) for i in range(5)]
    fever = store.record_passage(make_record(5, Verdict.FEVER))
    store.add_secondary_check(seqs[1], 37.0, "manual")
    box = Outbox(store.path)
    batch = box.fetch_batch("passage", 0, 3, 1 << 20)
    assert batch is not None and (batch.first_seq, batch.last_seq) == (seqs[0], seqs[2])
    newer = store.record_passage(make_record(6))  # queued while the batch is in flight
    box.delete_ranges([("passage", batch.first_id, batch.last_id)])
    assert [r[1] for r in box.fetch("passage", 10)] == seqs[3:] + [newer]
    assert [r[1] for r in box.fetch("alert", 10)] == [fever] and [r[1] for r in box.fetch("check", 10)] == [seqs[1]]


def test_backlog_age_and_seq_are_of_the_row_queued_first_in_either_table(store):
    """A check on an old passage is queued after newer passages: the oldest unsent row is the
    one that has waited longest, not the lowest seq, and its age and seq belong together."""
    old, newer, fever = (store.record_passage(make_record(i, v)) for i, v in
                         enumerate((Verdict.PASS, Verdict.PASS, Verdict.FEVER)))
    store.conn.execute("DELETE FROM outbox_passages WHERE seq = ?", (old,))  # sent long ago
    store.conn.execute("UPDATE outbox_passages SET created = 1000.0 WHERE seq = ?", (newer,))
    store.conn.execute("UPDATE outbox SET created = 1005.0 WHERE seq = ?", (fever,))
    store.add_secondary_check(old, 37.0, "manual")
    store.conn.execute("UPDATE outbox SET created = 1010.0 WHERE seq = ? AND kind = 'record'", (old,))
    assert store.backlog(now=1030.0) == {"count": 3, "oldest_age_s": 30.0, "oldest_seq": newer}
    store.conn.execute("DELETE FROM outbox_passages")
    assert store.backlog(now=1030.0) == {"count": 2, "oldest_age_s": 25.0, "oldest_seq": fever}


def test_batch_bytes_are_counted_exactly_for_non_ascii_text(store):
    """The batch limit is in bytes on the wire: UTF-8 text that is not ASCII counts its bytes,
    not its characters, whichever way the batch is read."""
    seqs = [store.record_passage(make_record(i)) for i in range(3)]
    store.conn.execute("UPDATE passages SET record='{\"name\":\"\u00e9\u00e9\"}' WHERE seq IN (?,?,?)", seqs)
    box = Outbox(store.path)
    text = box.fetch("passage", 1)[0][2]
    size = len(text.encode("utf-8")) + 1  # 15 bytes and a comma; 13 characters
    assert len(text) == size - 3
    two = box.fetch_batch("passage", 0, 3, 2 * size)
    assert two is not None and two.count == 2
    one = box.fetch_batch("passage", 0, 3, 2 * size - 1)  # fits by characters, not by bytes
    assert one is not None and one.count == 1
    assert one.joined == text.encode("utf-8") and json.loads(one.joined) == {"name": "\u00e9\u00e9"}


def test_a_fault_passage_is_an_alert_ahead_of_the_backlog(tmp_path):
    store = Store(str(tmp_path / "g.db"), DeviceSettings(id="g1", site="s1")).open()
    try:
        store.record_passage(make_record(0))
        fault = store.record_passage(make_record(1, Verdict.FAULT))
        box = Outbox(store.path)
        assert [r[1] for r in box.fetch("alert", 10)] == [fault]
        assert fault not in [r[1] for r in box.fetch("passage", 10)]
        box.close()
    finally:
        store.close()


def test_the_card_hash_that_leaves_the_device_is_keyed(tmp_path):
    """An unkeyed hash of a 10-digit card number is reversed by trying every number."""
    import hashlib

    hashes = []
    for key in (b"\x01" * 32, b"\x02" * 32):
        store = Store(str(tmp_path / f"{key[0]}.db"), DeviceSettings(id="g1", site="s1"), card_key=key).open()
        try:
            store.record_passage(make_record(0, Verdict.DENY, card="0006762840", person_id=None))
            box = Outbox(store.path)
            hashes.append(json.loads(box.fetch("passage", 1)[0][2])["card_hash"])
            box.close()
        finally:
            store.close()
    assert hashes[0] != hashes[1]
    assert not any(hashlib.sha256(b"0006762840").hexdigest().startswith(h[:16]) for h in hashes)


def test_a_failing_outbox_insert_leaves_no_passage(tmp_path):
    """The passage and its outbox row commit together or not at all."""
    store = Store(str(tmp_path / "g.db"), DeviceSettings(id="g1", site="s1")).open()
    try:
        store.conn.execute("CREATE TRIGGER no_outbox BEFORE INSERT ON outbox_passages "
                           "BEGIN SELECT RAISE(ABORT, 'outbox full'); END")
        with pytest.raises(sqlite3.DatabaseError):
            store.record_passage(make_record(0))
        assert store.conn.execute("SELECT COUNT(*) FROM passages").fetchone()[0] == 0
    finally:
        store.close()


def _at(i: int, wall: float, verdict: Verdict = Verdict.PASS, clock_ok: bool = True):
    return dataclasses.replace(make_record(i, verdict), wall=wall, clock_ok=clock_ok)


def test_a_new_database_numbers_its_passages_from_the_first_one_s_wall_time(store):
    wall = 1_796_000_000.7  # 2026-11-30 (a set clock)
    first = store.record_passage(_at(0, wall))
    assert first == 17_960_000_001 and store.record_passage(_at(1, wall + 60)) == first + 1
    assert store.passage(first)["id"] == f"g1:{first}"


def test_a_replaced_database_numbers_above_every_passage_of_the_one_it_replaces(tmp_path):
    """A gate's damaged database is moved aside after a morning rush (five passages a second,
    faster than a lane decides) and a new one started a minute later: the school's collector
    takes every passage of both into its tables, none into conflicts."""
    from edge.sync.collector_db import CollectorDB

    dev = DeviceSettings(id="g1", site="s1")
    start = 1_796_000_000.0
    old = Store(str(tmp_path / "old.db"), dev).open()
    old.record_passages([_at(i, start + i / 5, Verdict.FEVER if i % 50 == 0 else Verdict.PASS) for i in range(1800)])
    new = Store(str(tmp_path / "new.db"), dev).open()
    new.record_passages([_at(i, start + 420 + i) for i in range(10)])
    collector = CollectorDB(str(tmp_path / "c.db"))
    for store in (old, new):
        records = [json.loads(r[0]) for r in store.conn.execute("SELECT record FROM passages ORDER BY seq")]
        assert len(collector.ingest(records, alert=False).new) == len(records)
        store.close()
    assert collector.conflicts == 0 and collector.count() == 1810
    assert collector.conn.execute("SELECT SUM(passages) FROM ledger").fetchone()[0] == 1810


def test_a_database_started_without_a_set_clock_numbers_from_a_random_start_apart_from_any_other(tmp_path, caplog):
    """A Pi with no clock source yet, its database replaced: clashes with neither the old
    database's numbers (clock-based or, made by an older version, from 1) nor another such one."""
    import logging

    caplog.set_level(logging.INFO, logger="edge.store")
    dev = DeviceSettings(id="g1", site="s1")
    starts = []
    for name in ("a.db", "b.db"):
        store = Store(str(tmp_path / name), dev).open()
        first = store.record_passage(_at(0, 86_400.0, clock_ok=False))
        assert store.record_passage(_at(1, 1_796_000_000.0)) == first + 1  # the series stays once it began
        assert f"first passage of {store.path} made while the wall clock is not set: numbered from a random" \
               f" start, {first}" in caplog.messages
        store.close()
        starts.append(first)
    assert all(2**52 < first < 2**53 - 2**32 for first in starts) and starts[0] != starts[1]


@pytest.mark.parametrize("size", [1, 3])
def test_a_first_write_that_failed_to_commit_does_not_leave_the_database_numbered_from_1(store, size):
    store.conn.execute("CREATE TRIGGER no_outbox BEFORE INSERT ON outbox_passages WHEN"
                       f" (SELECT COUNT(*) FROM passages) >= {size} BEGIN SELECT RAISE(ABORT, 'disk full'); END")
    with pytest.raises(sqlite3.DatabaseError):  # (the last record of the transaction fails)
        store.record_passages([_at(i, 1_796_000_000.0 + i) for i in range(size)])
    store.conn.execute("DROP TRIGGER no_outbox")
    assert store.record_passage(_at(1, 1_796_000_100.0)) == 17_960_001_001
