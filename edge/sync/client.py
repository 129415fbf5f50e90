"""Building a configured paho client (protocol, session, TLS, credentials) and broker URLs."""
from __future__ import annotations

import logging
import ssl
from typing import Any, Optional, Tuple
from urllib.parse import urlparse

import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from edge.settings.mqtt import MqttSettings
from edge.settings.secrets import read_secret

log = logging.getLogger(__name__)


def make_client(settings: MqttSettings, client_id: str) -> mqtt.Client:
    v5 = settings.protocol == "5"
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id,
                         protocol=mqtt.MQTTv5 if v5 else mqtt.MQTTv311,
                         clean_session=None if v5 else False)
    if settings.tls_ca:
        client.tls_set(ca_certs=settings.tls_ca, certfile=settings.tls_cert, keyfile=settings.tls_key,
                       cert_reqs=ssl.CERT_REQUIRED)
        client.tls_insecure_set(False)  # hostname is checked against the certificate
    if settings.username:
        password = read_secret(settings.password) if settings.password is not None else None
        client.username_pw_set(settings.username, password)
    return client


def wire(client: mqtt.Client, handler: Any, will_topic: str, will_payload: str, inflight: int) -> None:
    """The sync service's last will, in-flight window and callbacks (``handler._on_connect``,
    ``_on_disconnect``, ``_on_publish``, ``_on_message``)."""
    client.will_set(will_topic, will_payload, qos=1, retain=True)
    client.max_inflight_messages_set(inflight)
    client.on_connect, client.on_disconnect = handler._on_connect, handler._on_disconnect
    client.on_publish, client.on_message = handler._on_publish, handler._on_message


def connect_properties(settings: MqttSettings) -> Optional[Properties]:
    if settings.protocol != "5":
        return None
    props = Properties(PacketTypes.CONNECT)
    props.SessionExpiryInterval = settings.session_expiry_s
    return props


def connect(client: mqtt.Client, settings: MqttSettings) -> None:
    """Open the TCP (and TLS) connection and send CONNECT with a persistent session."""
    if settings.protocol == "5":
        client.connect(settings.host, settings.port, settings.keepalive_s, clean_start=False,
                       properties=connect_properties(settings))
    else:
        client.connect(settings.host, settings.port, settings.keepalive_s)


def parse_broker_url(url: str) -> Tuple[str, int, bool]:
    """``mqtt://host:port`` or ``mqtts://host:port`` (a bare ``host:port`` works too)."""
    parsed = urlparse(url if "://" in url else f"mqtt://{url}")
    if parsed.scheme not in ("mqtt", "mqtts", "tcp", "ssl"):
        raise ValueError(f"unsupported broker URL scheme {parsed.scheme!r} (use mqtt:// or mqtts://)")
    tls = parsed.scheme in ("mqtts", "ssl")
    return parsed.hostname or "127.0.0.1", parsed.port or (8883 if tls else 1883), tls
