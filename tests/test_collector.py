from __future__ import annotations

import json
import os
import signal
import sqlite3
import stat
import subprocess
import sys

import pytest
from sync_support import collector_seqs, filled_store, gate_config, started_collector, stored_seqs, wait_for

from edge.sync import collector as collector_module
from edge.sync.collector_db import CollectorDB
from edge.sync.service import SyncService


def test_dedup_and_ledger_in_one_transaction(tmp_path):
    db = CollectorDB(str(tmp_path / "c.db"))
    rec = {"device": "g1", "seq": 1, "wall": "2026-03-02T07:40:00.000+08:00", "verdict": "fever", "person_id": "P1"}
    assert len(db.ingest([rec, dict(rec, seq=2, verdict="pass")], alert=False).new) == 2
    assert db.ingest([rec], alert=True) == ([], [])  # a resend changes nothing, the ledger included
    assert len(db.ingest([dict(rec, device="g2")], alert=False).new) == 1  # same seq, other gate: a new record
    ledger = db.conn.execute("SELECT person_id, day, passages, fevers FROM ledger").fetchall()
    assert ledger == [("P1", "2026-03-02", 3, 2)]
    assert db.duplicates == 1 and db.count() == 3
    # Temperatures and a per-person ledger: readable by the collector's user only, WAL included.
    for name in ("c.db", "c.db-wal", "c.db-shm"):
        assert stat.S_IMODE(os.stat(tmp_path / name).st_mode) == 0o600, name


def test_a_passage_number_used_again_by_a_replaced_gate_database_is_kept_not_dropped(tmp_path):
    """A gate's damaged database was moved aside and an older copy put back, or both numbered
    from 1 (made by an older version): same (device, seq), other passage. Not a resend, so
    never dropped as a duplicate."""
    db = CollectorDB(str(tmp_path / "c.db"))
    old = {"device": "g1", "seq": 1, "boot": "b1", "wall": "2026-03-02T07:40:00.000+08:00", "verdict": "pass",
           "person_id": "P-old"}
    new = dict(old, boot="b2", wall="2026-03-09T07:41:00.000+08:00", person_id="P-new")
    assert len(db.ingest([old], alert=False).new) == 1
    assert db.ingest([old], alert=False) == ([], [])  # a resend: a duplicate
    assert db.ingest([new], alert=True) == ([], [new])
    assert db.ingest([new], alert=True) == ([], [])  # (and its own resend)
    # A clinical reading of the new database under a (device, seq, check) the old one used.
    check = {"device": "g1", "seq": 1, "check": 1, "type": "secondary_check", "value_c": 36.6, "source": "keypad",
             "wall": "2026-03-02T07:45:00.000+08:00"}
    assert len(db.ingest([check], alert=False).new) == 1 and db.ingest([check], alert=False) == ([], [])
    later = dict(check, value_c=38.9, wall="2026-03-09T07:46:00.000+08:00")
    assert db.ingest([later], alert=False) == ([], [later])
    assert db.duplicates == 3 and db.conflicts == 2
    kept = db.conn.execute("SELECT device, seq, alert, record FROM conflicts ORDER BY id").fetchall()
    assert [(d, s, a, json.loads(r).get("person_id") or json.loads(r)["value_c"]) for d, s, a, r in kept] == [
        ("g1", 1, 1, "P-new"), ("g1", 1, 0, 38.9)]
    # The new passage's first reading: no clash on (device, seq, check 2), but it names its
    # passage's time, which is not the stored passage's: never attached to P-old.
    of_new = dict(check, check=2, value_c=38.6, passage_wall=new["wall"])
    assert db.ingest([of_new], alert=False) == ([], [of_new])
    of_old = dict(check, check=3, value_c=36.7, passage_wall=old["wall"])
    assert len(db.ingest([of_old], alert=False).new) == 1
    readings = db.conn.execute("SELECT check_id, value_c FROM secondary_checks ORDER BY check_id").fetchall()
    assert readings == [(1, 36.6), (3, 36.7)]


