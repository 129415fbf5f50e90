"""RDM6300 / EM4100 125 kHz reader (9600 8N1, DESIGN.md section 3).

Frame: ``02``, 10 ASCII hex (version byte + 4-byte id), 2 ASCII hex XOR of the 5
bytes, ``03``. The reader repeats the frame while the card is held.
"""
from __future__ import annotations

import dataclasses
import time
from typing import Literal, Optional, Tuple

from drivers.base import CardEvent, CardReader
from drivers.card.common import Debouncer, card_event
from drivers.framing import FrameScanner
from drivers.serialport import SerialDevice, SerialOptions
from edge.settings.fields import setting

FRAME_LEN = 14
STX, ETX = 0x02, 0x03
_HEX = frozenset(b"0123456789ABCDEFabcdef")


@dataclasses.dataclass
class Options(SerialOptions):
    baud: int = setting(9600, min=300, max=4000000, doc="Line speed (the RDM6300 is fixed at 9600).")
    number_format: Literal["hex", "dec10", "wiegand26"] = setting(
        "dec10", doc="Printed card number: hex = 10 hex chars (version + id), dec10 = last 4 bytes "
                     "as 10 decimal digits (the number printed on most cards), wiegand26 = facility,card.")
    debounce: float = setting(1.0, min=0.0, max=60.0,
                              doc="Seconds a card must be away before it counts as a new presentation.")


def decode_frame(frame: bytes) -> Optional[bytes]:
    """The 5 data bytes (version + id) of a valid 14-byte frame, else None."""
    if len(frame) != FRAME_LEN or frame[0] != STX or frame[-1] != ETX:
        return None
    body = frame[1:13]
    if not all(c in _HEX for c in body):
        return None
    raw = bytes.fromhex(body.decode("ascii"))
    data, check = raw[:5], raw[5]
    xor = 0
    for b in data:
        xor ^= b
    return data if xor == check else None


def format_number(data: bytes, number_format: str) -> str:
    """Card number text of the 5 data bytes in the configured format."""
    if number_format == "hex":
        return data.hex().upper()
    if number_format == "dec10":
        return f"{int.from_bytes(data[1:5], 'big'):010d}"
    if number_format == "wiegand26":
        return f"{data[2]},{int.from_bytes(data[3:5], 'big')}"
    raise ValueError(f"unknown number_format {number_format!r}")


def new_scanner() -> FrameScanner:
    return FrameScanner(bytes([STX]), lambda buf: FRAME_LEN, lambda f: decode_frame(f) is not None)


class Rdm6300Reader(SerialDevice, CardReader):
    type_name = "rdm6300"
    Options = Options

    @classmethod
    def card_id_format(cls, options: Options) -> Optional[Tuple[str, str]]:
        if options.number_format == "dec10":
            return r"[0-9]{10}", "10 digits with the leading zeros, number_format dec10"  # ([0-9]: not full-width)
        if options.number_format == "hex":
            return r"[0-9A-F]{10}", "10 hex characters, number_format hex"
        return None

    def __init__(self, options: Options, context) -> None:
        super().__init__(options, context)
        self._scan = new_scanner()
        self._debounce = Debouncer(options.debounce)

    def _serial_connected(self) -> None:
        self._scan.clear()

    def read(self, timeout: float) -> Optional[CardEvent]:
        deadline = time.monotonic() + timeout
        while True:
            frame = self.read_frame(self._scan, deadline)
            if frame is None:
                return None
            data = decode_frame(frame)
            if data is None:  # read_frame only returns verified frames
                continue
            number = format_number(data, self.options.number_format)
            if self._debounce.accept(number):
                return card_event(self.type_name, number)
            self.count("repeats")
