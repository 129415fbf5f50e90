from __future__ import annotations

import json
import shutil
import subprocess
import time
from pathlib import Path

import paho.mqtt.client as mqtt
from sync_support import wait_for

from edge.sync.collector import Collector

CONF_DIR = Path(__file__).resolve().parent.parent / "config" / "mosquitto"


def site_conf_for_test(tmp_path: Path) -> str:
    """The shipped site.conf with its /etc and /var paths moved into tmp_path; TLS listener dropped
    (the fixture adds a plain loopback listener; TLS has its own test)."""
    subprocess.run(["mosquitto_passwd", "-b", "-c", str(tmp_path / "passwd"), "gate-main-1", "pw-gate"],
                   check=True, timeout=30)
    for user, password in (("collector-office", "pw-coll"), ("roster-admin", "pw-admin")):
        subprocess.run(["mosquitto_passwd", "-b", str(tmp_path / "passwd"), user, password], check=True, timeout=30)
    shutil.copy(CONF_DIR / "acl.example", tmp_path / "acl")
    out = []
    for line in (CONF_DIR / "site.conf").read_text().splitlines():
        key = line.split(" ", 1)[0]
        if key in ("listener", "cafile", "certfile", "keyfile", "persistence_location", "per_listener_settings"):
            continue
        out.append(line.replace("/etc/mosquitto/gate-edge.passwd", str(tmp_path / "passwd"))
                   .replace("/etc/mosquitto/gate-edge.acl", str(tmp_path / "acl")))
    return "\n".join(out) + "\n"


def client(port: int, user: str, pw: str, received: list) -> mqtt.Client:
    c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=user, protocol=mqtt.MQTTv5)
    c.username_pw_set(user, pw)
    c.on_message = lambda cl, u, m: received.append(m.topic)
    c.connect("127.0.0.1", port)
    c.loop_start()
    wait_for(c.is_connected, 10, f"{user} connected")
    return c


def test_site_conf_no_drop_and_acl(mosquitto_factory, tmp_path):
    broker = mosquitto_factory(site_conf_for_test(tmp_path))
    db = str(tmp_path / "c.db")
    coll = Collector(broker.url, db, client_id="collector-office", username="collector-office", password="pw-coll")
    coll.start()
    wait_for(coll.subscribed.is_set, 10, "collector subscribed")
    coll.stop()  # the collector goes away; its persistent session stays
    gate = client(broker.port, "gate-main-1", "pw-gate", [])
    try:
        # More messages than Mosquitto's default max_queued_messages (1000) would keep.
        infos = [gate.publish("gate-edge/demo-school/gate-main-1/passages",
                              json.dumps({"device": "gate-main-1", "seq": i}).encode(), qos=1) for i in range(1, 1501)]
        spoof = gate.publish("gate-edge/demo-school/gate-other/passages",
                             json.dumps({"device": "gate-other", "seq": 1}).encode(), qos=1)
        wait_for(lambda: spoof.is_published() and all(i.is_published() for i in infos), 20, "PUBACKs")
    finally:
        gate.loop_stop()
        gate.disconnect()
    # A gate's credentials asking for the collector's client id: the broker gives it its
    # own (use_username_as_clientid), so the collector's queued session is not taken over.
    thief = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="collector-office", protocol=mqtt.MQTTv5)
    thief.username_pw_set("gate-main-1", "pw-gate")
    thief.connect("127.0.0.1", broker.port, clean_start=False)
    thief.loop_start()
    wait_for(thief.is_connected, 10, "the gate's credentials connected")
    thief.subscribe("gate-edge/+/+/passages", 1)
    time.sleep(0.5)
    thief.loop_stop()
    thief.disconnect()
    coll = Collector(broker.url, db, client_id="collector-office", username="collector-office", password="pw-coll")
    coll.start()
    try:
        wait_for(lambda: coll.db.count() >= 1500, 20, "all 1500 queued messages", required=False)
        devices = dict(coll.db.conn.execute("SELECT device, COUNT(*) FROM passages GROUP BY device").fetchall())
        assert devices == {"gate-main-1": 1500}  # nothing dropped, the spoofed topic refused by the ACL
    finally:
        coll.stop()


def test_the_office_publishes_a_roster_through_the_shipped_broker_config(mosquitto_factory, tmp_path):
    """`gate-edge roster publish` logs in as roster-admin (site.conf + acl.example); the
    gate's user reads the retained roster. Without a login the broker refuses it."""
    import sys

    root = CONF_DIR.parent.parent
    broker = mosquitto_factory(site_conf_for_test(tmp_path))
    (tmp_path / "key").write_text("11" * 32 + "\n")
    (tmp_path / "admin-password").write_text("pw-admin\n")
    publish = [sys.executable, "-m", "edge", "roster", "publish", str(root / "config" / "roster.demo.csv"),
               "--broker", broker.url, "--key", str(tmp_path / "key"), "--site", "demo-school"]
    refused = subprocess.run(publish, cwd=root, capture_output=True, text=True, timeout=60)
    assert refused.returncode == 1 and "Not authorized" in refused.stderr
    done = subprocess.run(publish + ["--username", "roster-admin", "--password-file", str(tmp_path / "admin-password")],
                          cwd=root, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    received: list = []
    gate = client(broker.port, "gate-main-1", "pw-gate", received)
    try:
        gate.subscribe("gate-edge/demo-school/roster", 1)
        wait_for(lambda: received == ["gate-edge/demo-school/roster"], 10, "the retained roster at the gate")
    finally:
        gate.loop_stop()
        gate.disconnect()
