"""Reconnect delays: exponential with jitter, capped."""
from __future__ import annotations

import random
from typing import Optional


class Backoff:
    def __init__(self, first_s: float, cap_s: float, rng: Optional[random.Random] = None) -> None:
        self.first_s = first_s
        self.cap_s = max(cap_s, first_s)
        self.attempts = 0
        self._rng = rng or random.Random()

    def next_delay(self) -> float:
        """Delay before the next attempt: in [base/2, base], base doubling up to the cap.

        The jitter spreads a school's gates apart after a broker restart so they do not
        all reconnect in the same instant.
        """
        base = min(self.cap_s, self.first_s * (2 ** min(self.attempts, 30)))
        self.attempts += 1
        return self._rng.uniform(base / 2, base)

    def reset(self) -> None:
        self.attempts = 0
