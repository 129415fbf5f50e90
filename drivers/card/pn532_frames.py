"""PN532 host-controller frames (normal information frames, ACK, NACK)."""
from __future__ import annotations

from typing import Optional, Tuple

START = b"\x00\xff"
ACK = b"\x00\x00\xff\x00\xff\x00"
NACK = b"\x00\x00\xff\xff\x00\x00"
#: HSU wake-up: 55 55 then zeros long enough for the chip's oscillator to start.
WAKE = b"\x55\x55" + b"\x00" * 15
TFI_HOST, TFI_CHIP = 0xD4, 0xD5

GET_FIRMWARE_VERSION = b"\x02"
SAM_CONFIGURATION = b"\x14\x01\x14\x01"  # normal mode, 1 s virtual-card timeout, use IRQ
#: RFConfiguration item 5 (MaxRetries): ATR 0xFF, PSL 1, passive activation 1 retry, so that
#: InListPassiveTarget answers "no target" instead of waiting forever for a card.
RF_MAX_RETRIES = b"\x32\x05\xff\x01\x01"
IN_LIST_PASSIVE_TARGET = b"\x4a\x01\x00"  # max 1 target, 106 kbps type A


def build(command: bytes) -> bytes:
    """Host->chip frame for ``command`` (command code + parameters)."""
    body = bytes([TFI_HOST]) + command
    length = len(body)
    return (b"\x00\x00\xff" + bytes([length, (-length) & 0xFF]) + body
            + bytes([(-sum(body)) & 0xFF, 0x00]))


def frame_length(buf: bytes) -> Optional[int]:
    """Length of the frame at ``buf`` (starting at the 00 FF start code); see FrameScanner."""
    if len(buf) < 4:
        return None
    if buf[2:4] in (b"\x00\xff", b"\xff\x00"):  # ACK / NACK after the start code
        return 5
    length, lcs = buf[2], buf[3]
    if length == 0 or (length + lcs) & 0xFF:
        return 0
    return length + 6


def verify(frame: bytes) -> bool:
    if frame in (ACK[1:], NACK[1:]):
        return True
    length = frame[2]
    body = frame[4:4 + length]
    if len(frame) != length + 6 or frame[-1] != 0x00:
        return False
    return (sum(body) + frame[-2]) & 0xFF == 0


def parse(frame: bytes) -> Tuple[str, bytes]:
    """("ack"|"nack"|"data", payload) of a verified frame; payload = TFI + data."""
    if frame == ACK[1:]:
        return "ack", b""
    if frame == NACK[1:]:
        return "nack", b""
    return "data", frame[4:4 + frame[2]]


def target_uid(payload: bytes) -> Optional[bytes]:
    """UID of the first target in an InListPassiveTarget reply payload (D5 4B ...)."""
    if len(payload) < 3 or payload[0] != TFI_CHIP or payload[1] != IN_LIST_PASSIVE_TARGET[0] + 1:
        return None
    data = payload[2:]
    if data[0] == 0 or len(data) < 6:
        return None
    uid_len = data[5]
    uid = data[6:6 + uid_len]
    if uid_len not in (4, 7, 10) or len(uid) != uid_len:
        return None
    return uid
