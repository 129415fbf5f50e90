"""Every policy rule in every gate mode, hard and soft, and the midnight boundaries."""
from __future__ import annotations

import dataclasses
import datetime as dt
import json
from typing import Any, Dict, Optional

import pytest
from roster_fixtures import DENIALS, denial_roster_csv, expected_denials

from drivers.base import CardEvent
from edge import reasons
from edge.policy import CHECKS, Policy
from edge.roster import Person, Roster
from edge.roster_csv import parse_text
from edge.settings.device import DeviceSettings
from edge.settings.policy import PolicySettings

SH = dt.timezone(dt.timedelta(hours=8))
NOW = dt.datetime(2026, 3, 10, 9, 0, tzinfo=SH)
TODAY = NOW.date()
D = dt.timedelta(days=1)


def policy(mode: str, device_direction: Optional[str] = None, **kw: Any) -> Policy:
    direction = device_direction or (mode if mode in ("entry", "exit") else "entry")
    if mode == "dorm":
        kw.setdefault("dormitory", "1号楼")
    return Policy(PolicySettings(mode=mode, **kw), DeviceSettings(direction=direction))


def good(**changes: Any) -> Person:
    """A person who passes every check in every mode."""
    base = Person("P1", "张三", "student", "高一(1)班", ("2000000001",), return_from=TODAY - 3 * D,
                  exit_approved_until=TODAY + 5 * D, quarantine_until=None, health_card="ok",
                  dormitory="1号楼", resident=True)
    return dataclasses.replace(base, **changes)


# (check setting, person change that breaks it, reason code, modes applying the check)
RULES = [
    ("return_batch", {"return_from": TODAY + D}, "return_not_open", ("entry",)),
    ("exit_approval", {"exit_approved_until": TODAY - D}, "exit_not_approved", ("exit",)),
    ("exit_approval", {"exit_approved_until": None}, "exit_not_approved", ("exit",)),
    ("quarantine", {"quarantine_until": TODAY}, "quarantine", ("entry", "dorm", "family_area")),
    ("health_card", {"health_card": "missing"}, "health_card_missing", ("entry", "dorm")),
    ("health_card", {"health_card": "abnormal"}, "health_card_abnormal", ("entry", "dorm")),
    ("residence", {"dormitory": "2号楼"}, "not_dorm_resident", ("dorm",)),
    ("residence", {"dormitory": None}, "not_dorm_resident", ("dorm",)),
    ("residence", {"resident": False}, "not_area_resident", ("family_area",)),
]
MODES = ("entry", "exit", "dorm", "family_area")
CASES = [(mode, *rule) for mode in MODES for rule in RULES]


@pytest.mark.parametrize("mode", MODES)
def test_a_person_meeting_every_rule_passes_in_every_mode(mode: str) -> None:
    d = policy(mode).decide(good(), None, NOW)
    assert (d.allowed, d.reasons, d.soft) == (True, (), ())
    assert d.facts["mode"] == mode and d.facts["person_group"] == "高一(1)班"


@pytest.mark.parametrize("mode,check,change,code,modes", CASES)
@pytest.mark.parametrize("level", ["hard", "soft", "off"])
def test_rule_in_mode(mode: str, check: str, change: Dict[str, Any], code: str, modes: tuple, level: str) -> None:
    d = policy(mode, **{check: level}).decide(good(**change), None, NOW)
    applies = mode in modes and level != "off"
    if mode in modes:
        assert check in CHECKS[mode]
    if not applies:
        assert (d.allowed, d.reasons, d.soft) == (True, (), ())
    elif level == "hard":
        assert (d.allowed, d.reasons, d.soft) == (False, (code,), ())
    else:
        assert (d.allowed, d.reasons, d.soft) == (True, (code,), (code,))
    json.dumps(d.facts)


def test_hard_reasons_come_before_soft_ones_and_all_are_reported() -> None:
    p = policy("entry", return_batch="soft")
    d = p.decide(good(return_from=TODAY + D, quarantine_until=TODAY + D, health_card="missing"), None, NOW)
    assert d.allowed is False
    assert d.reasons == ("quarantine", "health_card_missing", "return_not_open")
    assert d.soft == ("return_not_open",)
    assert d.facts["quarantine_until"] == (TODAY + D).isoformat()
    assert d.facts["return_from"] == (TODAY + D).isoformat()