def test_a_fever_alert_under_a_used_passage_number_is_still_raised(mosquitto, tmp_path, caplog):
    """A gate database replaced by an older copy: its first fevers clash with old seqs. Kept in
    conflicts, and the office still hears of them."""
    import logging

    import paho.mqtt.client as mqtt

    caplog.set_level(logging.WARNING, logger="edge.sync.collector")
    collector = started_collector(mosquitto.url, tmp_path / "c.db")
    pub = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    pub.connect("127.0.0.1", mosquitto.port)
    pub.loop_start()
    try:
        old = {"device": "g1", "seq": 7, "boot": "b1", "wall": "2026-03-02T07:40:00.000+08:00", "verdict": "pass"}
        fever = dict(old, boot="b2", wall="2026-03-09T07:41:00.000+08:00", verdict="fever")
        pub.publish("gate-edge/s1/g1/passages", json.dumps(old).encode(), qos=1).wait_for_publish(5)
        wait_for(lambda: collector_seqs(collector) == [7], 10, "the old passage")
        pub.publish("gate-edge/s1/g1/alerts", json.dumps(fever).encode(), qos=1).wait_for_publish(5)
        wait_for(lambda: len(collector.alerts_seen) == 1, 10, "the fever alert")
        assert collector.db.conflicts == 1
        assert "FEVER alert from gate g1 at 2026-03-09T07:41:00.000+08:00 (passage g1:7, in the conflicts table)" \
            in caplog.text
    finally:
        pub.loop_stop()
        pub.disconnect()
        collector.stop()


def test_a_message_that_fails_in_an_unforeseen_way_is_kept_aside(mosquitto, tmp_path):
    import paho.mqtt.client as mqtt

    collector = started_collector(mosquitto.url, tmp_path / "c.db")
    real_ingest = collector.db.ingest

    def ingest(records, alert, topic=""):
        if records[0]["seq"] == 1:
            raise ValueError("a bug in the collector")
        return real_ingest(records, alert, topic)

    collector.db.ingest = ingest  # type: ignore[method-assign]
    pub = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    pub.connect("127.0.0.1", mosquitto.port)
    pub.loop_start()
    try:
        for seq in (1, 2):
            record = {"device": "g1", "seq": seq, "wall": "2026-03-02T07:40:00.000+08:00", "verdict": "pass"}
            pub.publish("gate-edge/s1/g1/passages", json.dumps(record).encode(), qos=1).wait_for_publish(5)
        wait_for(lambda: collector_seqs(collector) == [2], 10, "the next message stored")
        kept = collector.db.conn.execute("SELECT reason, payload FROM malformed").fetchall()
        assert [(reason, json.loads(payload)["seq"]) for reason, payload in kept] == [
            ("cannot be stored: ValueError: a bug in the collector", 1)]
    finally:
        pub.loop_stop()
        pub.disconnect()
        collector.stop()


def test_a_collector_started_again_without_a_client_id_finds_what_the_broker_kept_for_it(mosquitto, tmp_path):
    """As the README starts it (no --client-id): the records the gate sent while it was
    stopped wait in its session and arrive after the restart."""
    from edge.sync.collector import Collector, default_client_id

    db = tmp_path / "school.db"
    assert default_client_id(str(db), None) == default_client_id(str(tmp_path / "." / "school.db"), None)
    assert default_client_id(str(db), None) != default_client_id(str(tmp_path / "other.db"), None)
    assert default_client_id(str(db), "office").startswith("collector-office-")
    first = Collector(mosquitto.url, str(db))
    first.start()
    wait_for(first.subscribed.is_set, 10, "collector subscription")
    first.stop()  # the school server shuts down for the night
    cfg = gate_config(mosquitto.port)
    store = filled_store(tmp_path / "gate.db", cfg, 100)
    expected = stored_seqs(store)
    sync = SyncService(cfg, store.path)
    sync.start()
    try:
        wait_for(lambda: store.backlog()["count"] == 0, 20, "the gate's backlog handed to the broker")
    finally:
        sync.stop()
        store.close()
    again = Collector(mosquitto.url, str(db))
    again.start()
    try:
        wait_for(lambda: collector_seqs(again) == expected, 20, "every record after the restart")
    finally:
        again.stop()


def test_the_collector_waits_for_a_broker_that_is_not_up_yet(mosquitto_factory, tmp_path, monkeypatch):
    """The school server starts its collector before the broker: it keeps trying."""
    from edge.sync.collector import Collector

    monkeypatch.setattr(Collector, "RECONNECT_S", (0.1, 0.5))
    broker = mosquitto_factory(start=False)
    collector = Collector(broker.url, str(tmp_path / "school.db"))
    collector.start()
    try:
        assert not collector.subscribed.wait(0.5)
        broker.start()
        wait_for(collector.subscribed.is_set, 20, "subscribed once the broker is up")
    finally:
        collector.stop()


