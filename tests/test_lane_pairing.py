"""Who gets which reading when people queue (review 9e): nobody may pass on a reading taken
of someone else."""
from __future__ import annotations

import dataclasses

from test_lane import SHAPE, make_lane

from drivers.base import CardEvent
from edge.events import Tick
from edge.measure_synth import Person, frame
from edge.verdict import Verdict


def test_two_cards_for_one_person_in_view_send_both_back_to_tap_again():
    """A steps up and taps; B, not yet in view, taps 0.1 s later. B once got A's reading (PASS,
    green) and A a RETRY; B's own fever came later with no identity."""
    lane, out = make_lane(has_card_reader=True)
    t = 0.0
    lane.handle(frame(SHAPE, [Person(canthus_c=36.0, distance_m=0.8)], t=t, seed=0))
    lane.handle(CardEvent(t=0.05, reader="rdm6300", card_id="2000000001"))
    lane.handle(CardEvent(t=0.15, reader="rdm6300", card_id="2000000002"))
    for i in range(1, 12):
        t = i * 0.125
        lane.handle(frame(SHAPE, [Person(canthus_c=36.0, distance_m=0.8)], t=t, seed=i))
    for i in range(6):
        t += 0.125
        lane.handle(frame(SHAPE, [], t=t, seed=100 + i))
    got = [(r.card, r.verdict, r.reasons[0] if r.reasons else None) for r in out.records]
    assert got[0] == ("2000000001", Verdict.RETRY, "two_cards")
    assert got[1] == ("2000000002", Verdict.DENY, "two_cards")  # (not in this roster: a denial as well)
    assert not [g for g in got if g[1] is Verdict.PASS and g[0] is not None]
    lane.handle(CardEvent(t=t + 0.5, reader="rdm6300", card_id="2000000001"))  # A taps again
    _leave(lane, t + 0.625, frames=8)  # from outside the view: frames show nobody else came
    assert (out.records[-1].card, out.records[-1].verdict) == ("2000000001", Verdict.PASS)


def _walk_in(lane, t: float, canthus_c: float, frames: int = 12) -> float:
    for i in range(frames):
        lane.handle(frame(SHAPE, [Person(canthus_c=canthus_c, distance_m=0.8)], t=t, seed=int(t * 100) + i))
        t += 0.125
    return t


def _leave(lane, t: float, frames: int = 5) -> float:
    for i in range(frames):
        lane.handle(frame(SHAPE, [], t=t, seed=500 + i))
        t += 0.125
    return t


def test_a_card_tapped_as_the_next_person_comes_into_view_is_theirs_not_the_last_readings():
    """A is measured and walks on without tapping. B taps as they step up, before their first
    frame: B once got A's reading (a PASS for a fever) and B's fever went to the next card."""
    lane, out = make_lane(has_card_reader=True)
    t = _leave(lane, _walk_in(lane, 0.0, canthus_c=36.0))  # A: measured, no card
    lane.handle(CardEvent(t=t, reader="rdm6300", card_id="2000000001"))  # B taps...
    t = _walk_in(lane, t + 0.2, canthus_c=38.6, frames=2)  # ...and comes into view 0.2 s later
    # B's, or A's from outside the view (review 9g): asked again, never given A's reading.
    assert [(r.card, r.verdict, r.reasons) for r in out.records] == [
        ("2000000001", Verdict.RETRY, ("tap_again",)), (None, Verdict.RETRY, ("no_card",))]  # and A's reading goes
    lane.handle(CardEvent(t=t, reader="rdm6300", card_id="2000000001"))  # B taps again, in view
    t = _leave(lane, _walk_in(lane, t + 0.125, canthus_c=38.6))
    got = [(r.card, r.verdict, r.body_c is not None and r.body_c >= 37.3) for r in out.records]
    assert (None, Verdict.RETRY, False) in got  # A: measured, no card (please tap)
    assert ("2000000001", Verdict.FEVER, True) in got  # B gets B's own reading
    assert not [g for g in got if g[0] == "2000000001" and g[1] is Verdict.PASS]


