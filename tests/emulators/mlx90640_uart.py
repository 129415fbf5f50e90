"""GY-MCU90640 emulator: the exact frames and command replies of the module."""
from __future__ import annotations

import threading
from typing import Optional

import numpy as np
from emulators.pty_device import PtyDevice

from drivers.thermal import mlx90640_frame as wire

#: DESIGN.md worked example: pixel0 36.50 C, others 30.00 C, Ta 25.12 C -> checksum B6 94.
EXAMPLE_IMAGE = np.full((24, 32), 30.0)
EXAMPLE_IMAGE[0, 0] = 36.5
EXAMPLE_AMBIENT = 25.12
EXAMPLE = (b"\x5a\x5a\x02\x06" + b"\x42\x0e" + b"\xb8\x0b" * 767 + b"\xd0\x09" + b"\xb6\x94")


def emissivity_reply(em: int) -> bytes:
    return bytes([0x5A, 0x5A, em, (0xB4 + em) & 0xFF])


class Mlx90640Emulator:
    """Streams frames once the driver has sent auto output (``A5 35 02 DC``)."""

    def __init__(self, dev: PtyDevice, frame: bytes = EXAMPLE, period: float = 0.02) -> None:
        self.dev = dev
        self.frame = frame
        self.period = period
        self.streaming = threading.Event()
        self._stop = threading.Event()
        self._thread: Optional[threading.Thread] = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="mlx-emulator", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        seen = bytearray()
        while not self._stop.is_set():
            if not self.dev.plugged:
                self.streaming.clear()
                seen.clear()
                self._stop.wait(0.01)
                continue
            seen += self.dev.read(0.001 if self.streaming.is_set() else 0.02)
            if wire.cmd_auto_output() in seen:
                self.streaming.set()
            if self.streaming.is_set():
                self._push(self.frame)
                self._stop.wait(self.period)

    def _push(self, data: bytes) -> None:
        """Write paced by the reader: never blocks past stop() or an unplug."""
        self.dev.push(data, lambda: not self._stop.is_set())

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2.0)
