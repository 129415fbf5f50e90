"""The 256-byte UTF-16LE text block of a Chinese resident ID card (via the SAM module).

Field sizes in bytes (GA 467): name 30, sex 2, nation 4, birth 16, address 70,
ID number 36, issuing authority 30, valid from 16, valid to 16, reserved 36.
The ID number is sensitive: it is excluded from repr() and must only leave this module
masked (:func:`mask_id_number`) or keyed-hashed.
"""
from __future__ import annotations

import dataclasses
from typing import Optional

TEXT_LEN = 256
FIELDS = (("name", 30), ("sex", 2), ("nation", 4), ("birth", 16), ("address", 70),
          ("id_number", 36), ("issuer", 30), ("valid_from", 16), ("valid_to", 16), ("reserved", 36))
SEX = {"0": "unknown", "1": "male", "2": "female", "9": "unspecified"}


@dataclasses.dataclass(frozen=True)
class IdCardText:
    name: str
    sex: str  # GB/T 2261.1 code: 1 male, 2 female
    nation: str  # two-digit nationality code (01 = Han)
    birth: str  # YYYYMMDD
    address: str
    id_number: str = dataclasses.field(repr=False)
    issuer: str = ""
    valid_from: str = ""  # YYYYMMDD
    valid_to: str = ""  # YYYYMMDD or the text for "long-term"

    @property
    def id_masked(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def sex_text(self) -> str:
        return SEX.get(self.sex, "unknown")


def mask_id_number(id_number: str) -> str:
    """``first6********last4`` (the 8 birth-date digits hidden); fully masked if too short."""
    if len(id_number) < 12:
        return "*" * len(id_number)
    return id_number[:6] + "*" * (len(id_number) - 10) + id_number[-4:]


def parse_text(block: bytes) -> Optional[IdCardText]:
    """Parse the text block; None when it is not 256 bytes or holds no ID number."""
    if len(block) != TEXT_LEN:
        return None
    values = {}
    offset = 0
    for name, size in FIELDS:
        raw = block[offset:offset + size]
        offset += size
        # Fields are space padded; a damaged read may carry NULs or broken surrogates.
        values[name] = raw.decode("utf-16-le", errors="replace").replace("\x00", " ").strip()
    values.pop("reserved")
    id_number = values["id_number"]
    if not id_number or not all(c.isdigit() or c in "Xx" for c in id_number):
        return None
    values["id_number"] = id_number.upper()
    return IdCardText(**values)


def build_text(**fields: str) -> bytes:
    """The 256-byte block for the given fields (space padded): emulators and tests."""
    out = bytearray()
    for name, size in FIELDS:
        raw = fields.get(name, "").encode("utf-16-le")
        if len(raw) > size:
            raise ValueError(f"{name} longer than {size} bytes")
        out += raw + " ".encode("utf-16-le") * ((size - len(raw)) // 2)
    return bytes(out)
