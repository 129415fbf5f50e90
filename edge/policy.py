"""Who may pass this gate, from the roster and the notice's rules (DESIGN.md section 1).

Pure and fast: the lane thread calls :meth:`Policy.decide` for every passage, so no I/O
happens here. Screening (fever) is combined with this decision by the lane
(edge.verdict): a fever outranks any pass.

Dates are compared as calendar days in the device time zone: ``return_from`` is the
first day a person may return, ``exit_approved_until`` the last day an exit is
approved, ``quarantine_until`` the last day of quarantine.

A Pi has no real-time clock: until NTP synchronizes (days, on a gate without network)
its date is whatever the last shutdown left, so it runs behind. A behind date can only
make a return or a quarantine look not yet over (the guard checks); but it makes an
expired exit approval look valid. So in exit mode an approval that holds only by an
unsynchronized date is flagged ``date_unverified`` (policy.unverified_date).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Optional, Tuple, Union

from edge.roster import Person
from edge.settings.device import DeviceSettings
from edge.settings.policy import PolicySettings

if TYPE_CHECKING:  # drivers.base pulls in numpy; the policy needs only the attributes
    from drivers.base import CardEvent

log = logging.getLogger(__name__)

MODES = ("entry", "exit", "dorm", "family_area")
#: Which checks a mode applies, in the order their reasons are listed.
CHECKS: Dict[str, Tuple[str, ...]] = {
    "entry": ("quarantine", "health_card", "return_batch"),
    "exit": ("exit_approval", "unverified_date"),
    "dorm": ("residence", "quarantine", "health_card"),
    "family_area": ("residence", "quarantine"),
}
#: Readers whose card events are resident ID cards of visitors, not campus cards.
VISITOR_READERS = ("idcard_sam",)


@dataclasses.dataclass(frozen=True)
class PolicyDecision:
    allowed: bool  # False = deny
    reasons: Tuple[str, ...]  # every reason code (edge.reasons): hard ones, then the soft ones
    soft: Tuple[str, ...] = ()  # flags shown to the guard; the person still passes
    facts: Dict[str, Any] = dataclasses.field(default_factory=dict)  # JSON-serializable


def _same_building(a: Optional[str], b: Optional[str]) -> bool:
    return a is not None and b is not None and a.strip().casefold() == b.strip().casefold()


def _return_batch(p: Person, today: dt.date, settings: PolicySettings) -> Optional[str]:
    return "return_not_open" if p.return_from is not None and today < p.return_from else None


def _exit_approval(p: Person, today: dt.date, settings: PolicySettings) -> Optional[str]:
    ok = p.exit_approved_until is not None and today <= p.exit_approved_until
    return None if ok else "exit_not_approved"


def _unverified_date(p: Person, today: dt.date, settings: PolicySettings) -> Optional[str]:
    """Asked only while the clock is not synchronized: an approval valid by that date."""
    return "date_unverified" if _exit_approval(p, today, settings) is None else None


def _quarantine(p: Person, today: dt.date, settings: PolicySettings) -> Optional[str]:
    return "quarantine" if p.quarantine_until is not None and today <= p.quarantine_until else None


def _health_card(p: Person, today: dt.date, settings: PolicySettings) -> Optional[str]:
    if p.health_card in ("missing", "abnormal"):
        return f"health_card_{p.health_card}"
    return None


def _residence(p: Person, today: dt.date, settings: PolicySettings) -> Optional[str]:
    if settings.mode == "dorm":
        return None if _same_building(p.dormitory, settings.dormitory) else "not_dorm_resident"
    return None if p.resident or p.role == "resident" else "not_area_resident"


RULES: Dict[str, Callable[[Person, dt.date, PolicySettings], Optional[str]]] = {
    "return_batch": _return_batch, "exit_approval": _exit_approval, "unverified_date": _unverified_date,
    "quarantine": _quarantine, "health_card": _health_card, "residence": _residence,
}
LEVELS = ("off", "soft", "hard")  # mildest first


def resolve_mode(settings: PolicySettings, device: DeviceSettings) -> str:
    """policy.mode, defaulting to device.direction; entry/exit must agree with it."""
    mode = settings.mode or device.direction
    if mode not in MODES:
        raise ValueError(f"policy.mode {mode!r} is not one of {', '.join(MODES)}")
    if mode in ("entry", "exit") and mode != device.direction:
        raise ValueError(f"policy.mode {mode} contradicts device.direction {device.direction}; "
                         f"set one of them (policy.mode defaults to device.direction)")
    if mode == "dorm" and not (settings.dormitory or "").strip():
        raise ValueError("policy.mode dorm needs policy.dormitory (the building name used in the roster)")
    return mode


class Policy:
    def __init__(self, settings: PolicySettings, device: DeviceSettings) -> None:
        self.mode = resolve_mode(settings, device)
        self.settings = dataclasses.replace(settings, mode=self.mode)  # type: ignore[arg-type]
        self.timezone = _zone(device.timezone)
        self.visitors_allowed = self.mode == "family_area" or (
            self.mode in ("entry", "exit") and settings.visitor_registration)

    def today(self, now: dt.datetime) -> dt.date:
        """The calendar day at ``now`` in the device time zone (naive = already local)."""
        if now.tzinfo is None or self.timezone is None:
            return now.date()
        return now.astimezone(self.timezone).date()

    def decide(self, person: Optional[Person], card: Optional[CardEvent], now: dt.datetime,
               roster_loaded: bool = True, visitor: bool = False,
               roster_version: Optional[Union[int, str]] = None, clock_ok: bool = True) -> PolicyDecision:
        """``clock_ok`` false: ``now`` comes from a clock NTP has not synchronized."""
        facts: Dict[str, Any] = {"mode": self.mode}
        if roster_version is not None:
            facts["roster_version"] = roster_version
        if visitor or (card is not None and card.reader in VISITOR_READERS):
            return self._visitor(card, facts)
        if person is None:
            code = ["card_unknown" if roster_loaded else "no_roster"]
            return self._finish(code, [], facts) if self.settings.unknown_card else self._finish([], code, facts)
        facts["person_role"] = person.role
        facts["person_group"] = person.group
        today = self.today(now)
        hard: List[str] = []
        soft: List[str] = []
        for check in CHECKS[self.mode]:
            level = self._level(check, clock_ok)
            if level == "off":
                continue
            code = RULES[check](person, today, self.settings)
            if code is None:
                continue
            (hard if level == "hard" else soft).append(code)
            if code == "quarantine":
                facts["quarantine_until"] = person.quarantine_until.isoformat()  # type: ignore[union-attr]
            elif code == "return_not_open":
                facts["return_from"] = person.return_from.isoformat()  # type: ignore[union-attr]
        return self._finish(hard, soft, facts)

    def _level(self, check: str, clock_ok: bool) -> str:
        if check != "unverified_date":
            return str(getattr(self.settings, check))
        if clock_ok:
            return "off"
        # Never stricter than the approval check itself (soft approvals: a flag at most).
        return min(self.settings.unverified_date, self.settings.exit_approval, key=LEVELS.index)

    def _visitor(self, card: Optional[CardEvent], facts: Dict[str, Any]) -> PolicyDecision:
        extra = (card.extra or {}) if card is not None else {}
        # Only the masked number and the keyed hash may leave the device, never the name.
        facts["visitor"] = {"source": "idcard" if card is not None else "guard_key",
                            "id_masked": extra.get("id_masked"), "id_hash": extra.get("id_hash")}
        if not self.visitors_allowed:
            return self._finish(["visitor_not_allowed"], [], facts)
        return self._finish([], ["visitor"], facts)

    @staticmethod
    def _finish(hard: List[str], soft: List[str], facts: Dict[str, Any]) -> PolicyDecision:
        # Soft codes follow the hard ones in ``reasons`` so the record carries every code.
        return PolicyDecision(allowed=not hard, reasons=tuple(hard + soft), soft=tuple(soft), facts=facts)


def _zone(name: str) -> Optional[dt.tzinfo]:
    try:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError
    except ImportError:  # Python < 3.9
        log.error("zoneinfo unavailable: dates use the clock's own offset")
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"device.timezone {name!r} is unknown ({exc}); install tzdata") from None
