"""The device's cmd topic: what the office may ask of a gate over MQTT."""
from __future__ import annotations

import logging
from typing import Dict

from edge.sync.payload import parse_command

log = logging.getLogger(__name__)


def health_requested(payload: bytes, counters: Dict[str, int]) -> bool:
    """``{"cmd": "health"}`` asks for the health message now (the office asks after a repair
    instead of waiting for the next period). Anything else is rejected and counted: retained
    or stray messages must not do anything, and the office sees the count in health."""
    if parse_command(payload) == "health":
        counters["commands"] += 1
        log.info("command: health requested")
        return True
    counters["commands_rejected"] += 1
    log.warning("command rejected (%d bytes): expected {\"cmd\": \"health\"}", len(payload))
    return False