def test_every_policy_code_has_chinese_and_english_text() -> None:
    codes = {code for *_, code, _ in RULES} | {"card_unknown", "no_roster", "visitor", "visitor_not_allowed"}
    for code in codes:
        assert code in reasons.REASONS
        assert reasons.text(code, "zh") != reasons.text(code, "en")
    assert reasons.text("return_not_open") == "未经学校批准不得提前返校"
    assert reasons.text("exit_not_approved") == "非经批准不得离开校园"


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("unknown_card,loaded", [(True, True), (True, False), (False, True), (False, False)])
def test_unknown_card_and_missing_roster(mode: str, unknown_card: bool, loaded: bool) -> None:
    card = CardEvent(1.0, "rdm6300", "3000000001")
    d = policy(mode, unknown_card=unknown_card).decide(None, card, NOW, roster_loaded=loaded)
    code = "card_unknown" if loaded else "no_roster"
    assert d.reasons == (code,)
    assert d.allowed is (not unknown_card)
    assert d.soft == (() if unknown_card else (code,))


VISITOR = CardEvent(2.0, "idcard_sam", "110101********1234",
                    {"name": "李四", "id_masked": "110101********1234", "id_hash": "ab12cd34ef56ab78", "valid_to": "20300101"})


@pytest.mark.parametrize("mode,registration,allowed", [
    ("family_area", False, True), ("family_area", True, True), ("entry", True, True), ("entry", False, False),
    ("exit", True, True), ("exit", False, False), ("dorm", True, False), ("dorm", False, False),
])
@pytest.mark.parametrize("by_key", [False, True])
def test_visitor_passages(mode: str, registration: bool, allowed: bool, by_key: bool) -> None:
    p = policy(mode, visitor_registration=registration)
    d = p.decide(None, None if by_key else VISITOR, NOW, roster_loaded=True, visitor=by_key)
    assert d.allowed is allowed
    assert d.reasons == (("visitor",) if allowed else ("visitor_not_allowed",))
    visitor = d.facts["visitor"]
    assert visitor["source"] == ("guard_key" if by_key else "idcard")
    text = json.dumps(d.facts, ensure_ascii=False)
    assert "李四" not in text  # only the masked number and the keyed hash leave the device
    if not by_key:
        assert visitor == {"source": "idcard", "id_masked": "110101********1234", "id_hash": "ab12cd34ef56ab78"}


# return_from 2026-03-01: the last second of 2026-02-28 in Shanghai denies, midnight passes,
# although in UTC it is still 2026-02-28 (16:00) at that midnight.
MIDNIGHT = dt.datetime(2026, 3, 1, 0, 0, 0, tzinfo=SH)
BOUNDARIES = [
    ("entry", {"return_from": dt.date(2026, 3, 1)}, "return_not_open", True),
    ("entry", {"quarantine_until": dt.date(2026, 2, 28)}, "quarantine", True),
    ("exit", {"exit_approved_until": dt.date(2026, 2, 28)}, "exit_not_approved", False),
]


@pytest.mark.parametrize("mode,change,code,denied_before", BOUNDARIES)
@pytest.mark.parametrize("as_utc", [False, True])
def test_date_rules_flip_at_local_midnight(mode: str, change: Dict[str, Any], code: str, denied_before: bool,
                                          as_utc: bool) -> None:
    p = policy(mode)
    person = good(**{"return_from": dt.date(2026, 1, 1), **change})
    before, at = MIDNIGHT - dt.timedelta(seconds=1), MIDNIGHT
    if as_utc:
        before, at = before.astimezone(dt.timezone.utc), at.astimezone(dt.timezone.utc)
        assert at.date() == dt.date(2026, 2, 28)
    d_before, d_at = p.decide(person, None, before), p.decide(person, None, at)
    assert p.today(at) == dt.date(2026, 3, 1) and p.today(before) == dt.date(2026, 2, 28)
    if denied_before:
        assert (d_before.reasons, d_at.reasons) == ((code,), ())
    else:
        assert (d_before.reasons, d_at.reasons) == ((), (code,))


