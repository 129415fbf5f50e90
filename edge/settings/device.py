from __future__ import annotations

import dataclasses
from typing import Literal

from edge.settings.checks import timezone_name, topic_level
from edge.settings.fields import setting


@dataclasses.dataclass
class DeviceSettings:
    """Who this box is and where it stands."""

    id: str = setting("gate-demo-1", check=topic_level,
                      doc="Unique device id; also the MQTT client id and topic level (no '/', '+', '#').")
    site: str = setting("demo-school", check=topic_level,
                        doc="School (site) id; MQTT topic level shared by its gates (no '/', '+', '#').")
    gate: str = setting("main", doc="Gate name shown on the screen and in records.")
    direction: Literal["entry", "exit"] = setting("entry", doc="Which way people pass this lane.")
    timezone: str = setting("Asia/Shanghai", check=timezone_name,
                            doc="IANA time zone for dates (return batches, day counts).")
