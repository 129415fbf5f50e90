"""RDM6300 emulator helpers: the exact frames the module sends for a card."""
from __future__ import annotations

from functools import reduce


def frame(data: bytes) -> bytes:
    """14-byte frame for 5 data bytes (version + 4-byte id): 02, 10 hex, XOR hex, 03."""
    assert len(data) == 5
    check = reduce(lambda a, b: a ^ b, data, 0)
    return b"\x02" + data.hex().upper().encode("ascii") + f"{check:02X}".encode("ascii") + b"\x03"


#: DESIGN.md section 3 worked example.
EXAMPLE = bytes.fromhex("02 30 37 30 30 36 37 33 31 35 38 30 39 03")
EXAMPLE_DATA = bytes.fromhex("0700673158")