def test_the_ledger_counts_people_not_placeholders_and_tells_retries_apart(tmp_path):
    """Passages per person per day, as the school reads them: retries and faults in their own
    columns; passages with no one to count them for (two guard-key visitors, two people on a
    lane without cards) not merged into one made-up person; an unsynchronized date (a Pi on
    1970) filed under the day the record arrived."""
    import datetime

    db = CollectorDB(str(tmp_path / "c.db"))
    base = {"device": "g1", "wall": "2026-03-02T07:40:00.000+08:00", "clock_ok": True}
    records = [dict(base, seq=1, verdict="retry", person_id="P1"), dict(base, seq=2, verdict="retry", person_id="P1"),
               dict(base, seq=3, verdict="pass", person_id="P1"), dict(base, seq=4, verdict="fault", person_id="P1"),
               dict(base, seq=5, verdict="pass", person_id=None),  # no card on a temperature-only lane
               dict(base, seq=6, verdict="pass", person_id=None),
               dict(base, seq=7, verdict="pass", person_id=None, card_hash="ab12", card_masked="110101******1234"),
               dict(base, seq=8, verdict="pass", person_id="P2", clock_ok=False,
                    wall="1970-01-04T02:00:00.000+08:00")]
    assert len(db.ingest(records, alert=False).new) == 8
    ledger = db.conn.execute("SELECT person_id, day, passages, retries, faults FROM ledger ORDER BY person_id")
    today = datetime.datetime.now(datetime.timezone(datetime.timedelta(hours=8))).date().isoformat()
    expected = [("P1", "2026-03-02", 4, 2, 1), ("P2", today, 1, 0, 0), ("card:ab12", "2026-03-02", 1, 0, 0)]
    assert ledger.fetchall() == expected
    assert db.count() == 8  # every passage is kept, whoever it was
    # last_wall: an unsynchronized date says nothing of when the person came.
    assert db.conn.execute("SELECT last_wall FROM ledger WHERE person_id='P2'").fetchone() == (None,)
    # A collector database from before retries and faults were counted: its ledger (old
    # rules: a 'card:none' person, retries as passages) is made again on opening.
    def reopened_under_old_rules(db: CollectorDB) -> CollectorDB:
        db.conn.execute("PRAGMA user_version = 0")
        db.close()
        return CollectorDB(str(tmp_path / "c.db"))

    db.conn.execute("ALTER TABLE ledger DROP COLUMN retries")
    db.conn.execute("ALTER TABLE ledger DROP COLUMN faults")
    db.conn.execute("INSERT INTO ledger VALUES ('card:none', '2026-03-02', 2, 0, 0, NULL)")
    db = reopened_under_old_rules(db)
    rebuilt = db.conn.execute("SELECT person_id, day, passages, retries, faults FROM ledger ORDER BY person_id")
    assert rebuilt.fetchall() == expected
    # One opened by a version that added the columns without rebuilding: rebuilt as well.
    db.conn.execute("UPDATE ledger SET retries = 0, faults = 0")
    db.conn.execute("INSERT INTO ledger VALUES ('card:none', '2026-03-02', 2, 0, 0, NULL, 0, 0)")
    db = reopened_under_old_rules(db)
    rebuilt = db.conn.execute("SELECT person_id, day, passages, retries, faults FROM ledger ORDER BY person_id")
    assert rebuilt.fetchall() == expected
    assert db.conn.execute("SELECT last_wall FROM ledger WHERE person_id='P2'").fetchone() == (None,)


def test_the_ledger_rebuild_gives_what_ingest_gives_for_odd_records(tmp_path):
    """The same Python rules decide in both: a stored record holding NaN (Python's JSON takes
    it, SQLite's json_extract does not: the collector could not open its database), a
    person id 0, a masked card that is false, clock_ok null."""
    db = CollectorDB(str(tmp_path / "c.db"))
    base = {"device": "g1", "wall": "2026-03-02T07:40:00.000+08:00", "verdict": "pass"}
    odd = [dict(base, seq=1, person_id="P1", body_c=float("nan")), dict(base, seq=2, person_id=0),
           dict(base, seq=3, person_id=None, card_hash="h3", card_masked=False),
           dict(base, seq=4, person_id="P4", clock_ok=None)]
    assert len(db.ingest(odd, alert=False).new) == 4
    ingested = db.conn.execute("SELECT * FROM ledger ORDER BY person_id").fetchall()
    db.conn.execute("PRAGMA user_version = 0")
    db.close()
    db = CollectorDB(str(tmp_path / "c.db"))
    assert db.conn.execute("SELECT * FROM ledger ORDER BY person_id").fetchall() == ingested
    assert [row[0] for row in ingested] == ["P1", "P4"]


