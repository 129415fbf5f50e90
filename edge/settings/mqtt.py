from __future__ import annotations

import dataclasses
from typing import Literal, Optional

from edge.settings.fields import SecretRef, setting


@dataclasses.dataclass
class MqttSettings:
    """Connection to the school's broker. Absent section = offline only."""

    host: str = setting("127.0.0.1", doc="Broker host name or address.")
    port: int = setting(1883, min=1, max=65535, doc="Broker TCP port (8883 is usual with TLS).")
    protocol: Literal["5", "3.1.1"] = setting("5", doc="MQTT protocol version.")
    topic_prefix: str = setting("gate-edge", doc="First topic level: {prefix}/{site}/{device}/...")
    username: Optional[str] = setting(None, doc="User name for the broker.")
    password: Optional[SecretRef] = setting(None, doc="Password, from a file, environment variable or credential.")
