from __future__ import annotations

import json
import os
import signal
import sqlite3
import stat
import subprocess
import sys

import pytest
from sync_support import collector_seqs, filled_store, gate_config, started_collector, wait_for

from edge.sync import collector as collector_module
from edge.sync.collector import CollectorDB
from edge.sync.service import SyncService


def test_dedup_and_ledger_in_one_transaction(tmp_path):
    db = CollectorDB(str(tmp_path / "c.db"))
    rec = {"device": "g1", "seq": 1, "wall": "2026-03-02T07:40:00.000+08:00", "verdict": "fever", "person_id": "P1"}
    assert db.ingest([rec, dict(rec, seq=2, verdict="pass")], alert=False) == 2
    assert db.ingest([rec], alert=True) == 0  # a resend changes nothing, the ledger included
    assert db.ingest([dict(rec, device="g2")], alert=False) == 1  # same seq, other gate: a new record
    ledger = db.conn.execute("SELECT person_id, day, passages, fevers FROM ledger").fetchall()
    assert ledger == [("P1", "2026-03-02", 3, 2)]
    assert db.duplicates == 1 and db.count() == 3
    # Temperatures and a per-person ledger: readable by the collector's user only, WAL included.
    for name in ("c.db", "c.db-wal", "c.db-shm"):
        assert stat.S_IMODE(os.stat(tmp_path / name).st_mode) == 0o600, name


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
        sync = SyncService(cfg, store.path)
        sync.start()
        try:
            wait_for(lambda: count(dbs[0]) + count(dbs[1]) >= 2000, 30, "all records split over the group")
        finally:
            sync.stop()
            store.close()
        seqs = [set(r[0] for r in sqlite3.connect(db).execute("SELECT seq FROM passages")) for db in dbs]
        assert seqs[0] | seqs[1] == set(range(1, 2001)) and not seqs[0] & seqs[1]
        assert seqs[0] and seqs[1]  # both members of the group took a share
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)
        for p in procs:
            assert p.wait(15) == 0


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
        assert [k[1] for k in kept] == ["not a passages or alerts message", "seq is not an integer",
                                        "body_c not a string or number"]
        assert kept[0][2] == b"\xff not json" and json.loads(kept[1][2])["seq"] == "x"
        assert collector.db.malformed == 3 and collector.db.inserted == 2
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