def test_a_card_tapped_after_leaving_the_view_still_gets_that_reading():
    """The same start, but nobody comes into view within the grace time: the tap is A's, back
    at the reader after stepping out of the camera's view."""
    lane, out = make_lane(has_card_reader=True)
    t = _leave(lane, _walk_in(lane, 0.0, canthus_c=36.0))
    lane.handle(CardEvent(t=t, reader="rdm6300", card_id="2000000001"))
    lane.handle(Tick(t + 2.0))
    assert out.records == []  # decided by a frame after the grace time that shows nobody, not by ticks
    _leave(lane, t + 2.125, frames=6)
    assert [(r.card, r.verdict) for r in out.records] == [("2000000001", Verdict.PASS)]


def test_a_hotter_person_stepping_up_with_no_gap_is_measured_not_given_the_last_reading():
    """A queue: A (36.0) is measured and walks on without tapping while B (38.6) steps up with
    no empty frame in between; B taps 1.5 s later. B once got A's 35.9 C PASS (green)."""
    lane, out = make_lane(has_card_reader=True)
    t = _walk_in(lane, 0.0, canthus_c=36.0)  # A: measured, no card
    t = _walk_in(lane, t, canthus_c=38.6, frames=12)  # B, at once
    lane.handle(CardEvent(t=t, reader="rdm6300", card_id="2000000001"))
    t = _leave(lane, _walk_in(lane, t, canthus_c=38.6, frames=8))
    lane.handle(Tick(t + 1.0))
    got = [(r.card, r.verdict) for r in out.records]
    assert ("2000000001", Verdict.FEVER) in got and ("2000000001", Verdict.PASS) not in got
    assert lane.counters["newcomers"] == 1


def test_the_measured_person_turning_away_stays_the_same_presence():
    """A colder face after the measurement (the head turned, the card fetched from a bag) is
    no newcomer: the card tapped then still gets that reading."""
    lane, out = make_lane(has_card_reader=True)
    t = _walk_in(lane, 0.0, canthus_c=36.6)
    t = _walk_in(lane, t, canthus_c=34.0, frames=12)  # turned away: reads colder
    lane.handle(CardEvent(t=t, reader="rdm6300", card_id="2000000001"))
    assert [(r.card, r.verdict) for r in out.records] == [("2000000001", Verdict.PASS)]
    assert lane.counters["newcomers"] == 0


def test_a_second_tap_while_a_card_waits_for_someone_to_step_up_sends_both_back():
    """Review 9f: B tapped with nobody in view (the card waiting its grace time), C tapped 0.2 s
    later; B's card was then given to the previous person's reading (a PASS for febrile B)."""
    lane, out = make_lane(has_card_reader=True)
    t = _leave(lane, _walk_in(lane, 0.0, canthus_c=36.0))  # A: measured, no card
    lane.handle(CardEvent(t=t, reader="rdm6300", card_id="2000000001"))  # B
    lane.handle(CardEvent(t=t + 0.05, reader="rdm6300", card_id="2000000001"))  # (the same card again)
    lane.handle(CardEvent(t=t + 0.2, reader="rdm6300", card_id="2000000002"))  # C
    t = _leave(lane, _walk_in(lane, t + 0.3, canthus_c=38.6))
    lane.handle(Tick(t + 20))
    got = [(r.card, r.verdict, r.reasons[0] if r.reasons else None) for r in out.records]
    assert ("2000000001", Verdict.RETRY, "two_cards") in got
    assert not [g for g in got if g[0] is not None and g[1] is Verdict.PASS]
    assert (None, Verdict.FEVER, "fever") in got  # B's own reading, waiting for a tap again


