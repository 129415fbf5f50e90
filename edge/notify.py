"""systemd notifications (sd_notify) over the notify socket, with no extra dependency.

The watchdog ping is sent from the lane loop's heartbeat, so a stuck lane stops the
pings and systemd restarts the service.
"""
from __future__ import annotations

import logging
import os
import socket
import time
from typing import Callable, Mapping, Optional

log = logging.getLogger(__name__)


class Notifier:
    def __init__(self, environ: Mapping[str, str] = os.environ, clock: Callable[[], float] = time.monotonic) -> None:
        address = environ.get("NOTIFY_SOCKET", "")
        if address.startswith("@"):
            address = "\0" + address[1:]  # abstract socket namespace
        self.address: Optional[str] = address or None
        usec = environ.get("WATCHDOG_USEC", "")
        pid = environ.get("WATCHDOG_PID", "")
        watchdog_for_us = not pid or pid == str(os.getpid())
        # Ping at half the interval systemd allows, as sd_watchdog_enabled(3) advises.
        self.watchdog_interval: Optional[float] = int(usec) / 2e6 if usec.isdigit() and watchdog_for_us else None
        self.clock = clock
        self._last_ping = -1e18
        self._sock: Optional[socket.socket] = None

    @property
    def enabled(self) -> bool:
        return self.address is not None

    def send(self, message: str) -> bool:
        if self.address is None:
            return False
        try:
            if self._sock is None:
                self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            self._sock.sendto(message.encode(), self.address)
            return True
        except OSError as exc:
            log.warning("sd_notify %r failed: %s", message.split("=")[0], exc)
            return False

    def ready(self, status: str = "") -> None:
        self.send("READY=1" + (f"\nSTATUS={status}" if status else ""))

    def status(self, status: str) -> None:
        self.send(f"STATUS={status}")

    def stopping(self) -> None:
        self.send("STOPPING=1")

    def heartbeat(self) -> None:
        """Called every lane loop turn; pings the watchdog when half its interval passed."""
        if self.watchdog_interval is None:
            return
        now = self.clock()
        if now - self._last_ping >= self.watchdog_interval:
            self._last_ping = now
            self.send("WATCHDOG=1")

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None
