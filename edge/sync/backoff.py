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


class ReconnectBackoff(Backoff):
    """Connection attempts. A connection only counts as a recovery (the delays start small
    again) once the broker passed a message on, or once it stayed up ``stable_s``: a broker
    that accepts the connection and then drops it at the first message (Mosquitto 2.0 does
    so after refusing a publish on an ACL) would otherwise be retried at the shortest delay
    forever, a full window of batches resent each time."""

    def __init__(self, first_s: float, cap_s: float, stable_s: float = 30.0) -> None:
        super().__init__(first_s, cap_s)
        self.stable_s = stable_s
        self._up_since: Optional[float] = None

    def connected(self, now: float) -> None:
        self._up_since = now

    def dropped(self, now: float) -> None:
        if self._up_since is not None and now - self._up_since >= self.stable_s:
            self.reset()
        self._up_since = None
