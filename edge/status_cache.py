"""Slow-changing facts for the screen's status bar, refreshed at most every few seconds
so that the screen thread never queries the database once per frame."""
from __future__ import annotations

import os
import shutil
import time
from typing import Any, Dict, Optional

REFRESH_S = 2.0
DISK_LOW_BYTES = 50 * 1024 * 1024


class StatusCache:
    def __init__(self, store: Any, sync: Any, writer: Any, thermal: Any, started: float) -> None:
        self.store, self.sync, self.writer, self.thermal = store, sync, writer, thermal
        self.started = started
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
            try:
                self._disk_low = shutil.disk_usage(os.path.dirname(os.path.abspath(self.store.path))).free < DISK_LOW_BYTES
            except OSError:
                self._disk_low = True
        flags = []
        if self.writer.fault is not None or self._disk_low:
            flags.append("disk_full")
        warmup_left: Optional[float] = None
        minutes = self.thermal.warmup_minutes
        if minutes > 0:
            left = minutes - (now - self.started) / 60.0
            warmup_left = left if left > 0 else None
        return {"sync": self.sync.state() if self.sync is not None else "disabled", "backlog": self._backlog,
                "warmup_min": warmup_left, "flags": tuple(flags)}
