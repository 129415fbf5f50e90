"""The sync thread: drains the outbox to the broker, keeps status/health, takes the roster down.

Daemon wiring: ``SyncService(cfg, cfg.store.path, status_provider)`` (status_provider()
returns a dict for health); ``start()`` after Store.open() returns at once and never blocks
on the network; ``stop()`` publishes retained "stopped", waits briefly for PUBACKs, disconnects.

Guarantees: QoS 1; an outbox row is deleted only after a PUBACK saying that the broker passed its
message on (otherwise edge.sync.hold holds the queue and sends it again); publishing only while
connected, at most `inflight` messages unacknowledged; a lost connection drops the in-flight
bookkeeping and the rows go again (the collector de-duplicates on (device, seq)). Alerts (fever,
fault) go one per message, always before the next backlog batch.
"""
from __future__ import annotations

import logging
import ssl
import threading
import time
from typing import Any, Callable, Dict, List, Optional, Tuple

import paho.mqtt.client as mqtt
from paho.mqtt.reasoncodes import ReasonCode

from edge.outbox import QUEUES, Batch, Outbox
from edge.settings.mqtt import MqttSettings
from edge.settings.root import GateConfig
from edge.settings.secrets import SecretError
from edge.sync import client as mqttc
from edge.sync import topics
from edge.sync.backoff import ReconnectBackoff
from edge.sync.batch_size import BatchSize
from edge.sync.cmd_downlink import health_requested
from edge.sync.health import health_payload, status_of
from edge.sync.hold import QueueHolds, passed_on
from edge.sync.payload import batch_message
from edge.sync.roster_downlink import RosterDownlink

log = logging.getLogger(__name__)

IDLE_POLL_S = 0.02  # how often an idle thread looks for new rows (bounds alert latency)
COUNTERS = ("published", "acked_records", "connects", "connect_failures", "puback_errors", "no_subscribers",
            "commands", "commands_rejected")  # in health as sync.*


