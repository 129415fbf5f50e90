"""USB keyboard-wedge card readers through the Linux input device (evdev).

Reads ``struct input_event`` records from ``/dev/input/by-id/...-event-kbd`` with the
standard library only, grabs the device exclusively (EVIOCGRAB) so card numbers do not
land in whatever has the keyboard focus, and collects digits until Enter.
"""
from __future__ import annotations

import dataclasses
import errno
import fcntl
import logging
import os
import select
import struct
import time
from typing import List, Optional

from drivers.base import CardEvent, CardReader, DeviceState
from drivers.card.common import Debouncer, next_new_card
from edge.settings.fields import setting

log = logging.getLogger(__name__)

#: struct input_event: struct timeval (two native longs), __u16 type, __u16 code, __s32 value.
EVENT = struct.Struct("llHHi")
EV_KEY = 0x01
KEY_UP, KEY_DOWN, KEY_REPEAT = 0, 1, 2
KEY_ENTER, KEY_KPENTER = 28, 96
#: Top-row digits (KEY_1..KEY_0 = 2..11) and keypad digits.
DIGITS = {**{code: "1234567890"[code - 2] for code in range(2, 12)},
          71: "7", 72: "8", 73: "9", 75: "4", 76: "5", 77: "6", 79: "1", 80: "2", 81: "3", 82: "0"}
EVIOCGRAB = 0x40044590  # _IOW('E', 0x90, int)
BACKOFF_START_S, BACKOFF_MAX_S = 0.2, 2.0


@dataclasses.dataclass
class Options:
    device: str = setting("/dev/input/by-id/usb-card-reader-event-kbd",
                          doc="Input device; use the stable /dev/input/by-id/...-event-kbd path.")
    grab: bool = setting(True, doc="Grab the device exclusively so card numbers are not typed elsewhere.")
    min_digits: int = setting(4, min=1, max=64, doc="Shorter key sequences before Enter are ignored.")
    key_gap: float = setting(0.5, min=0.01, max=10.0,
                             doc="Seconds between keys after which a partial number is discarded.")
    debounce: float = setting(1.0, min=0.0, max=60.0,
                              doc="Seconds a card must be away before it counts as a new presentation.")


class HidKeyboardReader(CardReader):
    type_name = "hid_keyboard"
    Options = Options

    def __init__(self, options: Options, context) -> None:
        super().__init__(options, context)
        self._fd: Optional[int] = None
        self._opened = False
        self._buf = bytearray()
        self._digits = ""
        self._ready: List[str] = []  # numbers completed by one read, handed out one per read()
        self._last_key = 0.0
        self._backoff = BACKOFF_START_S
        self._next_attempt = 0.0
        self._debounce = Debouncer(options.debounce)
        for key in ("bytes", "frames", "malformed", "reconnects"):
            self.counters.setdefault(key, 0)

    def describe(self) -> str:
        return f"{self.type_name} on {self.options.device}"

    @classmethod
    def device_path(cls, options: Options) -> str:
        return str(options.device)

    def open(self) -> None:
        self._opened = True
        self._connect(first=True)

    def close(self) -> None:
        self._opened = False
        self._drop()
        self._set_state(DeviceState.DOWN, "closed")

    def _connect(self, first: bool = False) -> bool:
        try:
            fd = os.open(self.options.device, os.O_RDONLY | os.O_NONBLOCK)
        except OSError as exc:
            self._next_attempt = time.monotonic() + self._backoff
            self._backoff = min(self._backoff * 2, BACKOFF_MAX_S)
            self._set_state(DeviceState.RECONNECTING, f"cannot open {self.options.device}: {exc.strerror}")
            return False
        if self.options.grab:
            try:
                fcntl.ioctl(fd, EVIOCGRAB, 1)
            except OSError as exc:
                # Not an evdev node (a FIFO in tests, a wrong path) or already grabbed by
                # another program: keep reading without the grab rather than failing.
                log.warning("hid_keyboard: cannot grab %s (%s); keys may also reach other programs",
                            self.options.device, exc.strerror)
        self._fd = fd
        self._buf.clear()
        self._digits = ""
        self._backoff = BACKOFF_START_S
        if not first:
            self.count("reconnects")
        self._set_state(DeviceState.OK, "")
        return True

    def _drop(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)  # closing releases the grab too

    def _lost(self, why: str) -> None:
        log.warning("hid_keyboard: lost %s: %s", self.options.device, why)
        self._drop()
        self._backoff = BACKOFF_START_S
        self._next_attempt = time.monotonic() + BACKOFF_START_S
        self._set_state(DeviceState.RECONNECTING, why)

    def _key(self, code: int, now: float) -> Optional[str]:
        """Feed one key press; the finished card number on Enter."""
        if self._digits and now - self._last_key > self.options.key_gap:
            self.count("malformed")
            self._digits = ""
        self._last_key = now
        if code in DIGITS:
            self._digits += DIGITS[code]
            return None
        if code in (KEY_ENTER, KEY_KPENTER):
            number, self._digits = self._digits, ""
            if len(number) >= self.options.min_digits:
                return number
            if number:
                self.count("malformed")
            return None
        self.count("ignored_keys")
        return None

    def feed(self, data: bytes, now: float) -> list:
        """Card numbers completed by the input_event records in ``data``."""
        self._buf += data
        numbers = []
        usable = len(self._buf) - len(self._buf) % EVENT.size
        for _sec, _usec, etype, code, value in EVENT.iter_unpack(bytes(self._buf[:usable])):
            if etype == EV_KEY and value == KEY_DOWN:  # key-up and auto-repeat ignored
                number = self._key(code, now)
                if number:
                    numbers.append(number)
        del self._buf[:usable]
        return numbers

    def read(self, timeout: float) -> Optional[CardEvent]:
        deadline = time.monotonic() + timeout
        while self._opened:
            event = next_new_card(self._ready, self._debounce, self.count, self.type_name)
            if event is not None:
                return event
            now = time.monotonic()
            if self._fd is None:
                if now >= self._next_attempt and self._connect():
                    continue
                if now >= deadline:
                    return None
                time.sleep(max(0.001, min(0.05, deadline - now, self._next_attempt - now)))
                continue
            ready, _, _ = select.select([self._fd], [], [], max(0.0, min(0.1, deadline - now)))
            if ready:
                try:
                    data = os.read(self._fd, EVENT.size * 64)
                except OSError as exc:
                    if exc.errno not in (errno.EAGAIN, errno.EINTR):
                        self._lost(exc.strerror or str(exc))  # ENODEV when unplugged
                    continue
                if not data:
                    self._lost("end of file")
                    continue
                self.count("bytes", len(data))
                # Two cards typed within one read (a fast reader, a busy host): both are kept.
                self._ready.extend(self.feed(data, time.monotonic()))
            if time.monotonic() >= deadline:
                return None
        return None
