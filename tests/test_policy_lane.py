"""The real Policy and Roster inside the real lane: every denial is recorded with its code,
the person is measured anyway, and a fever outranks any pass or denial."""
from __future__ import annotations

import datetime as dt
from typing import List, Tuple

import pytest

from drivers.base import AccuracyClass, CardEvent
from drivers.thermal.scene_cards import card_id, unknown_card_id
from edge.clock import local_time_in
from edge.lane import Lane
from edge.measure import FrameAnalyzer
from edge.measure_synth import Person, frame
from edge.policy import Policy
from edge.record import PassageRecord
from edge.roster import Roster
from edge.roster_csv import parse_text
from edge.screening import Screener
from edge.settings.device import DeviceSettings
from edge.settings.lane import LaneSettings
from edge.settings.policy import PolicySettings
from edge.settings.screening import ScreeningSettings
from edge.verdict import Verdict
from roster_fixtures import DENIALS, DORMITORY, denial_roster_csv, expected_denials

SHAPE = (192, 256)
# 2026-03-10 09:00 in Shanghai; the lane's wall clock is this plus the monotonic t.
WALL0 = dt.datetime(2026, 3, 10, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))).timestamp()


class Collect:
    def __init__(self) -> None:
        self.records: List[PassageRecord] = []

    def on_passage(self, record: PassageRecord, person: object) -> None:
        self.records.append(record)

    def on_frame(self, frame: object, analysis: object) -> None:
        pass

    def on_devices(self, states: object) -> None:
        pass

    def on_guard(self, event: object) -> None:
        pass

    def on_fever_waiting(self, result: object, t: float) -> None:
        pass


def make_lane(mode: str, clock_ok: bool = True) -> Tuple[Lane, Collect]:
    roster = Roster.from_snapshot(parse_text(denial_roster_csv(dt.date(2026, 3, 10)), version=42))
    direction = mode if mode in ("entry", "exit") else "entry"
    policy = Policy(PolicySettings(mode=mode, dormitory=DORMITORY), DeviceSettings(direction=direction))
    settings = ScreeningSettings()
    lane = Lane(LaneSettings(pair_window_s=4.0), FrameAnalyzer(settings, AccuracyClass.SCREENING),
                Screener(settings, AccuracyClass.SCREENING), policy, roster, lambda t: (WALL0 + t, clock_ok), True,
                local_time_in("Asia/Shanghai"))
    out = Collect()
    lane.listeners.append(out)
    return lane, out


def walk(lane: Lane, t: float, canthus_c: float) -> float:
    for i in range(12):
        lane.handle(frame(SHAPE, [Person(canthus_c=canthus_c, distance_m=0.8)], t=t, seed=i))
        t += 0.125
    for i in range(5):
        lane.handle(frame(SHAPE, [], t=t, seed=100 + i))
        t += 0.125
    return t


def passage(lane: Lane, t: float, card: str, canthus_c: float = 36.2) -> float:
    lane.handle(CardEvent(t, "sim", card))
    return walk(lane, t + 0.2, canthus_c) + 6.0


@pytest.mark.parametrize("mode", ["entry", "exit", "dorm", "family_area"])
def test_every_denial_of_the_mode_is_recorded_with_its_code(mode: str) -> None:
    lane, out = make_lane(mode)
    cards = [card_id(i) for i in range(len(DENIALS) + 2)] + [unknown_card_id(1, 0)]
    t = 0.0
    for card in cards:
        t = passage(lane, t, card)
    expected = {**expected_denials(mode), unknown_card_id(1, 0): "card_unknown"}
    assert [r.card for r in out.records] == cards
    for record in out.records:
        assert record.body_c is not None  # measured, denied or not
        if record.card in expected:
            assert (record.verdict, record.reasons) == (Verdict.DENY, (expected[record.card],))
        else:
            assert (record.verdict, record.reasons) == (Verdict.PASS, ())
        assert record.policy["mode"] == mode


def test_fever_outranks_a_policy_denial_and_a_pass() -> None:
    lane, out = make_lane("entry")
    t = passage(lane, 0.0, card_id(1), canthus_c=38.2)  # return batch not open, and fever
    passage(lane, t, card_id(0), canthus_c=38.2)
    assert [r.verdict for r in out.records] == [Verdict.FEVER, Verdict.FEVER]
    assert "return_not_open" in out.records[0].reasons and "fever" in out.records[0].reasons


def test_visitor_id_card_in_family_area_passes_with_only_masked_facts() -> None:
    lane, out = make_lane("family_area")
    extra = {"name": "李四", "id_masked": "110101********1234", "id_hash": "ab12cd34ef56ab78", "valid_to": "20300101"}
    lane.handle(CardEvent(0.0, "idcard_sam", "110101********1234", extra))
    walk(lane, 0.2, 36.4)
    (record,) = out.records
    assert (record.verdict, record.reasons) == (Verdict.PASS, ("visitor",))
    assert record.policy["visitor"]["id_masked"] == "110101********1234"
    assert "李四" not in repr(record.policy)


def test_exit_gate_with_an_unsynchronized_clock_sends_approvals_to_the_guard() -> None:
    """No NTP since boot: the lane hands the clock's state to the policy, and an approval that
    holds only by that date is checked by hand (the record keeps clock_ok false)."""
    lane, out = make_lane("exit", clock_ok=False)
    expired = next(card for card, code in expected_denials("exit").items() if code == "exit_not_approved")
    t = passage(lane, 0.0, card_id(0))
    passage(lane, t, expired)
    valid, lapsed = out.records
    assert (valid.verdict, valid.reasons, valid.clock_ok) == (Verdict.DENY, ("date_unverified",), False)
    assert (lapsed.verdict, lapsed.reasons) == (Verdict.DENY, ("exit_not_approved",))
