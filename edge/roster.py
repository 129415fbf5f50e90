"""The school roster as an immutable snapshot the lane decides from.

One snapshot format is shared by the CSV import, the SQLite store and the signed MQTT
downlink: ``{"v": 1, "site", "version", "persons": [...]}`` with dates as
``YYYY-MM-DD`` or null (see :func:`person_to_json` / :func:`snapshot_persons`).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from types import MappingProxyType
from typing import Any, Dict, Iterable, Iterator, List, Mapping, Optional, Tuple, Union

from edge.cards import mask_card_id, normalize_card_id

SNAPSHOT_FORMAT = 1
ROLES = ("student", "staff", "worker", "resident", "other")
HEALTH_CARD = ("ok", "missing", "abnormal")
DATE_FIELDS = ("return_from", "exit_approved_until", "quarantine_until")


class RosterError(ValueError):
    """A roster that must not be applied; str() names the row or person at fault."""


@dataclasses.dataclass(frozen=True)
class Person:
    person_id: str
    name: str
    role: str = "student"
    group: str = ""
    cards: Tuple[str, ...] = ()
    return_from: Optional[dt.date] = None  # the day this person's batch may return
    exit_approved_until: Optional[dt.date] = None  # last day an exit is approved
    quarantine_until: Optional[dt.date] = None  # last day of quarantine (inclusive)
    health_card: Optional[str] = None  # ok / missing / abnormal; None = not tracked
    dormitory: Optional[str] = None
    resident: bool = False  # lives in the family residential area


def parse_date(value: Any) -> Optional[dt.date]:
    """``YYYY-MM-DD`` (or empty/None) -> date; anything else raises ValueError."""
    if value is None:
        return None
    text = str(value).strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"bad date {text!r} (expected YYYY-MM-DD)") from None


def _date_text(value: Optional[dt.date]) -> Optional[str]:
    return value.isoformat() if value is not None else None


def person_to_json(person: Person) -> Dict[str, Any]:
    return {
        "person_id": person.person_id, "name": person.name, "role": person.role, "group": person.group,
        "cards": list(person.cards), "return_from": _date_text(person.return_from),
        "exit_approved_until": _date_text(person.exit_approved_until),
        "quarantine_until": _date_text(person.quarantine_until), "health_card": person.health_card,
        "dormitory": person.dormitory, "resident": person.resident,
    }


def person_from_json(data: Mapping[str, Any]) -> Person:
    """One snapshot person -> Person; ValueError on a wrong field (caller adds the position)."""
    person_id = str(data.get("person_id") or "").strip()
    if not person_id:
        raise ValueError("person_id is empty")
    role = str(data.get("role") or "student").strip().lower()
    if role not in ROLES:
        raise ValueError(f"role {role!r} is not one of {', '.join(ROLES)}")
    health = data.get("health_card")
    health = str(health).strip().lower() if health not in (None, "") else None
    if health is not None and health not in HEALTH_CARD:
        raise ValueError(f"health_card {health!r} is not one of {', '.join(HEALTH_CARD)}")
    raw_cards = data.get("cards") or []
    if isinstance(raw_cards, str) or not isinstance(raw_cards, (list, tuple)):
        raise ValueError("cards must be a list")
    cards = tuple(normalize_card_id(str(c)) for c in raw_cards if str(c).strip())
    if len(set(cards)) != len(cards):
        raise ValueError("the same card is listed twice")
    dates = {}
    for name in DATE_FIELDS:
        try:
            dates[name] = parse_date(data.get(name))
        except ValueError as exc:
            raise ValueError(f"{name}: {exc}") from None
    resident = data.get("resident", False)
    if not isinstance(resident, bool):
        raise ValueError("resident must be true or false")
    dorm = data.get("dormitory")
    return Person(person_id=person_id, name=str(data.get("name") or "").strip(), role=role,
                  group=str(data.get("group") or "").strip(), cards=cards, health_card=health,
                  dormitory=str(dorm).strip() or None if dorm is not None else None, resident=resident, **dates)


class Roster:
    """Immutable: a new roster replaces the old one whole (events.RosterUpdate)."""

    def __init__(self, persons: Iterable[Person], version: Union[int, str] = 0, site: str = "") -> None:
        by_card: Dict[str, Person] = {}
        by_id: Dict[str, Person] = {}
        for person in persons:
            if person.person_id in by_id:
                raise RosterError(f"person_id {person.person_id} appears twice")
            by_id[person.person_id] = person
            for card in person.cards:
                other = by_card.get(card)
                if other is not None:
                    # Masked: this text reaches the journal (check-config, a rejected downlink).
                    raise RosterError(f"card {mask_card_id(card)} belongs to both {other.person_id} and "
                                      f"{person.person_id}")
                by_card[card] = person
        self._by_card: Mapping[str, Person] = MappingProxyType(by_card)
        self._by_id: Mapping[str, Person] = MappingProxyType(by_id)
        self._persons: Tuple[Person, ...] = tuple(by_id.values())
        self.version = version
        self.site = site

    @classmethod
    def empty(cls) -> "Roster":
        return cls((), version=0)

    @classmethod
    def from_csv(cls, path: str, site: str = "") -> "Roster":
        """Load a roster CSV (edge.roster_csv); raises RosterError with the row number."""
        from edge.roster_csv import read_csv

        return cls.from_snapshot(read_csv(path, site=site))

    @classmethod
    def from_db(cls, db_path: str) -> "Roster":
        from edge.roster_store import load

        return load(db_path)

    @classmethod
    def from_snapshot(cls, snapshot: Mapping[str, Any]) -> "Roster":
        return cls(snapshot_persons(snapshot), version=snapshot["version"], site=str(snapshot.get("site") or ""))

    def lookup(self, card_id: str) -> Optional[Person]:
        return self._by_card.get(normalize_card_id(card_id))

    def person(self, person_id: str) -> Optional[Person]:
        return self._by_id.get(person_id)

    def persons(self) -> Tuple[Person, ...]:
        return self._persons

    def __len__(self) -> int:
        return len(self._persons)

    def __iter__(self) -> Iterator[Person]:
        return iter(self._persons)

    def to_snapshot(self) -> Dict[str, Any]:
        return {"v": SNAPSHOT_FORMAT, "site": self.site, "version": self.version,
                "persons": [person_to_json(p) for p in self._persons]}


def snapshot_persons(snapshot: Mapping[str, Any]) -> List[Person]:
    """Validate a snapshot dict and return its persons; RosterError names the person at fault."""
    if not isinstance(snapshot, Mapping):
        raise RosterError("roster snapshot must be a JSON object")
    if snapshot.get("v") != SNAPSHOT_FORMAT:
        raise RosterError(f"roster snapshot format {snapshot.get('v')!r} is not {SNAPSHOT_FORMAT}")
    version = snapshot.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 0:
        raise RosterError(f"roster version {version!r} must be a non-negative integer")
    raw = snapshot.get("persons")
    if not isinstance(raw, list):
        raise RosterError("roster snapshot has no persons list")
    persons = []
    for index, item in enumerate(raw):
        if not isinstance(item, Mapping):
            raise RosterError(f"person #{index + 1}: not an object")
        try:
            persons.append(person_from_json(item))
        except ValueError as exc:
            raise RosterError(f"person #{index + 1} ({item.get('person_id')}): {exc}") from None
    Roster(persons, version)  # duplicate ids / cards raise here, before anything is applied
    return persons
