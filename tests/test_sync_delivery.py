from __future__ import annotations

import json

from sync_producer import make_record
from sync_support import (
    collector_seqs,
    filled_store,
    gate_config,
    missing,
    started_collector,
    stored_seqs,
    wait_for,
)

from edge.sync.service import SyncService
from edge.verdict import Verdict


def test_offline_then_online_delivers_each_record_once(mosquitto_factory, tmp_path):
    broker = mosquitto_factory()
    # The collector's persistent session exists before the gate goes offline (as at a school).
    started_collector(broker.url, tmp_path / "c.db").stop()
    broker.stop()  # clean stop: the session is saved to the persistence file
    cfg = gate_config(broker.port)
    store = filled_store(tmp_path / "gate.db", cfg, 5000)
    expected = stored_seqs(store)
    sync = SyncService(cfg, store.path)
    sync.start()
    try:
        wait_for(lambda: sync.counters["connect_failures"] >= 2, 10, "failed connection attempts")
        assert store.backlog()["count"] == 5000 and not sync.connected.is_set()
        broker.start()
        wait_for(lambda: store.backlog()["count"] == 0, 30, "outbox drained")
        collector = started_collector(broker.url, tmp_path / "c.db")
        wait_for(lambda: len(collector_seqs(collector)) == 5000, 30, "5000 records at the collector")
        seqs = collector_seqs(collector)
        assert seqs == expected
        row = collector.db.conn.execute("SELECT record FROM passages WHERE seq=?", (seqs[16],)).fetchone()[0]
        assert json.loads(row)["id"] == f"g1:{seqs[16]}"
        collector.stop()
    finally:
        sync.stop()
        store.close()


def test_broker_killed_mid_drain_loses_nothing(mosquitto_factory, tmp_path):
    # The broker is terminated (SIGTERM: it saves its persistence file) and restarted while the
    # gate drains. A SIGKILLed Mosquitto can lose messages it acknowledged but had not saved yet
    # (it PUBACKs before it writes to disk); no client-side logic can recover those.
    broker = mosquitto_factory("autosave_on_changes true\nautosave_interval 100\n")
    collector = started_collector(broker.url, tmp_path / "c.db")
    cfg = gate_config(broker.port, batch_records=50)
    store = filled_store(tmp_path / "gate.db", cfg, 20000)
    expected = stored_seqs(store)
    sync = SyncService(cfg, store.path)
    sync.start()
    try:
        wait_for(lambda: sync.counters["acked_records"] >= 1000, 20, "drain under way")
        broker.restart(kill=False)
        assert store.backlog()["count"] > 0
        wait_for(lambda: store.backlog()["count"] == 0, 60, "outbox drained after restart")
        wait_for(lambda: len(collector_seqs(collector)) == 20000, 20, "all records", required=False)
        assert collector_seqs(collector) == expected, missing(collector_seqs(collector), expected)
        assert sync.counters["connects"] >= 2
    finally:
        sync.stop()
        collector.stop()
        store.close()


def test_alert_overtakes_backlog(mosquitto, tmp_path):
    collector = started_collector(mosquitto.url, tmp_path / "c.db")
    cfg = gate_config(mosquitto.port)
    store = filled_store(tmp_path / "gate.db", cfg, 50000)
    sync = SyncService(cfg, store.path)
    sync.start()
    try:
        wait_for(lambda: sync.counters["acked_records"] > 0, 20, "drain started")
        fever = store.record_passage(make_record(0, Verdict.FEVER))
        wait_for(lambda: any(a["seq"] == fever for a in collector.alerts_seen), 20, "the alert")
        backlog_at_alert = len(collector_seqs(collector))
        assert backlog_at_alert < 50000, "the alert arrived only after the whole backlog"
        wait_for(lambda: len(collector_seqs(collector)) == 50001, 60, "the rest of the backlog")
        alert_row = collector.db.conn.execute("SELECT alert, verdict FROM passages WHERE seq=?", (fever,)).fetchone()
        assert alert_row == (1, "fever")
    finally:
        sync.stop()
        collector.stop()
        store.close()


