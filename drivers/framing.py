"""Resynchronizing byte buffer for framed serial protocols."""
from __future__ import annotations

from typing import Callable, Optional


class FrameScanner:
    """Byte buffer with resync for framed protocols.

    ``frame_length(buf)`` sees the buffer starting at the preamble and returns the total
    frame length, ``None`` when more header bytes are needed, or ``0`` when the header is
    impossible. ``verify(frame)`` checks the complete frame. A bad header or a failed
    verify skips one byte and counts one malformed frame; bytes before a preamble are
    dropped (counted in ``skipped``).
    """

    def __init__(self, preamble: bytes, frame_length: Callable[[bytes], Optional[int]],
                 verify: Callable[[bytes], bool], max_frame: int = 65536) -> None:
        self.preamble = preamble
        self._length = frame_length
        self._verify = verify
        self._max = max_frame
        self._buf = bytearray()
        self.malformed = 0
        self.skipped = 0

    def clear(self) -> None:
        self._buf.clear()

    def feed(self, data: bytes) -> None:
        self._buf += data

    def take_malformed(self) -> int:
        n, self.malformed = self.malformed, 0
        return n

    def take_skipped(self) -> int:
        n, self.skipped = self.skipped, 0
        return n

    def next_frame(self) -> Optional[bytes]:
        """The next verified frame in the buffer, or None until more bytes arrive."""
        buf = self._buf
        while True:
            start = buf.find(self.preamble)
            if start < 0:
                # Keep a tail that may be the start of a preamble split across reads.
                keep = len(self.preamble) - 1
                drop = max(0, len(buf) - keep)
                self.skipped += drop
                del buf[:drop]
                return None
            if start:
                self.skipped += start
                del buf[:start]
            length = self._length(bytes(buf))
            if length is None:
                return None
            if length <= 0 or length > self._max:
                self.malformed += 1
                del buf[:1]
                continue
            if len(buf) < length:
                return None
            frame = bytes(buf[:length])
            if self._verify(frame):
                del buf[:length]
                return frame
            self.malformed += 1
            del buf[:1]
