from __future__ import annotations

import json
import logging
import re

import paho.mqtt.client as mqtt
import pytest
from daemon_support import demo_config, running_daemon
from sync_support import filled_store, gate_config, wait_for

from edge import roster_store
from edge.settings.fields import SecretRef
from edge.settings.loader import load_config
from edge.sync.roster_downlink import RosterDownlink
from edge.sync.roster_sign import (
    RosterRejected,
    parse_key,
    publish_roster,
    sign,
    verify,
)
from edge.sync.service import SyncService

KEY = bytes.fromhex("11" * 32)


def snapshot(version: int, site: str = "s1", persons: int = 2) -> dict:
    return {"v": 1, "site": site, "version": version, "persons": [
        {"person_id": f"P{i}", "name": f"Student {i}", "role": "student", "group": "7A", "cards": [f"C{i:04d}"],
         "return_from": None, "exit_approved_until": None, "quarantine_until": None, "health_card": "ok",
         "dormitory": None, "resident": False} for i in range(persons)]}


def test_sign_verify_roundtrip_and_rejections():
    msg = sign(snapshot(5), KEY)
    assert verify(msg, KEY, "s1")["version"] == 5
    env = json.loads(msg)
    tampered = dict(env, payload=env["payload"].replace("Student 1", "Student X"))
    cases = {
        "bad_signature": json.dumps(tampered).encode(),
        "unsigned": json.dumps({"payload": env["payload"]}).encode(),
        "malformed": msg[: len(msg) // 2],
        "wrong_site": sign(snapshot(5, site="other"), KEY),
    }
    no_site = snapshot(5)
    del no_site["site"]
    cases["wrong_site"] = sign(no_site, KEY)  # a snapshot naming no site is not this site's either
    with pytest.raises(RosterRejected, match="wrong_site|other"):
        verify(sign(snapshot(5, site="other"), KEY), KEY, "s1")
    for code, data in cases.items():
        with pytest.raises(RosterRejected) as info:
            verify(data, KEY, "s1")
        assert info.value.code == code
    with pytest.raises(RosterRejected):
        verify(msg, bytes.fromhex("22" * 32), "s1")
    assert parse_key("11" * 32) == KEY and parse_key("a text key") == b"a text key"


@pytest.fixture
def downlink(tmp_path):
    key = tmp_path / "roster.key"
    key.write_text("11" * 32 + "\n")
    cfg = gate_config(0)  # (never connects)
    filled_store(tmp_path / "gate.db", cfg, 0).close()
    return RosterDownlink(SecretRef(file=str(key)), str(tmp_path / "gate.db"), "s1")


def test_downlink_applies_valid_and_keeps_it_against_bad_ones(downlink, caplog):
    assert downlink.handle(sign(snapshot(10), KEY))
    assert roster_store.load(downlink.db_path).version == 10
    env = json.loads(sign(snapshot(11, persons=3), KEY))
    bad = {
        "tampered": json.dumps(dict(env, payload=env["payload"].replace("P2", "P9"))).encode(),
        "unsigned": json.dumps({"payload": env["payload"]}).encode(),
        "older": sign(snapshot(9), KEY),
        "truncated": sign(snapshot(11), KEY)[:-10],
    }
    with caplog.at_level(logging.WARNING):
        for name, data in bad.items():
            assert not downlink.handle(data), name
    stored = roster_store.load(downlink.db_path)
    assert stored.version == 10 and len(stored) == 2
    assert downlink.counters["rejected"] == 4
    assert {"rejected_bad_signature", "rejected_unsigned", "rejected_older", "rejected_malformed"} <= set(downlink.counters)
    assert "roster rejected (older)" in caplog.text and "keeping roster version 10" in caplog.text
    assert not downlink.handle(sign(snapshot(10), KEY))  # retained redelivery: no change, no error
    assert downlink.counters["rejected"] == 4


def test_a_gate_without_a_roster_key_rejects_every_roster_once_as_no_key(tmp_path):
    cfg = gate_config(0)  # (never connects)
    filled_store(tmp_path / "gate.db", cfg, 0).close()
    downlink = RosterDownlink(None, str(tmp_path / "gate.db"), "s1")
    assert not downlink.handle(sign(snapshot(10), KEY))
    assert {k: v for k, v in downlink.counters.items() if v} == {"rejected": 1, "rejected_no_key": 1}
    assert roster_store.current_version(str(tmp_path / "gate.db")) is None


def test_roster_downlink_over_broker(mosquitto, tmp_path):
    key = tmp_path / "roster.key"
    key.write_text("11" * 32 + "\n")
    cfg = gate_config(mosquitto.port, roster_key=SecretRef(file=str(key)), health_interval_s=1.0)
    store = filled_store(tmp_path / "gate.db", cfg, 0)
    publish_roster(snapshot(42, persons=3), mosquitto.url, KEY, "s1", "gate-edge")
    sync = SyncService(cfg, store.path)
    sync.start()
    try:
        wait_for(lambda: sync.roster.version == 42, 10, "roster applied from the retained message")
        assert len(roster_store.load(store.path)) == 3
        publish_roster(snapshot(41), mosquitto.url, KEY, "s1", "gate-edge")
        publish_roster(snapshot(43, persons=1), mosquitto.url, bytes(32), "s1", "gate-edge")  # wrong key
        wait_for(lambda: sync.roster.counters["rejected"] >= 2, 10, "both rejected")
        assert roster_store.load(store.path).version == 42
    finally:
        sync.stop()
        store.close()


def test_a_roster_received_by_the_running_daemon_is_what_its_lane_decides_from(mosquitto, tmp_path):
    """The retained health message carries the lane's own roster version (daemon status)."""
    key = tmp_path / "roster.key"
    key.write_text("11" * 32 + "\n")
    config = demo_config(tmp_path)
    text = re.sub(r"port: \d+", f"port: {mosquitto.port}\n  health_interval_s: 1\n  roster_key: {{file: {key}}}",
                  config.read_text())
    config.write_text(text)
    site = load_config(str(config)).device.site
    healths: list = []
    sub = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    sub.on_message = lambda c, u, m: healths.append(json.loads(m.payload))
    sub.connect("127.0.0.1", mosquitto.port)
    sub.subscribe(f"gate-edge/{site}/+/health", 1)
    sub.loop_start()
    try:
        with running_daemon(config, tmp_path) as proc:
            wait_for(lambda: healths and healths[-1]["status"]["roster_version"] is not None, 30, "first health")
            newer = int(healths[-1]["status"]["roster_version"]) + 1000  # newer than the demo CSV file
            publish_roster(snapshot(newer, site=site, persons=3), mosquitto.url, KEY, site, "gate-edge")
            wait_for(lambda: healths[-1]["status"]["roster_version"] == newer, 20, "the lane on the new roster")
            assert healths[-1]["roster_version"] == newer  # what is stored, the same
        assert proc.returncode == 0, proc.stderr_text
    finally:
        sub.loop_stop()
        sub.disconnect()


def test_hostile_roster_messages_are_rejected_and_the_sync_goes_on(downlink):
    dl = downlink
    assert dl.handle(sign(snapshot(10), KEY))
    hostile = [json.dumps({"alg": "HMAC-SHA256", "payload": "{}", "sig": "\u00e9" * 64}).encode(),  # non-ASCII sig
               b"[" * 200_000 + b"]" * 200_000,  # nested too deep for json
               json.dumps({"alg": "HMAC-SHA256", "payload": "[" * 100_000, "sig": "0" * 64}).encode()]
    for message in hostile:
        assert dl.handle(message) is False
    assert dl.counters["rejected"] == 3 and dl.version == 10


def test_roster_publish_says_so_when_the_broker_refuses_it(mosquitto_factory, tmp_path):
    acl = tmp_path / "acl"
    acl.write_text("topic read #\n")  # nobody may write the roster topic
    broker = mosquitto_factory(f"acl_file {acl}\n")
    with pytest.raises(PermissionError, match="refused the roster"):
        publish_roster(snapshot(5), broker.url, KEY, "s1", "gate-edge")
