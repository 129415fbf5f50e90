"""Keyboard-wedge reader emulator: the struct input_event records the kernel delivers.

Tests write these records into a FIFO that the driver opens in place of
/dev/input/event*; EVIOCGRAB fails on a FIFO, which the driver tolerates.
"""
from __future__ import annotations

import os
import stat
import struct
from pathlib import Path
from typing import Optional

EVENT = struct.Struct("llHHi")
EV_SYN, EV_KEY, EV_MSC = 0, 1, 4
KEY_CODES = {**{str((i + 1) % 10): i + 2 for i in range(10)}, "\n": 28}


def event(etype: int, code: int, value: int, sec: int = 1700000000, usec: int = 0) -> bytes:
    return EVENT.pack(sec, usec, etype, code, value)


def typed(text: str, repeat_first: bool = False) -> bytes:
    """Events a wedge reader emits for ``text`` (digits, '\\n' = Enter): scan code, press, SYN, release, SYN."""
    out = bytearray()
    for i, ch in enumerate(text):
        code = KEY_CODES[ch]
        out += event(EV_MSC, 4, 0x70000 + code) + event(EV_KEY, code, 1) + event(EV_SYN, 0, 0)
        if repeat_first and i == 0:
            out += event(EV_KEY, code, 2) + event(EV_SYN, 0, 0)  # auto-repeat: ignored
        out += event(EV_KEY, code, 0) + event(EV_SYN, 0, 0)
    return bytes(out)


class FifoInput:
    """A FIFO standing in for an input device node, with unplug/replug."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._fd: Optional[int] = None
        self.plug()

    def plug(self) -> None:
        os.mkfifo(self.path)
        # O_RDWR keeps a writer attached so the driver only sees end-of-file on unplug.
        self._fd = os.open(self.path, os.O_RDWR)

    def unplug(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
        if self.path.exists() and stat.S_ISFIFO(os.stat(self.path).st_mode):
            self.path.unlink()

    def write(self, data: bytes) -> None:
        assert self._fd is not None
        os.write(self._fd, data)

    def close(self) -> None:
        self.unplug()
