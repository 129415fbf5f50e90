"""GY-MCU90640 wire format (DESIGN.md section 3): command builder and frame parser.

Pure functions, no I/O, so the parser can be fuzzed and benchmarked on its own.
Frame module->host: ``5A 5A 02 06``, 768 x int16 LE pixels (0.01 C, 24 rows x 32
columns), int16 LE sensor ambient (0.01 C), uint16 LE checksum = sum of the 771 LE
words in bytes 0..1541. A 4-byte ``5A 5A EM SUM`` emissivity reply is not a frame.
"""
from __future__ import annotations

from typing import Optional, Tuple

import numpy as np

from drivers.framing import FrameScanner

ROWS, COLS = 24, 32
PIXELS = ROWS * COLS
FRAME_LEN = 1544
HEADER = b"\x5a\x5a\x02\x06"  # preamble + length 0x0602 = 1538, LE

BAUD_CODES = {9600: 0x01, 115200: 0x02, 460800: 0x03}
RATE_CODES = {0.5: 0x00, 1.0: 0x01, 2.0: 0x02, 4.0: 0x03, 8.0: 0x04}


def command(cmd: int, data: int) -> bytes:
    """4-byte host->module command ``A5 CMD DATA SUM``."""
    return bytes([0xA5, cmd & 0xFF, data & 0xFF, (0xA5 + cmd + data) & 0xFF])


def cmd_baud(baud: int) -> bytes:
    return command(0x15, BAUD_CODES[baud])


def cmd_rate(hz: float) -> bytes:
    return command(0x25, RATE_CODES[float(hz)])


def cmd_auto_output() -> bytes:
    return command(0x35, 0x02)


def cmd_single_frame() -> bytes:
    return command(0x35, 0x01)


def cmd_emissivity(emissivity: float) -> bytes:
    return command(0x45, round(emissivity * 100))


def checksum(body: bytes) -> int:
    """Sum of the little-endian 16-bit words of ``body`` (bytes 0..1541), & 0xFFFF."""
    return int(np.frombuffer(body, dtype="<u2").sum(dtype=np.uint32)) & 0xFFFF


def frame_ok(frame: bytes) -> bool:
    if len(frame) != FRAME_LEN or frame[:4] != HEADER:
        return False
    return checksum(frame[:FRAME_LEN - 2]) == int.from_bytes(frame[FRAME_LEN - 2:], "little")


def parse_frame(frame: bytes, mirror: bool = False) -> Optional[Tuple[np.ndarray, float]]:
    """(celsius (24, 32) float32, ambient C) of a verified frame, else None."""
    if not frame_ok(frame):
        return None
    words = np.frombuffer(frame, dtype="<i2", count=PIXELS + 1, offset=4)
    celsius = words[:PIXELS].reshape(ROWS, COLS).astype(np.float32) / np.float32(100.0)
    if mirror:
        celsius = np.ascontiguousarray(celsius[:, ::-1])
    return celsius, float(words[PIXELS]) / 100.0


def build_frame(celsius: np.ndarray, ambient_c: float) -> bytes:
    """The exact bytes a module sends for a (24, 32) image (emulators, benchmarks)."""
    pixels = np.round(np.asarray(celsius, dtype=np.float64).reshape(PIXELS) * 100).astype("<i2")
    ta = np.array([round(ambient_c * 100)], dtype="<i2")
    body = HEADER + pixels.tobytes() + ta.tobytes()
    return body + checksum(body).to_bytes(2, "little")


def new_scanner() -> FrameScanner:
    """Resync on ``5A 5A 02 06``, wait for 1544 bytes, verify, else skip one byte.

    The whole 4-byte header is the preamble, so a ``5A 5A EM SUM`` emissivity reply
    is dropped as noise instead of being taken for the start of a frame.
    """
    return FrameScanner(HEADER, lambda buf: FRAME_LEN, frame_ok, max_frame=FRAME_LEN)


def is_emissivity_reply(data: bytes) -> bool:
    """``5A 5A EM SUM`` with SUM = (5A+5A+EM)&0xFF (the module's answer to A5 45)."""
    return len(data) == 4 and data[:2] == b"\x5a\x5a" and data[3] == (0xB4 + data[2]) & 0xFF
