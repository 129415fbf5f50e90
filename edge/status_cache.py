"""Slow-changing facts for the screen's status bar, refreshed at most every few seconds
so that the screen thread never queries the database once per frame."""
from __future__ import annotations

import time
from typing import Any, Callable, Dict, Optional

from edge.disk_reserve import free_bytes

REFRESH_S = 2.0
DISK_LOW_BYTES = 50 * 1024 * 1024


class StatusCache:
    def __init__(self, store: Any, sync: Any, writer: Any, warmup_left_s: Callable[[float], float]) -> None:
        """``warmup_left_s(monotonic now)``: the screener's own clock, which a replugged
        sensor restarts and ``screening.warmup_minutes`` sets."""
        self.store, self.sync, self.writer = store, sync, writer
        self.warmup_left_s = warmup_left_s
        self._at = -1e18
        self._backlog = 0
        self._disk_low = False

    def screen_extras(self) -> Dict[str, Any]:
        now = time.monotonic()
        if now - self._at > REFRESH_S:
            self._at = now
            try:
                self._backlog = int(self.store.backlog()["count"])
            except Exception:  # noqa: BLE001 - the status bar must not take the screen down
                self._backlog = -1
            free = free_bytes(self.store.path)
            self._disk_low = free is None or free < DISK_LOW_BYTES
        flags = []
        if self.writer.fault is not None or self._disk_low:
            flags.append("disk_full")
        left_s = self.warmup_left_s(now)
        warmup_left: Optional[float] = left_s / 60.0 if left_s > 0 else None
        return {"sync": self.sync.state() if self.sync is not None else "disabled", "backlog": self._backlog,
                "warmup_min": warmup_left, "flags": tuple(flags)}
