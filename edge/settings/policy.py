from __future__ import annotations

import dataclasses
from typing import Literal, Optional

from edge.settings.checks import file_path
from edge.settings.errors import FieldError
from edge.settings.fields import setting


@dataclasses.dataclass
class PolicySettings:
    """Who may pass this gate (DESIGN.md section 1)."""

    roster_file: Optional[str] = setting(None, check=file_path, doc="Local roster CSV (person_id,name,card,...); imported at start when set.")
    unknown_card: bool = setting(True, doc="Deny cards that are not in the roster (false: pass with a flag).")
    mode: Optional[Literal["entry", "exit", "dorm", "family_area"]] = setting(
        None, doc="Gate mode: entry/exit (school gate), dorm (dormitory door), family_area (residential area). "
        "Default: device.direction. entry/exit must agree with device.direction.")
    return_batch: Literal["hard", "soft", "off"] = setting(
        "hard", doc="entry: person's return_from date not reached (hard = deny, soft = pass with a flag, off).")
    exit_approval: Literal["hard", "soft", "off"] = setting(
        "hard", doc="exit: no exit approval valid today (exit_approved_until).")
    unverified_date: Literal["hard", "soft", "off"] = setting(
        "hard", doc="exit: the clock is not synchronized (no NTP since boot: a Pi without network keeps the date of "
        "its last shutdown), so an exit approval valid by the device's date may have expired. hard = deny, the "
        "guard checks the approval by hand; soft = pass with a flag; off = trust the device's date. Never "
        "stricter than exit_approval.")
    quarantine: Literal["hard", "soft", "off"] = setting(
        "hard", doc="entry/dorm/family_area: today is on or before the person's quarantine_until date.")
    health_card: Literal["hard", "soft", "off"] = setting(
        "hard", doc="entry/dorm: health card missing or abnormal (persons without a health_card value are not checked).")
    residence: Literal["hard", "soft", "off"] = setting(
        "hard", doc="dorm: person's dormitory is not policy.dormitory; family_area: person is not a resident.")
    dormitory: Optional[str] = setting(None, doc="dorm mode: the dormitory building this door belongs to (as in the roster).")
    visitor_registration: bool = setting(
        False, doc="entry/exit mode: a resident ID card read or guard key starts a visitor registration "
        "(always on in family_area mode; off: ID cards are denied).")

    def no_roster_effect(self) -> str:
        """What a card gets while the gate has no roster, for the log and ``status``."""
        return ("every card is denied (no_roster)" if self.unknown_card
                else "every card passes, flagged no_roster (policy.unknown_card: false)")

    def __post_init__(self) -> None:
        # device.direction is checked against mode by GateConfig (another section).
        if self.mode == "dorm" and not (self.dormitory or "").strip():
            raise FieldError([("dormitory", "mode dorm needs dormitory: the building name as written in the roster")])
