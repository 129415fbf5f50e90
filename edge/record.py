"""The record of one finished passage: what the lane hands to the store and the screen."""
from __future__ import annotations

import dataclasses
import math
from typing import Any, Dict, Optional, Tuple

from edge.cards import mask_card_id
from edge.verdict import Verdict


@dataclasses.dataclass(frozen=True)
class PassageRecord:
    t: float  # monotonic seconds of the verdict (recording seconds in replay)
    wall: float  # Unix epoch seconds of the verdict, from the lane's clock
    clock_ok: bool  # wall clock was synchronized when the verdict was made
    verdict: Verdict
    reasons: Tuple[str, ...]  # reason codes (edge.reasons), most important first
    card: Optional[str]  # normalized card id (stays on the device; hashed when synced)
    card_reader: Optional[str]
    person_id: Optional[str]
    skin_c: Optional[float]  # raw skin reading
    body_c: Optional[float]  # body estimate
    measurement: Dict[str, Any]  # ScreeningResult.details (corrections, calibration version, ...)
    policy: Dict[str, Any]  # policy facts (roster version, soft flags, ...)
    t_card: Optional[float] = None
    t_measured: Optional[float] = None

    def to_json(self) -> Dict[str, Any]:
        """Plain-JSON view (enums as strings). The card id is left to the caller to mask."""
        data = dataclasses.asdict(self)
        data["verdict"] = self.verdict.value
        data["reasons"] = list(self.reasons)
        return data


def shown_c(value: float) -> str:
    """A body temperature for the guard and the log: one decimal, rounded down. 37.27 is a
    pass under a 37.3 fever line and must not read "37.3" beside PASS. (Records keep the
    full value; the round() only absorbs float noise such as 37.3 * 10 = 372.99999...)"""
    return f"{math.floor(round(value * 10, 6)) / 10:.1f}"


def masked_card(record: PassageRecord) -> Optional[str]:
    """The card as it may leave the device or show on a screen. A visitor's card id is the
    keyed hash of their ID number, so theirs is the masked number the policy kept
    (first 6 + last 4 digits); any other card shows its last 4 characters."""
    if record.card is None:
        return None
    visitor = record.policy.get("visitor")
    if isinstance(visitor, dict) and visitor.get("id_masked"):
        return str(visitor["id_masked"])
    return mask_card_id(record.card)

