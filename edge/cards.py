"""Card id normalization and masking, shared by readers, roster and records."""
from __future__ import annotations

import hashlib
import hmac
import re

_SEPARATORS = re.compile(r"[\s:\-_.]")


def normalize_card_id(raw: str) -> str:
    """Canonical text form of a card id: separators removed, hex letters upper-case.

    Readers are configured to print one format (hex UID, 10-digit decimal, ...); the
    roster must list cards in that same format. Normalizing only removes cosmetic
    differences (``de:ad:be:ef`` == ``DEADBEEF``).
    """
    return _SEPARATORS.sub("", raw).upper()


def mask_card_id(card_id: str) -> str:
    """What may appear in logs and on screens: the last 4 characters."""
    if len(card_id) <= 4:
        return "*" * len(card_id)
    return "*" * (len(card_id) - 4) + card_id[-4:]


def hash_card_id(card_id: str, key: bytes) -> str:
    """Keyed hash for anything that leaves the device (HMAC-SHA256, 16 hex chars)."""
    return hmac.new(key, card_id.encode("utf-8"), hashlib.sha256).hexdigest()[:16]