# The collect subcommand's own register()/run(), in a process of its own (SIGTERM ends it).
RUN_COLLECT = ("import argparse, logging, sys; from edge.commands import collect; p = argparse.ArgumentParser(); "
               "collect.register(p.add_subparsers()); a = p.parse_args(); logging.basicConfig(level=logging.INFO); "
               "sys.exit(a.func(a))")


def count(path) -> int:
    try:
        conn = sqlite3.connect(path)
        try:
            return conn.execute("SELECT COUNT(*) FROM passages").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.OperationalError:
        return 0  # not created yet


def test_collect_command_shared_group_splits_load(mosquitto, tmp_path):
    dbs = [tmp_path / "a.db", tmp_path / "b.db"]
    procs = [subprocess.Popen([sys.executable, "-c", RUN_COLLECT, "collect", "--broker", mosquitto.url, "--db", str(db),
                               "--share", "school", "--client-id", f"c{i}"], stderr=subprocess.PIPE)
             for i, db in enumerate(dbs)]
    try:
        wait_for(lambda: all(db.exists() for db in dbs), 20, "collector databases")
        wait_for(lambda: mosquitto.log_text().count("New client connected") >= 2, 20, "both collectors connected")
        cfg = gate_config(mosquitto.port, batch_records=10)
        store = filled_store(tmp_path / "gate.db", cfg, 2000)
        expected = set(stored_seqs(store))
        sync = SyncService(cfg, store.path)
        sync.start()
        try:
            wait_for(lambda: count(dbs[0]) + count(dbs[1]) >= 2000, 30, "all records split over the group")
        finally:
            sync.stop()
            store.close()
        seqs = [set(r[0] for r in sqlite3.connect(db).execute("SELECT seq FROM passages")) for db in dbs]
        assert seqs[0] | seqs[1] == expected and not seqs[0] & seqs[1]
        assert seqs[0] and seqs[1]  # both members of the group took a share
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)
        for p in procs:
            assert p.wait(15) == 0


def test_every_member_of_a_shared_group_gets_every_alert_even_with_one_member_stopped(mosquitto, tmp_path):
    """Mosquitto goes on handing a stopped member its share of the group's messages (kept in
    its session): passages can wait for it, fever alerts must not."""
    from edge.sync.collector import Collector
    from edge.verdict import Verdict

    members = [Collector(mosquitto.url, str(tmp_path / f"c{i}.db"), share="office") for i in range(2)]
    for member in members:
        member.start()
        wait_for(member.subscribed.is_set, 10, "collector subscription")
    members[1].stop()  # its session stays, with its share
    cfg = gate_config(mosquitto.port)
    store = filled_store(tmp_path / "gate.db", cfg, 10, Verdict.FEVER)
    expected = stored_seqs(store)
    sync = SyncService(cfg, store.path)
    sync.start()
    try:
        wait_for(lambda: collector_seqs(members[0]) == expected, 20, "every fever at the running collector")
    finally:
        sync.stop()
        store.close()
        members[0].stop()


def test_unusable_messages_and_records_are_kept_aside_and_the_collector_goes_on(mosquitto, tmp_path):
    import paho.mqtt.client as mqtt

    collector = started_collector(mosquitto.url, tmp_path / "c.db")
    pub = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    pub.connect("127.0.0.1", mosquitto.port)
    pub.loop_start()
    try:
        good = {"device": "g1", "wall": "2026-03-02T07:40:00.000+08:00", "verdict": "pass", "person_id": "P1"}
        for payload in (b"\xff not json",  # not a message at all
                        json.dumps({"records": [dict(good, seq=1), dict(good, seq="x"),  # seq not an integer
                                                dict(good, seq=2, body_c={"c": 1})]}).encode(),  # a column not scalar
                        json.dumps(dict(good, seq=3)).encode()):  # and a good one after them
            pub.publish("gate-edge/s1/g1/passages", payload, qos=1).wait_for_publish(5)
        # (the counters follow each commit on the collector's thread: wait for them as well)
        wait_for(lambda: collector_seqs(collector) == [1, 3] and collector.db.inserted == 2, 10, "the usable records")
        kept = collector.db.conn.execute("SELECT topic, reason, payload FROM malformed ORDER BY id").fetchall()
        assert [k[1] for k in kept] == ["not a passages or alerts message", "seq is not a 64-bit integer",
                                        "body_c not a string or number"]
        assert kept[0][2] == b"\xff not json" and json.loads(kept[1][2])["seq"] == "x"
        assert collector.db.malformed == 3 and collector.db.inserted == 2
        # Messages that once killed the collector's network thread (and did again after each
        # restart, redelivered to its session): a seq beyond 64 bits, a lone surrogate, JSON
        # nested 100,000 deep. Each is kept aside; the next good record still arrives.
        poison = [b'{"device":"g9","seq":18446744073709551616,"verdict":"pass"}',
                  b'{"device":"g9","seq":1,"verdict":"pass","person_id":"\\ud800"}',
                  b'{"device":"g9","seq":1,"records":' + b"[" * 100000 + b"]" * 100000 + b"}"]
        for payload in poison + [json.dumps(dict(good, seq=4)).encode()]:
            pub.publish("gate-edge/s1/g9/passages", payload, qos=1).wait_for_publish(5)
        wait_for(lambda: collector_seqs(collector) == [1, 3, 4], 10, "the good record after the poison")
        reasons = [r[0] for r in collector.db.conn.execute("SELECT reason FROM malformed WHERE id > 3 ORDER BY id")]
        assert reasons == ["seq is not a 64-bit integer", "person_id not a string or number",
                           "not a passages or alerts message"]
    finally:
        pub.loop_stop()
        pub.disconnect()
        collector.stop()


