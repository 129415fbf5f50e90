"""A clinical thermometer reading as a person types it: on the guard's keypad or with
``gate-edge confirm``. One rule for both, so a reading the keypad takes is never refused
on the command line, and the other way round."""
from __future__ import annotations

import math
from typing import Optional

# Clinical thermometer readings outside this range are typing mistakes.
READING_MIN_C = 34.0
READING_MAX_C = 43.0


def parse_reading(typed: str) -> Optional[float]:
    """A typed clinical reading in deg C (rounded to 0.01), or None when it is not plausible.

    Numpad users often skip the dot: three digits ``379`` mean 37.9, four ``3795`` 37.95.
    A comma is a decimal separator (``37,9``), as on keyboards set up for it.
    """
    text = typed.strip().replace(",", ".")
    if not text or text.count(".") > 1 or text == ".":
        return None
    if "." not in text and len(text) in (3, 4) and text.isdigit():
        text = text[:2] + "." + text[2:]
    try:
        value = float(text)
    except ValueError:
        return None
    if not math.isfinite(value) or not READING_MIN_C <= value <= READING_MAX_C:
        return None
    return round(value, 2)
