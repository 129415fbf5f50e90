"""The school-side receiver: passages and alerts from every gate into one SQLite file.

De-duplication on (device, seq) happens in the same transaction as the insert, and the
MQTT acknowledgement is sent only after that transaction committed (manual acks), so a
crash never loses or doubles a record. A message or record the tables cannot take is kept
as it came in the `malformed` table and acknowledged: one bad sender must not stop the
collector for every gate. When the collector's own database fails, the message is not
acknowledged: the broker keeps it for this session and the collector retries.
"""
from __future__ import annotations

import json
import logging
import sqlite3
import threading
import time
import uuid
from typing import Any, Dict, List, Optional

import paho.mqtt.client as mqtt
import sqlite_utils
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from edge.private_file import make_private
from edge.sqlite_tx import immediate
from edge.sync import topics
from edge.sync.client import parse_broker_url
from edge.sync.payload import parse_message

log = logging.getLogger(__name__)

STORE_RETRY_S = 5.0
# What the broker queues for a collector that is away is gone when its session expires;
# as long as config/mosquitto/site.conf keeps sessions (persistent_client_expiration 30d),
# longer than a school's winter holiday. After that the gates answer "no matching
# subscribers" by keeping their records (edge.sync.hold).
COLLECTOR_SESSION_S = 30 * 86400


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
    db["malformed"].create({"id": int, "received": float, "topic": str, "reason": str, "payload": bytes},
                           pk="id", not_null={"received", "topic", "reason", "payload"}, if_not_exists=True)


_SCALAR = (str, int, float, type(None))
_COLUMNS = ("site", "boot", "wall", "verdict", "person_id", "body_c", "card_hash", "value_c", "source", "check")


def record_problem(r: Dict[str, Any]) -> Optional[str]:
    """Why a record cannot go into the tables (None: it can)."""
    if not isinstance(r.get("device"), str) or not r["device"]:
        return "device is not a non-empty string"
    if not isinstance(r.get("seq"), int) or isinstance(r["seq"], bool):
        return "seq is not an integer"
    wrong = [k for k in _COLUMNS if not isinstance(r.get(k), _SCALAR) or isinstance(r.get(k), bool)]
    return f"{', '.join(wrong)} not a string or number" if wrong else None


class CollectorDB:
    def __init__(self, path: str) -> None:
        make_private(path)  # temperatures, fevers and the per-person ledger of every gate
        self.conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30.0)
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=FULL")
        create_schema(self.conn)
        self.duplicates = 0
        self.inserted = 0
        self.malformed = 0  # messages and records kept in the malformed table
        self.last_problem = ""

    def ingest(self, records: List[Dict[str, Any]], alert: bool, topic: str = "") -> int:
        """Insert new records (one transaction); returns how many were new. A record the
        tables cannot take goes into `malformed` in the same transaction."""
        new, bad = 0, []
        with immediate(self.conn):
            for r in records:
                problem = record_problem(r)
                if problem is None:
                    new += self._one(r, alert)
                else:
                    bad.append(problem)
                    self._keep(topic, problem, json.dumps(r, separators=(",", ":")).encode("utf-8"))
        self.inserted += new
        self.duplicates += len(records) - new - len(bad)
        self._kept(bad)
        return new

    def keep_malformed(self, topic: str, reason: str, payload: bytes) -> None:
        """A message that is not a passages/alerts message at all, kept as it came."""
        with immediate(self.conn):
            self._keep(topic, reason, payload)
        self._kept([reason])

    def _keep(self, topic: str, reason: str, payload: bytes) -> None:
        self.conn.execute("INSERT INTO malformed (received, topic, reason, payload) VALUES (?,?,?,?)",
                          (time.time(), topic, reason, payload))

    def _kept(self, problems: List[str]) -> None:  # counted once committed
        if problems:
            self.malformed += len(problems)
            self.last_problem = problems[0]

    def _one(self, r: Dict[str, Any], alert: bool) -> int:
        wall = str(r.get("wall", ""))
        if r.get("type") == "secondary_check":
            cur = self.conn.execute("INSERT OR IGNORE INTO secondary_checks VALUES (?,?,?,?,?,?)",
                                    (r["device"], r["seq"], r.get("check") or 0, r.get("value_c"),
                                     r.get("source"), wall))
            return cur.rowcount
        day = wall[:10]
        cur = self.conn.execute(
            "INSERT OR IGNORE INTO passages VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (r["device"], r["seq"], r.get("site"), r.get("boot"), wall, day, r.get("verdict"),
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
                 ca_file: Optional[str] = None, session_expiry_s: int = COLLECTOR_SESSION_S) -> None:
        self.host, self.port, tls = parse_broker_url(broker_url)
        self.db = CollectorDB(db_path)
        self.filters = topics.collector_filters(prefix, share)
        self.store_errors = 0
        self.subscribed = threading.Event()
        self._stopping = threading.Event()
        self.alerts_seen: List[Dict[str, Any]] = []
        # A stable id gives a persistent session: the broker queues while the collector is away.
        cid = client_id or f"collector-{share or uuid.uuid4().hex[:8]}"
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=cid, protocol=mqtt.MQTTv5)
        if tls or ca_file:
            self.client.tls_set(ca_certs=ca_file)
        if username:
            self.client.username_pw_set(username, password)
        self.client.max_inflight_messages_set(100)
        self.client.manual_ack_set(True)  # a message is acknowledged after its transaction, not before
        self.client.on_connect = self._on_connect
        self.client.on_subscribe = lambda *a: self.subscribed.set()
        self.client.on_message = self._on_message
        self._props = Properties(PacketTypes.CONNECT)
        self._props.SessionExpiryInterval = session_expiry_s

    def start(self) -> None:
        self.client.connect(self.host, self.port, 30, clean_start=False, properties=self._props)
        self.client.loop_start()

    def stop(self) -> None:
        self._stopping.set()
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
        alert = msg.topic.endswith("/alerts")
        kept_before = self.db.malformed
        while True:
            try:
                if records is None:
                    self.db.keep_malformed(msg.topic, "not a passages or alerts message", msg.payload)
                else:
                    self.db.ingest(records, alert, msg.topic)
                break
            except sqlite3.Error as exc:
                # Disk full, I/O error, a lock held too long: not acknowledged, so nothing is
                # lost; later messages would fail the same way, so wait here and retry.
                self.store_errors += 1
                log.error("collector: cannot store a message from %s (%s: %s); it stays with the broker,"
                          " retrying in %.0f s", msg.topic, type(exc).__name__, exc, STORE_RETRY_S)
                if self._stopping.wait(STORE_RETRY_S):
                    return  # unacknowledged: the broker sends it again to this session
        if self.db.malformed > kept_before:
            log.warning("collector: %d unusable record(s) on %s (%s): kept in the malformed table",
                        self.db.malformed - kept_before, msg.topic, self.db.last_problem)
        client.ack(msg.mid, msg.qos)
        if alert and records:
            self.alerts_seen.extend(records)
