"""Relative threshold (FLIR screening mode, DESIGN.md section 4).

The last ``window`` afebrile readings, highest and lowest dropped, averaged:
a fever is ``average + margin``. Needs ``min_samples`` first (the first people must be
afebrile, so until then the absolute threshold decides) and forgets everything after
``idle_s`` without a reading (the room, the crowd or the sensor may have changed).
"""
from __future__ import annotations

import collections
import logging
from typing import Deque, Optional

log = logging.getLogger(__name__)


class RelativeBaseline:
    def __init__(self, window: int, margin_c: float, min_samples: int, idle_s: float) -> None:
        self.window = window
        self.margin_c = margin_c
        self.min_samples = min(min_samples, window)
        self.idle_s = idle_s
        self._values: Deque[float] = collections.deque(maxlen=window)
        self._last_t: Optional[float] = None

    def __len__(self) -> int:
        return len(self._values)

    def _expire(self, t: float) -> None:
        if self._last_t is not None and t - self._last_t > self.idle_s and self._values:
            log.info("relative baseline reset after %.0f s idle", t - self._last_t)
            self._values.clear()

    def mean(self, t: float) -> Optional[float]:
        """Trimmed mean of the window, or None while learning."""
        self._expire(t)
        if len(self._values) < self.min_samples:
            return None
        ordered = sorted(self._values)
        trimmed = ordered[1:-1] if len(ordered) >= 3 else ordered
        return sum(trimmed) / len(trimmed)

    def threshold(self, t: float) -> Optional[float]:
        mean = self.mean(t)
        return None if mean is None else mean + self.margin_c

    def add(self, value_c: float, t: float) -> None:
        self._expire(t)
        self._values.append(value_c)
        self._last_t = t

    def reset(self) -> None:
        self._values.clear()
        self._last_t = None
