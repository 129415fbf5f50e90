"""Pairing a card and a measurement in either order within the window."""
from __future__ import annotations

from drivers.base import CardEvent
from edge.passage import Pairer
from edge.screening import ScreeningResult
from edge.verdict import Verdict


def card(t: float, cid: str = "0006762840") -> CardEvent:
    return CardEvent(t=t, reader="test", card_id=cid)


def result(verdict: Verdict = Verdict.PASS) -> ScreeningResult:
    return ScreeningResult(verdict, (), 34.0, 36.6, {})


def test_card_then_measurement_pairs_within_window():
    p = Pairer(window_s=5, need_card=True)
    assert p.add_card(card(10.0)) == []
    pairs = p.add_measurement(result(), 13.0)
    assert len(pairs) == 1 and pairs[0].card.card_id == "0006762840" and pairs[0].result is not None
    assert pairs[0].t == 13.0


def test_measurement_then_card_pairs_within_window():
    p = Pairer(window_s=5, need_card=True)
    assert p.add_measurement(result(), 10.0) == []
    pairs = p.add_card(card(14.5))
    assert len(pairs) == 1 and pairs[0].t_measured == 10.0 and pairs[0].t == 14.5


def test_card_too_late_gives_two_unpaired_passages():
    p = Pairer(window_s=5, need_card=True)
    p.add_measurement(result(), 10.0)
    assert p.expire(14.0, measuring=False) == []
    expired = p.expire(15.5, measuring=False)
    assert len(expired) == 1 and expired[0].card is None
    assert p.add_card(card(16.0)) == []
    late = p.expire(21.5, measuring=False)
    assert len(late) == 1 and late[0].result is None and late[0].card is not None


def test_card_waits_while_the_person_is_still_being_measured():
    p = Pairer(window_s=5, need_card=True)
    p.add_card(card(10.0))
    assert p.expire(30.0, measuring=True) == []
    split = p.add_measurement(result(), 30.5)  # far beyond the window: two passages
    assert len(split) == 1 and split[0].result is None and split[0].card is not None
    assert p.measured is not None


def test_repeated_card_is_debounced_and_a_second_card_sends_both_back():
    """Two cards waiting for one measurement: which is the person in front's is unknown. The
    later card once took the reading and the earlier got none (review 9e: a PASS for someone
    never measured); now both tap again, one at a time."""
    p = Pairer(window_s=5, need_card=True)
    p.add_card(card(10.0, "A"))
    assert p.add_card(card(10.5, "A")) == []
    closed = p.add_card(card(11.0, "B"))
    assert [(x.card.card_id, x.result.verdict, x.result.reasons) for x in closed] == [
        ("A", Verdict.RETRY, ("two_cards",)), ("B", Verdict.RETRY, ("two_cards",))]
    assert p.card is None
    assert p.add_measurement(result(), 11.5) == [] and p.measured is not None  # waits for a card again


def test_temperature_only_lane_passes_measurement_straight_through():
    p = Pairer(window_s=5, need_card=False)
    pairs = p.add_measurement(result(Verdict.FEVER), 3.0)
    assert len(pairs) == 1 and pairs[0].card is None and pairs[0].result.verdict is Verdict.FEVER


def test_flush_returns_everything_waiting():
    p = Pairer(window_s=5, need_card=True)
    p.add_measurement(result(), 1.0)
    assert len(p.flush()) == 1 and p.flush() == []


def test_a_late_card_does_not_pair_even_without_an_expiry_tick_in_between():
    p = Pairer(window_s=5, need_card=True)
    p.add_measurement(result(), 10.0)
    pairs = p.add_card(card(16.0))
    assert len(pairs) == 1 and pairs[0].card is None and p.card is not None


def test_a_card_tapped_again_after_its_passage_is_ignored_within_the_window():
    """Review 9h: A passed, tapped again while still in view; the repeat waited 8 s and B's
    tap then sent both back (two_cards), or B, with no card, passed under A's name."""
    p = Pairer(window_s=8, need_card=True)
    p.add_card(card(10.0, "A"))
    (done,) = p.add_measurement(result(), 10.5)
    assert done.card.card_id == "A"
    assert p.add_card(card(11.0, "A")) == [] and p.card is None  # the repeat is dropped
    assert p.add_measurement(result(), 13.0) == []  # B, measured
    (b,) = p.add_card(card(13.5, "B"))
    assert b.card.card_id == "B" and b.result is not None
    assert len(p.add_card(card(20.0, "A"))) == 0 and p.card is not None  # past the window: a new tap
