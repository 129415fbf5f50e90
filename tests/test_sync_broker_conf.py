from __future__ import annotations

import json
import shutil
import subprocess
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
    subprocess.run(["mosquitto_passwd", "-b", str(tmp_path / "passwd"), "collector", "pw-coll"], check=True, timeout=30)
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
    coll = Collector(broker.url, db, client_id="collector", username="collector", password="pw-coll")
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
    coll = Collector(broker.url, db, client_id="collector", username="collector", password="pw-coll")
    coll.start()
    try:
        wait_for(lambda: coll.db.count() >= 1500, 20, "all 1500 queued messages", required=False)
        devices = dict(coll.db.conn.execute("SELECT device, COUNT(*) FROM passages GROUP BY device").fetchall())
        assert devices == {"gate-main-1": 1500}  # nothing dropped, the spoofed topic refused by the ACL
    finally:
        coll.stop()