def test_on_a_slow_sensor_the_grace_time_covers_one_frame_period():
    """Review 9f: at 2 Hz the first frame showing B came 0.55 s after B's tap, past the 0.5 s
    grace, and B got A's reading."""
    lane, out = make_lane(has_card_reader=True)
    t = 0.0
    for i in range(7):
        lane.handle(frame(SHAPE, [Person(canthus_c=36.0, distance_m=0.8)], t=t, seed=i))
        t += 0.5
    for i in range(4):
        lane.handle(frame(SHAPE, [], t=t, seed=50 + i))
        t += 0.5
    lane.handle(CardEvent(t=t - 0.05, reader="rdm6300", card_id="2000000001"))  # B taps, stepping up...
    lane.handle(frame(SHAPE, [], t=t, seed=60))  # ...still out of view in the next frame
    t += 0.5  # and first in view 0.55 s after the tap
    for i in range(8):
        lane.handle(frame(SHAPE, [Person(canthus_c=38.6, distance_m=0.8)], t=t, seed=80 + i))
        t += 0.5
    for i in range(4):
        lane.handle(frame(SHAPE, [], t=t, seed=90 + i))
        t += 0.5
    lane.handle(Tick(t + 20))
    got = [(r.card, r.verdict, r.reasons[0] if r.reasons else None) for r in out.records]
    assert ("2000000001", Verdict.RETRY, "tap_again") in got  # B's first frame came after the grace...
    assert not [g for g in got if g[0] == "2000000001" and g[1] is Verdict.PASS]  # ...never A's PASS


def test_a_held_card_is_not_given_to_the_waiting_reading_while_the_sensor_sees_nothing():
    """Review 9g: ticks alone (a stalled read) or rejected frames (a freeze) settled B's card on
    A's reading after the grace time: febrile B got A's PASS. Only a usable frame showing
    nobody does; a sensor that stays blind goes down, and the card is a FAULT."""
    lane, out = make_lane(has_card_reader=True)
    t = _leave(lane, _walk_in(lane, 0.0, canthus_c=36.0))  # A: measured, no card
    lane.handle(CardEvent(t=t, reader="rdm6300", card_id="2000000001"))
    frozen = frame(SHAPE, [], t=t, seed=700)
    for i in range(8):  # a shutter freeze: the same frame again
        lane.handle(dataclasses.replace(frozen, t=t + 0.125 * (i + 1)))
    lane.handle(Tick(t + 2.0))
    assert out.records == []
    lane.handle(Tick(t + 6.0))  # no usable frame for longer than thermal_silence_s: down
    got = [(r.card, r.verdict, r.reasons[0]) for r in out.records]
    assert ("2000000001", Verdict.FAULT, "thermal_down") in got
    assert not [g for g in got if g[0] is not None and g[1] is Verdict.PASS]


def test_the_end_of_a_recording_does_not_give_a_held_card_the_waiting_reading():
    lane, out = make_lane(has_card_reader=True)
    t = _leave(lane, _walk_in(lane, 0.0, canthus_c=36.0))
    lane.handle(CardEvent(t=t, reader="rdm6300", card_id="2000000001"))
    lane.flush(t + 0.2)
    assert sorted((r.card or "", r.verdict.value, r.reasons) for r in out.records) == [
        ("", "retry", ("no_card",)), ("2000000001", "retry", ("no_measurement",))]


def test_a_late_tap_by_the_one_before_a_newcomer_is_asked_again():
    """Review 9g: A (35.0) measured, stepped aside to the reader while a hotter B (36.2) took
    the place; A's tap then took B's reading. Either could have tapped: asked again."""
    lane, out = make_lane(has_card_reader=True)
    t = _walk_in(lane, 0.0, canthus_c=35.0)
    t = _walk_in(lane, t, canthus_c=36.2, frames=6)  # B, at once: a newcomer after 4 frames
    assert lane.counters["newcomers"] == 1
    lane.handle(CardEvent(t=t, reader="rdm6300", card_id="2000000001"))
    _leave(lane, _walk_in(lane, t + 0.125, canthus_c=36.2))
    got = [(r.card, r.verdict, r.reasons[0] if r.reasons else None) for r in out.records]
    assert ("2000000001", Verdict.RETRY, "tap_again") in got
    assert not [g for g in got if g[0] is not None and g[1] is Verdict.PASS]
