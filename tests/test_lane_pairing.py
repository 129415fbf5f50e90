"""Who gets which reading when people queue (review 9e): nobody may pass on a reading taken
of someone else."""
from __future__ import annotations

from test_lane import SHAPE, make_lane

from drivers.base import CardEvent
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
    assert (out.records[-1].card, out.records[-1].verdict) == ("2000000001", Verdict.PASS)
