"""Resident ID card reader (SAM module) emulator speaking exact frames over a pty."""
from __future__ import annotations

import threading
from functools import reduce
from typing import List, Optional

PREAMBLE = bytes.fromhex("AAAAAA9669")
PHOTO = bytes(1024)  # WLT photo bytes: never decoded by the driver


def frame(body: bytes) -> bytes:
    length = (len(body) + 1).to_bytes(2, "big")
    return PREAMBLE + length + body + bytes([reduce(lambda a, b: a ^ b, length + body, 0)])


class SamEmulator:
    def __init__(self, text: Optional[bytes] = None) -> None:
        self.text = text  # 256-byte text block of the card on the reader, None = no card
        self.status = 0x90  # SW3 of the SAM status reply
        self.read_status = 0x90  # SW3 of the read text+photo reply
        self.mute = False  # a module without power: requests go unanswered
        self.requests: List[bytes] = []  # complete request frames, in order
        self._buf = bytearray()
        self._lock = threading.Lock()

    def __call__(self, data: bytes) -> bytes:
        with self._lock:
            self._buf += data
            out = bytearray()
            while True:
                start = self._buf.find(PREAMBLE)
                if start < 0 or len(self._buf) < start + 7:
                    return bytes(out)
                total = start + 7 + int.from_bytes(self._buf[start + 5:start + 7], "big")
                if len(self._buf) < total:
                    return bytes(out)
                req = bytes(self._buf[start:total])
                del self._buf[:total]
                self.requests.append(req)
                if not self.mute:
                    out += self._handle(req[7:-1])

    def _handle(self, body: bytes) -> bytes:
        sw = b"\x00\x00"
        cmd = bytes(body[:2])
        if cmd == b"\x11\xff":
            return frame(sw + bytes([self.status]))
        if cmd == b"\x20\x01":
            return frame(sw + (b"\x9f" + bytes(4) if self.text else b"\x80"))
        if cmd == b"\x20\x02":
            return frame(sw + (b"\x90" + bytes(8) if self.text else b"\x81"))
        if cmd == b"\x30\x01":
            if not self.text or self.read_status != 0x90:
                return frame(sw + bytes([0x41 if not self.text else self.read_status]))
            return frame(sw + b"\x90" + b"\x01\x00\x04\x00" + self.text + PHOTO)
        return frame(sw + b"\x21")
