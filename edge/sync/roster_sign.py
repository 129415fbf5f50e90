"""Signed roster envelopes (HMAC-SHA256 over the exact payload text) and publishing one.

Envelope: ``{"alg": "HMAC-SHA256", "payload": "<snapshot JSON text>", "sig": "<hex>"}``.
The signature covers the payload *text*, so no canonical JSON form is needed.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import threading
import time
from typing import Any, Dict, Optional

from edge.sync import topics
from edge.sync.client import parse_broker_url

log = logging.getLogger(__name__)

ALG = "HMAC-SHA256"
_HEX_KEY = re.compile(r"^[0-9a-fA-F]{32,}$")
_HEX_SIG = re.compile(r"[0-9a-fA-F]{64}\Z")


class RosterRejected(Exception):
    """The reason a roster message was not accepted (logged, counted)."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code


def parse_key(text: str) -> bytes:
    """A key file's first line: hex (even length, >= 32 digits) is decoded, anything else used as UTF-8."""
    text = text.strip()
    if _HEX_KEY.match(text) and len(text) % 2 == 0:
        return bytes.fromhex(text)
    return text.encode("utf-8")


def sign(snapshot: Dict[str, Any], key: bytes) -> bytes:
    payload = json.dumps(snapshot, separators=(",", ":"), sort_keys=True, ensure_ascii=False)
    sig = hmac.new(key, payload.encode("utf-8"), hashlib.sha256).hexdigest()
    return json.dumps({"alg": ALG, "payload": payload, "sig": sig}, separators=(",", ":")).encode("utf-8")


def verify(message: bytes, key: bytes, site: str) -> Dict[str, Any]:
    """The snapshot inside a correctly signed envelope for this site, or RosterRejected."""
    try:
        env = json.loads(message.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:  # RecursionError: nested too deep
        raise RosterRejected("malformed", f"not JSON ({type(exc).__name__})") from None
    if not isinstance(env, dict) or "payload" not in env:
        raise RosterRejected("malformed", "no signed envelope")
    if "sig" not in env or not env.get("sig"):
        raise RosterRejected("unsigned", "envelope carries no signature")
    if env.get("alg") != ALG:
        raise RosterRejected("unsigned", f"algorithm {env.get('alg')!r} is not {ALG}")
    payload, sig = env["payload"], env["sig"]
    if not isinstance(payload, str) or not isinstance(sig, str):
        raise RosterRejected("malformed", "payload and sig must be strings")
    if not _HEX_SIG.match(sig):  # (compare_digest raises on non-ASCII text)
        raise RosterRejected("bad_signature", "signature is not 64 hex digits")
    expected = hmac.new(key, payload.encode("utf-8"), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, sig.lower()):
        raise RosterRejected("bad_signature", "signature does not match the site key")
    try:
        snap = json.loads(payload)
    except (ValueError, RecursionError) as exc:
        raise RosterRejected("malformed", f"signed payload is not JSON ({type(exc).__name__})") from None
    if not isinstance(snap, dict) or snap.get("v") != 1 or not isinstance(snap.get("version"), int) \
            or not isinstance(snap.get("persons"), list):
        raise RosterRejected("malformed", "snapshot needs v=1, an integer version and a persons list")
    if snap.get("site") != site:
        raise RosterRejected("wrong_site", f"snapshot is for site {snap.get('site')!r}, this gate is in {site!r}")
    return snap


def publish_roster(snapshot: Dict[str, Any], broker_url: str, key: bytes, site: str, prefix: str,
                   username: str = "", password: str = "", timeout_s: float = 10.0,
                   ca_file: Optional[str] = None) -> None:
    """Sign `snapshot` and publish it retained (QoS 1) to ``{prefix}/{site}/roster``; waits for PUBACK."""
    import paho.mqtt.client as mqtt

    host, port, tls = parse_broker_url(broker_url)
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    if tls or ca_file:
        client.tls_set(ca_certs=ca_file)
    if username:
        client.username_pw_set(username, password)
    result: Dict[str, Any] = {}
    connected = threading.Event()

    def on_connect(c: Any, u: Any, flags: Any, reason: Any, props: Any) -> None:
        result["reason"] = reason
        connected.set()

    client.on_connect = on_connect
    client.on_publish = lambda c, u, mid, reason, props: result.__setitem__("puback", reason)
    client.connect(host, port, 30)
    client.loop_start()
    try:
        if not connected.wait(timeout_s):
            raise TimeoutError(f"no answer from broker {host}:{port} within {timeout_s} s")
        if result["reason"].is_failure:
            raise ConnectionRefusedError(f"broker {host}:{port} refused the connection: {result['reason']}")
        info = client.publish(topics.roster(prefix, site), sign(snapshot, key), qos=1, retain=True)
        info.wait_for_publish(timeout_s)
        if not info.is_published():
            raise TimeoutError(f"roster not acknowledged by {host}:{port} within {timeout_s} s")
        # 0x10 "no matching subscribers" is fine here: the broker keeps it retained for the gates.
        if result["puback"].is_failure:
            raise PermissionError(f"broker {host}:{port} refused the roster: {result['puback']} "
                                  f"(may this user write {topics.roster(prefix, site)}?)")
    finally:
        client.disconnect()
        client.loop_stop()
    log.info("published roster version %s for site %s (%d persons) at %s", snapshot.get("version"), site,
             len(snapshot.get("persons", [])), time.strftime("%H:%M:%S"))