def test_status_and_health_retained(mosquitto, tmp_path):
    import paho.mqtt.client as mqtt

    cfg = gate_config(mosquitto.port)
    store = filled_store(tmp_path / "gate.db", cfg, 3)
    seen = {}
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    client.on_message = lambda c, u, m: seen.__setitem__(m.topic.rsplit("/", 1)[1], m.payload)
    client.connect("127.0.0.1", mosquitto.port)
    client.subscribe("gate-edge/s1/g1/#", 1)  # the passages too: a broker with no subscriber passes them on to no one
    client.loop_start()
    sync = SyncService(cfg, store.path, lambda: {"thermal": "ok"})
    sync.start()
    try:
        wait_for(lambda: store.backlog()["count"] == 0, 10, "drain")
        wait_for(lambda: seen.get("status") == b"online" and json.loads(seen.get("health", b'{"backlog":1}'))["backlog"] == 0,
                 10, "status online and health with an empty backlog")
        health = json.loads(seen["health"])
        assert health["backlog"] == 0 and health["status"] == {"thermal": "ok"} and health["software"]
        sync.stop()
        wait_for(lambda: seen.get("status") == b"stopped", 10, "stopped status")
    finally:
        client.disconnect()
        client.loop_stop()
        store.close()


def test_secondary_check_delivered(mosquitto, tmp_path):
    collector = started_collector(mosquitto.url, tmp_path / "c.db")
    cfg = gate_config(mosquitto.port, protocol="3.1.1")
    store = filled_store(tmp_path / "gate.db", cfg, 1, Verdict.FEVER)
    store.add_secondary_check(stored_seqs(store)[0], 36.9, "manual")
    sync = SyncService(cfg, store.path)
    sync.start()
    try:
        wait_for(lambda: collector.db.conn.execute("SELECT COUNT(*) FROM secondary_checks").fetchone()[0] == 1,
                 10, "the check")
        wait_for(lambda: store.backlog()["count"] == 0, 10, "empty outbox")
        assert collector.db.conn.execute("SELECT value_c FROM secondary_checks").fetchone()[0] == 36.9
        assert collector.db.conn.execute("SELECT fevers FROM ledger WHERE person_id='P1'").fetchone()[0] == 1
    finally:
        sync.stop()
        collector.stop()
        store.close()


def test_health_command_publishes_health_now_and_others_are_rejected(mosquitto, tmp_path):
    import paho.mqtt.client as mqtt

    cfg = gate_config(mosquitto.port, health_interval_s=3600.0)  # no periodic health during the test
    store = filled_store(tmp_path / "gate.db", cfg, 1)
    healths = []
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    client.on_message = (lambda c, u, m: healths.append(json.loads(m.payload))
                         if m.topic.endswith("/health") and not m.retain else None)
    client.connect("127.0.0.1", mosquitto.port)
    client.subscribe([("gate-edge/s1/g1/health", 1), ("gate-edge/s1/g1/passages", 1)])
    client.loop_start()
    sync = SyncService(cfg, store.path, dict)
    sync.start()
    try:
        wait_for(lambda: sync.connected.is_set() and store.backlog()["count"] == 0, 10, "connected and drained")
        wait_for(lambda: bool(healths), 10, "the health sent on connect")
        healths.clear()
        client.publish("gate-edge/s1/g1/cmd", b'{"cmd": "reboot"}', qos=1)
        client.publish("gate-edge/s1/g1/cmd", b"\xff not json", qos=1)
        wait_for(lambda: sync.counters["commands_rejected"] == 2, 10, "two commands rejected")
        assert healths == []  # a rejected command publishes nothing
        client.publish("gate-edge/s1/g1/cmd", b'{"cmd": "health"}', qos=1)
        wait_for(lambda: any(h["sync"]["commands"] == 1 for h in healths), 10, "health after the command")
        assert healths[-1]["sync"]["commands_rejected"] == 2
    finally:
        client.disconnect()
        client.loop_stop()
        sync.stop()
        store.close()
