from __future__ import annotations

import dataclasses
from typing import List, Literal, Optional, Tuple

from edge.settings.checks import file_path, host_name, loopback_host, topic_prefix
from edge.settings.errors import raise_problems
from edge.settings.fields import SecretRef, setting


@dataclasses.dataclass
class MqttSettings:
    """Connection to the school's broker. Absent section = offline only."""

    host: str = setting("127.0.0.1", check=host_name, doc="Broker host name or address.")
    port: int = setting(1883, min=1, max=65535, doc="Broker TCP port (8883 is usual with TLS).")
    protocol: Literal["5", "3.1.1"] = setting("5", doc="MQTT protocol version. 3.1.1 has no PUBACK reason codes: a "
                                              "message the broker passes on to no one counts as delivered.")
    topic_prefix: str = setting("gate-edge", check=topic_prefix,
                                doc="First topic level(s): {prefix}/{site}/{device}/... (no '+', '#', empty level).")
    username: Optional[str] = setting(None, doc="User name for the broker.")
    password: Optional[SecretRef] = setting(None, doc="Password, from a file, environment variable or credential.")
    tls_ca: Optional[str] = setting(None, check=file_path, doc="CA certificate file; set to use TLS (hostname is checked).")
    plaintext_password: bool = setting(False, doc="Send the password without TLS (no tls_ca) to a broker on another "
                                       "machine: anyone on the network can read it. Only for a trusted wire.")
    tls_cert: Optional[str] = setting(None, check=file_path, doc="Client certificate file for TLS client authentication.")
    tls_key: Optional[str] = setting(None, check=file_path, doc="Client private key file for tls_cert "
                                     "(empty: the key is in tls_cert's file).")
    keepalive_s: int = setting(30, min=5, max=3600, doc="MQTT keepalive; a dead link is noticed within ~1.5x this.")
    session_expiry_s: int = setting(7 * 86400, min=0, max=4294967295, doc="Broker keeps the session (and queued downlink) this long.")
    inflight: int = setting(20, min=1, max=1000, doc="Messages published but not yet acknowledged, at most.")
    batch_records: int = setting(200, min=1, max=10000, doc="Records per passages message at most.")
    batch_bytes: int = setting(256 * 1024, min=1024, max=16 * 1024 * 1024, doc="Bytes per passages message at most.")
    backoff_min_s: float = setting(0.5, min=0.05, max=60.0, doc="First reconnect delay (doubles, with jitter).")
    backoff_max_s: float = setting(60.0, min=0.1, max=3600.0, doc="Reconnect delay cap.")
    health_interval_s: float = setting(30.0, min=1.0, max=3600.0, doc="Retained health message period.")
    roster_key: Optional[SecretRef] = setting(None, doc="Site HMAC-SHA256 key (hex or text) for the signed roster; absent = no roster downlink.")

    def __post_init__(self) -> None:
        raise_problems(self.problems())

    def problems(self) -> List[Tuple[str, str]]:
        """Keys that load but would be ignored or misused by the sync client."""
        found: List[Tuple[str, str]] = []
        if self.password is not None and not self.username:  # the client sends a password only with a user
            found.append(("password", "a password is sent only with a user name: set username, or leave "
                                      "password out"))
        if (self.password is not None and self.username and not self.tls_ca and not self.plaintext_password
                and not loopback_host(self.host)):
            found.append(("password", f"would cross the network to {self.host} in clear text (no TLS): set tls_ca "
                                      "(the CA of the broker's certificate; port 8883 in config/mosquitto/site.conf),"
                                      " or plaintext_password: true for a trusted wire"))
        if self.backoff_min_s > self.backoff_max_s:
            found.append(("backoff_min_s", f"must not be above backoff_max_s ({self.backoff_max_s:g}), "
                                           f"got {self.backoff_min_s:g}"))
        if self.tls_key is not None and self.tls_cert is None:  # (a cert file may hold its key: no key alone)
            found.append(("tls_key", "a client key needs its certificate: set tls_cert"))
        if self.tls_cert is not None and not self.tls_ca:  # TLS is switched on by tls_ca: else plain text
            found.append(("tls_cert", "a client certificate is used only over TLS, which tls_ca switches on: "
                                      "set tls_ca (the CA that signed the broker's certificate)"))
        return found