def test_time_zone_comes_from_the_device_settings() -> None:
    p = Policy(PolicySettings(), DeviceSettings(timezone="Europe/Berlin"))
    person = good(return_from=dt.date(2026, 3, 1))
    # 23:30 in Berlin on 2026-02-28 is already 2026-03-01 in Shanghai, but this gate is in Berlin.
    assert p.decide(person, None, dt.datetime(2026, 2, 28, 22, 30, tzinfo=dt.timezone.utc)).reasons == ("return_not_open",)
    assert p.decide(person, None, dt.datetime(2026, 2, 28, 23, 0, tzinfo=dt.timezone.utc)).reasons == ()


def test_mode_defaults_to_device_direction_and_must_agree_with_it() -> None:
    assert Policy(PolicySettings(), DeviceSettings(direction="exit")).mode == "exit"
    assert Policy(PolicySettings(mode="family_area"), DeviceSettings(direction="entry")).mode == "family_area"
    with pytest.raises(ValueError, match="contradicts device.direction"):
        Policy(PolicySettings(mode="entry"), DeviceSettings(direction="exit"))
    with pytest.raises(ValueError, match="needs .*dormitory"):
        Policy(PolicySettings(mode="dorm"), DeviceSettings())
    with pytest.raises(ValueError, match="unknown"):
        Policy(PolicySettings(), DeviceSettings(timezone="Mars/Olympus"))


def test_dormitory_names_compare_without_case_or_spaces() -> None:
    p = policy("dorm", dormitory=" Block A ")
    assert p.decide(good(dormitory="block a"), None, NOW).allowed
    assert not p.decide(good(dormitory="Block B"), None, NOW).allowed


def test_resident_role_counts_as_resident_of_the_family_area() -> None:
    assert policy("family_area").decide(good(resident=False, role="resident"), None, NOW).allowed


@pytest.mark.parametrize("mode", MODES)
def test_fixture_roster_denies_exactly_the_listed_cards(mode: str) -> None:
    roster = Roster.from_snapshot(parse_text(denial_roster_csv(TODAY), version=1))
    p = policy(mode, dormitory="1号楼")
    expected = expected_denials(mode)
    got = {}
    for person in roster:
        d = p.decide(roster.lookup(person.cards[0]), None, NOW, roster_version=roster.version)
        assert d.facts["roster_version"] == 1
        if not d.allowed:
            got[person.cards[0]] = d.reasons[0] if len(d.reasons) == 1 else d.reasons
    assert got == expected
    all_codes = {code for _, code in DENIALS.values()}
    assert {"return_not_open", "exit_not_approved", "quarantine", "health_card_missing", "health_card_abnormal",
            "not_dorm_resident", "not_area_resident"} == all_codes


# An unsynchronized clock runs behind (a Pi restores its last shutdown's date): only an
# exit approval can be wrongly valid by it.
@pytest.mark.parametrize("approval,unverified,expected", [
    ("hard", "hard", (False, ("date_unverified",), ())),
    ("hard", "soft", (True, ("date_unverified",), ("date_unverified",))),
    ("hard", "off", (True, (), ())),
    ("soft", "hard", (True, ("date_unverified",), ("date_unverified",))),  # never stricter than the approval
    ("off", "hard", (True, (), ())),
])
def test_exit_approval_valid_only_by_an_unsynchronized_date(approval, unverified, expected) -> None:
    p = policy("exit", exit_approval=approval, unverified_date=unverified)
    d = p.decide(good(exit_approved_until=TODAY + 5 * D), None, NOW, clock_ok=False)
    assert (d.allowed, d.reasons, d.soft) == expected
    assert p.decide(good(exit_approved_until=TODAY + 5 * D), None, NOW).allowed  # synchronized: passes


def test_unsynchronized_clock_leaves_expired_approvals_and_other_modes_as_they_were() -> None:
    exit_policy = policy("exit")
    expired = exit_policy.decide(good(exit_approved_until=TODAY - D), None, NOW, clock_ok=False)
    assert (expired.allowed, expired.reasons) == (False, ("exit_not_approved",))
    for mode in ("entry", "dorm", "family_area"):
        d = policy(mode).decide(good(quarantine_until=TODAY - D, return_from=TODAY), None, NOW, clock_ok=False)
        assert (d.allowed, d.reasons) == (True, ()), mode
    assert reasons.text("date_unverified", "en") == "Clock not synchronized: check the exit approval"