def test_a_failing_collector_database_keeps_the_message_with_the_broker_and_retries(mosquitto, tmp_path,
                                                                                    monkeypatch):
    import paho.mqtt.client as mqtt

    monkeypatch.setattr(collector_module, "STORE_RETRY_S", 0.2)
    collector = started_collector(mosquitto.url, tmp_path / "c.db")
    collector.db.conn.execute("PRAGMA busy_timeout=50")
    blocker = sqlite3.connect(tmp_path / "c.db", isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")  # another writer holds the database: every insert fails (locked)
    pub = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    pub.connect("127.0.0.1", mosquitto.port)
    pub.loop_start()
    try:
        record = {"device": "g1", "seq": 7, "wall": "2026-03-02T07:40:00.000+08:00", "verdict": "pass"}
        pub.publish("gate-edge/s1/g1/passages", json.dumps(record).encode(), qos=1).wait_for_publish(5)
        wait_for(lambda: collector.store_errors >= 2, 10, "failed attempts to store")
        blocker.execute("ROLLBACK")
        wait_for(lambda: collector_seqs(collector) == [7], 10, "the record stored once the database works")
        assert collector.db.malformed == 0
    finally:
        blocker.close()
        pub.loop_stop()
        pub.disconnect()
        collector.stop()


def test_a_message_not_yet_stored_stays_with_the_broker_for_the_next_session(mosquitto, tmp_path, monkeypatch):
    """Acknowledged only after its transaction: a collector stopped while its database
    failed gets the message again in its next session (not only retried in-process)."""
    import paho.mqtt.client as mqtt

    monkeypatch.setattr(collector_module, "STORE_RETRY_S", 0.2)
    db = tmp_path / "c.db"
    first = started_collector(mosquitto.url, db, client_id="collector-redeliver")
    first.db.conn.execute("PRAGMA busy_timeout=50")
    blocker = sqlite3.connect(db, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    pub = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    pub.connect("127.0.0.1", mosquitto.port)
    pub.loop_start()
    try:
        record = {"device": "g1", "seq": 7, "wall": "2026-03-02T07:40:00.000+08:00", "verdict": "pass"}
        pub.publish("gate-edge/s1/g1/passages", json.dumps(record).encode(), qos=1).wait_for_publish(5)
        wait_for(lambda: first.store_errors >= 1, 10, "a failed attempt to store")
        first.stop()  # gone before it could store the message
        blocker.execute("ROLLBACK")
        second = started_collector(mosquitto.url, db, client_id="collector-redeliver")
        try:
            wait_for(lambda: collector_seqs(second) == [7], 10, "the broker redelivered the unacknowledged message")
        finally:
            second.stop()
    finally:
        blocker.close()
        pub.loop_stop()
        pub.disconnect()


@pytest.mark.parametrize("args,code,message", [
    (["--broker", "bogus://x"], 2, "--broker bogus://x: unsupported broker URL scheme 'bogus'"),
    (["--broker", "mqtt://h:notaport"], 2, "--broker mqtt://h:notaport: "),
    (["--broker", "mqtt://127.0.0.1:9", "--ca", "/nonexistent/ca.crt"], 2, "--ca /nonexistent/ca.crt: cannot read"),
    (["--broker", "mqtt://127.0.0.1:9", "--db", "{tmp}"], 1, "--db names a folder: give it a file name"),
])
def test_collect_with_bad_arguments_says_what_is_wrong(tmp_path, capsys, args, code, message):
    from edge.cli import main

    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    db = [] if "--db" in args else ["--db", str(tmp_path / "c.db")]
    assert main(["collect", *args, *db]) == code
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err

