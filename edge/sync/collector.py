"""The school-side receiver: passages and alerts from every gate into one SQLite file.

De-duplication on (device, seq) happens in the same transaction as the insert, and the
MQTT acknowledgement is sent only after that transaction committed (paho acks a QoS 1
message when on_message returns), so a crash never loses or doubles a record.
"""
from __future__ import annotations

import json
import logging
import sqlite3
import threading
import uuid
from typing import Any, Dict, List, Optional

import paho.mqtt.client as mqtt
import sqlite_utils
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from edge.sqlite_tx import immediate
from edge.sync import topics
from edge.sync.client import parse_broker_url
from edge.sync.payload import parse_message

log = logging.getLogger(__name__)


def create_schema(conn: sqlite3.Connection) -> None:
    """Collector tables (sqlite-utils builds them; ingest uses plain SQL for transaction control)."""
    db = sqlite_utils.Database(conn)
    db["passages"].create({"device": str, "seq": int, "site": str, "boot": str, "wall": str, "day": str,
                           "verdict": str, "person_id": str, "body_c": float, "alert": int, "record": str},
                          pk=("device", "seq"), not_null={"device", "seq", "record"}, if_not_exists=True)
    db["secondary_checks"].create({"device": str, "seq": int, "check_id": int, "value_c": float, "source": str,
                                   "wall": str}, pk=("device", "seq", "check_id"), if_not_exists=True)
    db["ledger"].create({"person_id": str, "day": str, "passages": int, "fevers": int, "denials": int,
                         "last_wall": str}, pk=("person_id", "day"), if_not_exists=True)


class CollectorDB:
    def __init__(self, path: str) -> None:
        self.conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30.0)
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=FULL")
        create_schema(self.conn)
        self.duplicates = 0
        self.inserted = 0

    def ingest(self, records: List[Dict[str, Any]], alert: bool) -> int:
        """Insert new records (one transaction); returns how many were new."""
        new = 0
        with immediate(self.conn):
            for r in records:
                new += self._one(r, alert)
        self.inserted += new
        self.duplicates += len(records) - new
        return new

    def _one(self, r: Dict[str, Any], alert: bool) -> int:
        wall = str(r.get("wall", ""))
        if r.get("type") == "secondary_check":
            cur = self.conn.execute("INSERT OR IGNORE INTO secondary_checks VALUES (?,?,?,?,?,?)",
                                    (r["device"], int(r["seq"]), int(r.get("check", 0)), r.get("value_c"),
                                     r.get("source"), wall))
            return cur.rowcount
        day = wall[:10]
        cur = self.conn.execute(
            "INSERT OR IGNORE INTO passages VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (r["device"], int(r["seq"]), r.get("site"), r.get("boot"), wall, day, r.get("verdict"),
             r.get("person_id"), r.get("body_c"), int(alert), json.dumps(r, separators=(",", ":"))))
        if cur.rowcount != 1:
            return 0
        person = r.get("person_id") or f"card:{r.get('card_hash', 'none')}"
        verdict = r.get("verdict")
        self.conn.execute(
            "INSERT INTO ledger VALUES (?,?,1,?,?,?) ON CONFLICT(person_id, day) DO UPDATE SET"
            " passages=passages+1, fevers=fevers+excluded.fevers, denials=denials+excluded.denials,"
            " last_wall=max(last_wall, excluded.last_wall)",
            (person, day, int(verdict == "fever"), int(verdict == "deny"), wall))
        return 1

    def count(self) -> int:
        return int(self.conn.execute("SELECT COUNT(*) FROM passages").fetchone()[0])

    def close(self) -> None:
        self.conn.close()


class Collector:
    def __init__(self, broker_url: str, db_path: str, share: Optional[str] = None, prefix: str = "gate-edge",
                 client_id: Optional[str] = None, username: str = "", password: str = "",
                 ca_file: Optional[str] = None, session_expiry_s: int = 7 * 86400) -> None:
        self.host, self.port, tls = parse_broker_url(broker_url)
        self.db = CollectorDB(db_path)
        self.filters = topics.collector_filters(prefix, share)
        self.malformed = 0
        self.subscribed = threading.Event()
        self.alerts_seen: List[Dict[str, Any]] = []
        # A stable id gives a persistent session: the broker queues while the collector is away.
        cid = client_id or f"collector-{share or uuid.uuid4().hex[:8]}"
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=cid, protocol=mqtt.MQTTv5)
        if tls or ca_file:
            self.client.tls_set(ca_certs=ca_file)
        if username:
            self.client.username_pw_set(username, password)
        self.client.max_inflight_messages_set(100)
        self.client.on_connect = self._on_connect
        self.client.on_subscribe = lambda *a: self.subscribed.set()
        self.client.on_message = self._on_message
        self._props = Properties(PacketTypes.CONNECT)
        self._props.SessionExpiryInterval = session_expiry_s

    def start(self) -> None:
        self.client.connect(self.host, self.port, 30, clean_start=False, properties=self._props)
        self.client.loop_start()

    def stop(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()
        self.db.close()

    def _on_connect(self, client: mqtt.Client, userdata: Any, flags: Any, reason: Any, props: Any) -> None:
        if reason.is_failure:
            log.error("collector: broker refused the connection: %s", reason)
            return
        client.subscribe([(f, 1) for f in self.filters])
        log.info("collector connected to %s:%d, subscribed to %s", self.host, self.port, ", ".join(self.filters))

    def _on_message(self, client: mqtt.Client, userdata: Any, msg: mqtt.MQTTMessage) -> None:
        records = parse_message(msg.payload)
        if records is None:
            self.malformed += 1
            log.warning("collector: malformed message on %s (%d bytes) skipped", msg.topic, len(msg.payload))
            return
        alert = msg.topic.endswith("/alerts")
        self.db.ingest(records, alert)
        if alert:
            self.alerts_seen.extend(records)
