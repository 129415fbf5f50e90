"""The retained health message."""
from __future__ import annotations

import json
import logging
import time
from typing import Any, Callable, Dict, Optional

import edge
from edge.disk_reserve import free_bytes

log = logging.getLogger(__name__)


def status_of(provider: Callable[[], Dict[str, Any]]) -> Dict[str, Any]:
    """The daemon's own facts for health; a broken provider must not stop the sync."""
    try:
        return provider()
    except Exception as exc:
        log.warning("status provider failed: %s", exc)
        return {}


def health_payload(device: str, backlog: Dict[str, Any], status: Dict[str, Any], roster_version: Optional[int],
                   db_path: str, uptime_s: float, sync_counters: Dict[str, int],
                   roster_counters: Dict[str, int]) -> bytes:
    body = {
        "v": 1, "device": device, "ts": time.time(),
        "backlog": int(backlog["count"]), "oldest_unsent_s": round(float(backlog["oldest_age_s"]), 1),
        "roster_version": roster_version, "disk_free_bytes": free_bytes(db_path),
        "uptime_s": round(uptime_s, 1), "software": edge.__version__,
        "sync": dict(sync_counters), "roster": dict(roster_counters), "status": status,
    }
    return json.dumps(body, separators=(",", ":"), sort_keys=True, default=str).encode("utf-8")
