"""PN532 (HSU) emulator speaking exact frames over a pty.

Sleeps until woken by ``55 55``; ACKs every well-formed host frame while awake, then
answers GetFirmwareVersion, SAMConfiguration, RFConfiguration and InListPassiveTarget.
``drop_acks`` makes the chip miss the next N commands (no ACK, back to sleep), as a
chip that fell asleep or lost sync does.
"""
from __future__ import annotations

import threading
from typing import List, Optional

ACK = bytes.fromhex("0000FF00FF00")
FIRMWARE = bytes.fromhex("32010607")  # PN532, v1.6, supports ISO14443A/B + ISO18092


def chip_frame(payload: bytes) -> bytes:
    """Chip->host frame for ``payload`` (D5 + response code + data)."""
    n = len(payload)
    return bytes([0x00, 0x00, 0xFF, n, (-n) & 0xFF]) + payload + bytes([(-sum(payload)) & 0xFF, 0x00])


class Pn532Emulator:
    def __init__(self) -> None:
        self.uid: Optional[bytes] = None  # card in the field
        self.awake = False
        self.drop_acks = 0
        self.commands: List[bytes] = []  # complete host frames, in order
        self.wakeups = 0
        self._buf = bytearray()
        self._lock = threading.Lock()

    def __call__(self, data: bytes) -> bytes:
        with self._lock:
            self._buf += data
            out = bytearray()
            while True:
                wake = self._buf.find(b"\x55\x55")
                start = self._buf.find(b"\x00\x00\xff")
                if wake >= 0 and (start < 0 or wake < start):
                    self.awake = True
                    self.wakeups += 1
                    del self._buf[:wake + 2]
                    continue
                if start < 0 or len(self._buf) < start + 5:
                    return bytes(out)
                n = self._buf[start + 3]
                total = start + 3 + 2 + n + 2
                if n == 0:  # ACK from the host (abort): nothing to answer
                    del self._buf[:start + 6]
                    continue
                if len(self._buf) < total:
                    return bytes(out)
                frame = bytes(self._buf[start:total])
                del self._buf[:total]
                self.commands.append(frame)
                out += self._handle(frame)

    def _handle(self, frame: bytes) -> bytes:
        if not self.awake:
            return b""
        if self.drop_acks:
            self.drop_acks -= 1
            self.awake = False
            return b""
        body = frame[5:-2]
        if body[0] != 0xD4 or (sum(body) + frame[-2]) & 0xFF:
            return bytes.fromhex("0000FFFF0000")  # NACK
        code = body[1]
        reply = {0x02: FIRMWARE, 0x14: b"", 0x32: b""}.get(code)
        if code == 0x4A:
            if self.uid is None:
                reply = b"\x00"
            else:
                reply = bytes([1, 1, 0x00, 0x04, 0x08, len(self.uid)]) + self.uid
        if reply is None:
            return ACK
        return ACK + chip_frame(bytes([0xD5, code + 1]) + reply)