class SyncService:
    def __init__(self, settings: GateConfig, store_path: str,
                 status_provider: Callable[[], Dict[str, Any]] = dict,
                 open_outbox: Callable[[str], Outbox] = Outbox) -> None:
        if settings.mqtt is None:
            raise ValueError("SyncService needs an mqtt section")
        self.cfg: MqttSettings = settings.mqtt
        self.device, self.store_path, self.status_provider = settings.device, store_path, status_provider
        p, site, dev = self.cfg.topic_prefix, self.device.site, self.device.id
        self.t_passages, self.t_alerts = topics.passages(p, site, dev), topics.alerts(p, site, dev)
        self.t_status, self.t_health = topics.status(p, site, dev), topics.health(p, site, dev)
        self.t_roster, self.t_cmd = topics.roster(p, site), topics.cmd(p, site, dev)
        self.roster = RosterDownlink(self.cfg.roster_key, store_path, site)
        self.counters: Dict[str, int] = dict.fromkeys(COUNTERS, 0)
        self.connected = threading.Event()
        self.last_error: Optional[str] = None
        self._stop = threading.Event()
        self._thread: Optional[threading.Thread] = None
        self._client: Optional[mqtt.Client] = None
        # mid -> (queue, first id, last id, records, bytes): a batch is a contiguous id range of its queue
        self._inflight: Dict[int, Tuple[str, int, int, int, int]] = {}
        self._acked: List[Tuple[str, int, int]] = []  # PUBACKed ranges, deleted together once per loop turn
        self._cursor = dict.fromkeys(QUEUES, 0)
        self._holds = QueueHolds(QUEUES, self.cfg.backoff_min_s, self.cfg.backoff_max_s)
        self._sizes = BatchSize(self.cfg.batch_bytes, QUEUES)
        self._lock = threading.Lock()
        self._started = time.monotonic()
        self._backoff = ReconnectBackoff(self.cfg.backoff_min_s, self.cfg.backoff_max_s)
        self._open_outbox = open_outbox  # the benchmark swaps in batches from memory to time the rest
        self._outbox: Optional[Outbox] = None
        self._next_attempt = self._next_health = 0.0

    # --- public ----------------------------------------------------------------------
    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="sync", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout + 2.0)

    def state(self) -> str:
        """online; refused (connected, but the broker passes records on to no one: edge.sync.hold); offline."""
        return "offline" if not self.connected.is_set() else "refused" if self._holds.refusing() else "online"

    # --- thread ------------------------------------------------------------------------
    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                try:
                    if self._outbox is None:  # (a full disk at start: the database may not open yet)
                        self._outbox = self._open_outbox(self.store_path)
                    self._step()
                except Exception as exc:  # (a TypeError from a callback once ended the thread)
                    # Never let one bad turn end delivery: drop the link and start over.
                    if self._outbox is None:  # one line per cause, not a traceback a minute
                        self._connect_failed(f"cannot open the outbox in {self.store_path}: {exc}")
                    else:
                        log.exception("sync step failed, reconnecting: %s", type(exc).__name__)
                    self._drop_connection("error")
                    self._next_attempt = time.monotonic() + self._backoff.next_delay()
                    self._stop.wait(0.0 if self._outbox is not None else self._next_attempt - time.monotonic())
            self._shutdown()
        finally:
            if self._outbox is not None:
                self._outbox.close()

    def _step(self) -> None:
        now = time.monotonic()
        if self._client is None:
            if now >= self._next_attempt:
                self._next_attempt = now + self._try_connect()
            else:
                self._stop.wait(min(0.1, self._next_attempt - now))
            return
        busy = self._fill_window() if self.connected.is_set() else False
        if self.connected.is_set() and now >= self._next_health:
            self._publish_health()
            self._next_health = now + self.cfg.health_interval_s
        client = self._client
        if client is None:  # a callback dropped the connection while publishing
            self._next_attempt = time.monotonic() + self._backoff.next_delay()
            return
        rc = client.loop(timeout=0.0 if busy else IDLE_POLL_S)
        self._flush_acked()
        if rc != mqtt.MQTT_ERR_SUCCESS and self._client is not None:
            self._drop_connection(f"network loop: {mqtt.error_string(rc)}")
        if self._client is None:
            self._next_attempt = time.monotonic() + self._backoff.next_delay()

    def _try_connect(self) -> float:
        """Start one connection attempt; returns the delay before the next one if it failed now."""
        try:
            client = mqttc.make_client(self.cfg, self.device.id)
        except (SecretError, OSError) as exc:  # the password file, or the TLS files tls_set reads now
            return self._connect_failed(f"cannot read the broker password or TLS files (tls_ca {self.cfg.tls_ca}, "
                                        f"tls_cert {self.cfg.tls_cert}, tls_key {self.cfg.tls_key}): {exc}")
        mqttc.wire(client, self, self.t_status, topics.STATUS_OFFLINE, self.cfg.inflight + 2)
        try:
            mqttc.connect(client, self.cfg)
        except ssl.SSLError as exc:
            return self._connect_failed(f"TLS with broker {self.cfg.host}:{self.cfg.port} failed "
                                        f"(check mqtt.tls_ca / tls_cert / tls_key): {exc}")
        except (OSError, ValueError) as exc:
            return self._connect_failed(f"cannot reach broker {self.cfg.host}:{self.cfg.port}: {exc}")
        self._client = client
        return 0.0

    def _connect_failed(self, reason: str) -> float:
        self.counters["connect_failures"] += 1
        delay = self._backoff.next_delay()
        if reason != self.last_error:
            buffered = self._outbox.stats()["count"] if self._outbox is not None else "the"
            log.warning("%s; keeping %s records buffered, retrying in %.2f s", reason, buffered, delay)
        self.last_error = reason
        return delay

    def _drop_connection(self, reason: str) -> None:
        client, self._client = self._client, None
        self._backoff.dropped(time.monotonic())
        self.connected.clear()
        with self._lock:
            largest = max((v for v in self._inflight.values() if v[3] > 1), key=lambda v: v[4], default=None)
            self._sizes.dropped(largest and (largest[0], largest[1], largest[3], largest[4]))
            self._inflight.clear()
            self._cursor = dict.fromkeys(QUEUES, 0)  # unacked rows are still in the outbox: resend
            self._holds.clear()
        if client is not None:
            try:
                client.socket() and client.disconnect()
            except OSError:
                pass
        if reason:
            log.info("disconnected: %s", reason)

    # --- paho callbacks (run inside loop(), on this thread) --------------------------------
    def _on_connect(self, client: mqtt.Client, userdata: Any, flags: mqtt.ConnectFlags, reason: ReasonCode,
                    props: Any) -> None:
        if reason.is_failure:
            msg = f"broker {self.cfg.host}:{self.cfg.port} refused the connection: {reason}"
            if "user name" in str(reason).lower() or "authori" in str(reason).lower():
                msg += " (check mqtt.username / mqtt.password)"
            self._client = client  # so _drop_connection closes it
            self._drop_connection("")
            self._connect_failed(msg)
            return
        self._backoff.connected(time.monotonic())
        self._sizes.connected(props.json().get("MaximumPacketSize") if props is not None else None)
        self.counters["connects"] += 1
        self.last_error = None
        client.publish(self.t_status, topics.STATUS_ONLINE, qos=1, retain=True)
        client.subscribe([(self.t_roster, 1), (self.t_cmd, 1)])
        self.connected.set()
        log.info("connected to %s:%d (session present: %s)", self.cfg.host, self.cfg.port,
                 flags.session_present)

    def _on_disconnect(self, client: mqtt.Client, userdata: Any, flags: Any, reason: Any, props: Any) -> None:
        if client is self._client:
            self._drop_connection(f"{reason}")

    def _on_publish(self, client: mqtt.Client, userdata: Any, mid: int, reason: ReasonCode, props: Any) -> None:
        with self._lock:
            entry = self._inflight.pop(mid, None)
        if entry is None:
            return
        queue, first, last, count, size = entry
        if not passed_on(reason):  # (Callback API VERSION2 passes a ReasonCode for MQTT 3.1.1 too)
            self.counters[self._holds.refuse(queue, first, count, reason, time.monotonic())] += 1
            return
        self._holds.passed(queue)
        self._sizes.acknowledged(queue, size)
        self._backoff.reset()  # this connection delivers: a recovery
        self._acked.append((queue, first, last))
        self.counters["acked_records"] += count

    def _flush_acked(self) -> None:
        if self._acked and self._outbox is not None:
            ranges, self._acked = self._acked, []
            self._outbox.delete_ranges(ranges)

    def _on_message(self, client: mqtt.Client, userdata: Any, msg: mqtt.MQTTMessage) -> None:
        if msg.topic == self.t_roster:
            self.roster.handle(msg.payload)
        elif msg.topic == self.t_cmd and health_requested(msg.payload, self.counters):
            self._next_health = 0.0  # the next step publishes it

    # --- publishing -----------------------------------------------------------------------
    def _send(self, topic: str, payload: bytes, batch: Batch, queue: str) -> bool:
        if self._client is None:  # dropped by a callback during the previous publish
            return False
        info = self._client.publish(topic, payload, qos=1)
        if info.rc != mqtt.MQTT_ERR_SUCCESS:
            return False  # not connected any more or paho's queue full: back-pressure
        with self._lock:
            self._inflight[info.mid] = (queue, batch.first_id, batch.last_id, batch.count, len(payload))
            self._cursor[queue] = max(self._cursor[queue], batch.last_id)
        self.counters["published"] += 1
        return True

    def _send_from(self, queue: str) -> Optional[int]:
        """The queue's cursor (rewound after a hold); None while a broker refusal holds it."""
        with self._lock:
            cursor = self._holds.cursor(queue, self._cursor[queue], time.monotonic())
            if cursor is not None:
                self._cursor[queue] = cursor
        return cursor

    def _fill_window(self) -> bool:
        """Publish alerts, then backlog batches, until the in-flight window is full."""
        assert self._outbox is not None
        sent = False
        free = self.cfg.inflight - len(self._inflight)
        if free <= 0:
            return False
        after = self._send_from("alert")
        for oid, seq, text in self._outbox.fetch("alert", free, after) if after is not None else []:
            body = text.encode("utf-8")
            if not self._send(self.t_alerts, body, Batch(oid, oid, seq, seq, 1, body), "alert"):
                return sent
            sent, free = True, free - 1
        # The next fill starts with alerts again, so an alert waits at most one window of batches.
        for queue in ("check", "passage"):
            while free > 0 and self._send_from(queue) is not None:
                batch = self._outbox.fetch_batch(queue, self._cursor[queue], self.cfg.batch_records,
                                                 self._sizes.records_bytes(queue))
                if batch is None:
                    break
                payload = batch_message(self.device.id, batch.first_seq, batch.last_seq, batch.count, batch.joined)
                if not self._send(self.t_passages, payload, batch, queue):
                    return sent
                sent, free = True, free - 1
        return sent

    def _publish_health(self) -> None:
        if self._client is None or self._outbox is None:
            return
        body = health_payload(self.device.id, self._outbox.stats(), status_of(self.status_provider),
                              self.roster.version, self.store_path, time.monotonic() - self._started, self.counters,
                              self.roster.counters)
        self._client.publish(self.t_health, body, qos=1, retain=True)

    def _shutdown(self) -> None:
        client = self._client
        if client is None or not self.connected.is_set():
            return
        info = client.publish(self.t_status, topics.STATUS_STOPPED, qos=1, retain=True)
        deadline = time.monotonic() + 3.0
        while time.monotonic() < deadline and (not info.is_published() or self._inflight):
            if client.loop(timeout=0.05) != mqtt.MQTT_ERR_SUCCESS:
                break
            self._flush_acked()
        client.disconnect()  # a clean DISCONNECT: the broker does not send the "offline" will
        client.loop(timeout=0.1)
        self.connected.clear()
        self._client = None
