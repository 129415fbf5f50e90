"""The school-side receiver: passages and alerts from every gate into one SQLite file
(edge.sync.collector_db).

The MQTT acknowledgement is sent only after the message's transaction committed (manual
acks), so a crash never loses or doubles a record. A message or record the tables cannot
take is kept as it came in the `malformed` table and acknowledged: one bad sender must not
stop the collector for every gate, whatever it sends. When the collector's own database
fails, the message is not acknowledged: the broker keeps it for this session and the
collector retries.
"""
from __future__ import annotations

import collections
import hashlib
import logging
import os
import socket
import sqlite3
import threading
from typing import Any, Deque, Dict, Optional

import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from edge.sync import topics
from edge.sync.client import parse_broker_url
from edge.sync.collector_db import CollectorDB, Ingested
from edge.sync.payload import parse_message

log = logging.getLogger(__name__)

STORE_RETRY_S = 5.0
# What the broker queues for a collector that is away is gone when its session expires;
# as long as config/mosquitto/site.conf keeps sessions (persistent_client_expiration 30d),
# longer than a school's winter holiday. After that the gates answer "no matching
# subscribers" by keeping their records (edge.sync.hold).
COLLECTOR_SESSION_S = 30 * 86400
ALERTS_KEPT = 1000  # the newest alerts, for a caller that shows them (tests, a front end)


def default_client_id(db_path: str, share: Optional[str]) -> str:
    """The same on every start of this collector (this host, this database), so its
    persistent session and what the broker queued in it are found again; different for
    each member of a shared group, or the broker would throw one out for the other."""
    here = f"{socket.gethostname()}:{os.path.realpath(db_path)}"
    digest = hashlib.sha256(here.encode("utf-8")).hexdigest()[:10]
    return f"collector-{share}-{digest}" if share else f"collector-{digest}"


class Collector:
    RECONNECT_S = (1, 60)  # first and longest wait between connection attempts

    def __init__(self, broker_url: str, db_path: str, share: Optional[str] = None, prefix: str = "gate-edge",
                 client_id: Optional[str] = None, username: str = "", password: str = "",
                 ca_file: Optional[str] = None, session_expiry_s: int = COLLECTOR_SESSION_S) -> None:
        self.host, self.port, tls = parse_broker_url(broker_url)
        self.db = CollectorDB(db_path)
        self.filters = topics.collector_filters(prefix, share)
        self.store_errors = 0
        self.subscribed = threading.Event()
        self._stopping = threading.Event()
        self.alerts_seen: Deque[Dict[str, Any]] = collections.deque(maxlen=ALERTS_KEPT)
        self.client_id = client_id or default_client_id(db_path, share)
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=self.client_id, protocol=mqtt.MQTTv5)
        if tls or ca_file:
            self.client.tls_set(ca_certs=ca_file)
        if username:
            self.client.username_pw_set(username, password)
        self.client.max_inflight_messages_set(100)
        self.client.manual_ack_set(True)  # a message is acknowledged after its transaction, not before
        self.client.on_connect = self._on_connect
        self.client.on_connect_fail = lambda client, userdata: log.warning(
            "collector: cannot reach broker %s:%d; trying again", self.host, self.port)
        self.client.on_subscribe = lambda *a: self.subscribed.set()
        self.client.on_message = self._on_message
        self._props = Properties(PacketTypes.CONNECT)
        self._props.SessionExpiryInterval = session_expiry_s

    def start(self) -> None:
        """Connects in the background: a broker that is not up yet (the school server still
        booting) is tried again and again, as after a lost connection."""
        self.client.reconnect_delay_set(*self.RECONNECT_S)
        self.client.connect_async(self.host, self.port, 30, clean_start=False, properties=self._props)
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
        log.info("collector %s connected to %s:%d, subscribed to %s", self.client_id, self.host, self.port,
                 ", ".join(self.filters))

    def _on_message(self, client: mqtt.Client, userdata: Any, msg: mqtt.MQTTMessage) -> None:
        alert = msg.topic.endswith("/alerts")
        kept_before = self.db.malformed
        unusable: Optional[str] = None  # set when storing the message failed for a reason of its own
        done = Ingested([], [])
        while True:
            try:
                records = parse_message(msg.payload) if unusable is None else None
                if records is None:
                    self.db.keep_malformed(msg.topic, unusable or "not a passages or alerts message", msg.payload)
                else:
                    done = self.db.ingest(records, alert, msg.topic)
                break
            except sqlite3.Error as exc:
                # Disk full, I/O error, a lock held too long: not acknowledged, so nothing is
                # lost; later messages would fail the same way, so wait here and retry.
                self.store_errors += 1
                log.error("collector: cannot store a message from %s (%s: %s); it stays with the broker,"
                          " retrying in %.0f s", msg.topic, type(exc).__name__, exc, STORE_RETRY_S)
                if self._stopping.wait(STORE_RETRY_S):
                    return  # unacknowledged: the broker sends it again to this session
            except Exception as exc:  # anything else is this message's own fault: kept aside, not fatal
                if unusable is not None:
                    raise
                unusable = f"cannot be stored: {type(exc).__name__}: {str(exc)[:200]}"
                log.exception("collector: a message on %s %s", msg.topic, unusable)
        if self.db.malformed > kept_before:
            log.warning("collector: %d unusable record(s) on %s (%s): kept in the malformed table",
                        self.db.malformed - kept_before, msg.topic, self.db.last_problem)
        client.ack(msg.mid, msg.qos)
        if alert:
            for record in done.new + done.conflicts:
                # The office learns of it at once; who and which temperature are in the database.
                log.warning("collector: %s alert from gate %s at %s (passage %s:%s%s)",
                            str(record.get("verdict")).upper(), record["device"], record.get("wall"),
                            record["device"], record["seq"], "" if record in done.new else ", in the conflicts table")
            self.alerts_seen.extend(done.new + done.conflicts)
