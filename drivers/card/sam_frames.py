"""Frames of the resident ID card SAM module (DESIGN.md section 3).

``AA AA AA 96 69`` + LEN (2 bytes big-endian, counts everything after itself incl. CHK)
+ body + CHK (XOR of LEN..body). Requests carry CMD PARA; replies SW1 SW2 SW3 + data.
"""
from __future__ import annotations

from typing import Optional

PREAMBLE = b"\xaa\xaa\xaa\x96\x69"
SAM_STATUS = b"\x11\xff"
FIND_CARD = b"\x20\x01"
SELECT_CARD = b"\x20\x02"
READ_TEXT_PHOTO = b"\x30\x01"

#: LEN of the longest reply this driver asks for (text + photo). A larger LEN is corruption:
#: accepting it would stall the resync until that many bytes arrived.
MAX_LEN = 0x0508

SW_OK = 0x90
SW_FOUND = 0x9F
SW_NO_CARD = 0x80
#: SW3 codes -> what the technician reads in the log.
SW_TEXT = {
    0x90: "ok", 0x9F: "card found", 0x80: "no card", 0x81: "card select failed",
    0x10: "checksum error in the request", 0x11: "length error in the request",
    0x21: "command not supported", 0x23: "unauthorized command", 0x24: "checksum error in the card reply",
    0x31: "card authentication failed", 0x32: "random number check failed", 0x33: "card authentication failed",
    0x40: "no such command", 0x41: "reading the card failed", 0x47: "read not allowed",
    0x60: "SAM self-test failed: replace or reseat the SAM module", 0x66: "SAM not authorized",
}


def _xor(data: bytes) -> int:
    x = 0
    for b in data:
        x ^= b
    return x


def build(body: bytes) -> bytes:
    length = (len(body) + 1).to_bytes(2, "big")
    return PREAMBLE + length + body + bytes([_xor(length + body)])


def frame_length(buf: bytes) -> Optional[int]:
    if len(buf) < 7:
        return None
    length = int.from_bytes(buf[5:7], "big")
    return 7 + length if 4 <= length <= MAX_LEN else 0


def verify(frame: bytes) -> bool:
    return _xor(frame[5:-1]) == frame[-1]


def body(frame: bytes) -> bytes:
    """Body of a verified frame: SW1 SW2 SW3 + data for replies."""
    return frame[7:-1]


def sw3(frame: bytes) -> int:
    b = body(frame)
    return b[2] if len(b) >= 3 else -1


def describe_sw(code: int) -> str:
    return SW_TEXT.get(code, f"unknown status {code:02X}")


def text_block(frame: bytes) -> Optional[bytes]:
    """The 256-byte text of a read text+photo reply, else None."""
    b = body(frame)
    if len(b) < 7 or b[2] != SW_OK:
        return None
    text_len = int.from_bytes(b[3:5], "big")
    photo_len = int.from_bytes(b[5:7], "big")
    if text_len != 256 or len(b) < 7 + text_len + photo_len:
        return None
    return bytes(b[7:7 + text_len])
