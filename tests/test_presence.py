"""A tight queue: the next one steps up fewer than leave_frames empty frames after the one before."""
from __future__ import annotations

import pytest
from test_lane import SHAPE, make_lane

from drivers.base import FLAG_SHUTTER, CardEvent
from edge.measure_synth import Person, frame
from edge.verdict import Verdict

FPS = 4.0


def _show(lane, t, people, n=1, flags=()):
    for i in range(n):
        lane.handle(frame(SHAPE, people, t=t, seed=int(t * 100) + i, flags=flags))
        t += 1 / FPS
    return t


def _stand(lane, t, canthus_c, n=8, x_frac=0.5):
    return _show(lane, t, [Person(canthus_c=canthus_c, distance_m=0.8, x_frac=x_frac)], n)


def test_the_next_one_walking_in_after_one_empty_frame_is_measured_apart():
    lane, out = make_lane(has_card_reader=False)
    t = _stand(lane, 0.0, 35.8)  # A, measured
    t = _show(lane, t, [])  # one empty frame: fewer than leave_frames
    for d, x in ((2.3, 0.95), (1.6, 0.8), (1.1, 0.6)):  # B walks in from the edge, far and small first
        t = _show(lane, t, [Person(canthus_c=35.6, distance_m=d, x_frac=x)])
    t = _stand(lane, t, 35.6)
    t = _show(lane, t, [], n=5)
    assert lane.counters["newcomers"] == 1
    assert len(out.records) == 2


def test_one_person_lost_for_a_frame_or_two_or_behind_a_shutter_is_one_passage():
    # Back where they were, or a step aside; after a shutter frame, half out of view walking off.
    for gap, flags, x_after in ((1, (), 0.5), (2, (), 0.52), (1, (), 0.8), (1, (FLAG_SHUTTER,), 0.99)):
        lane, out = make_lane(has_card_reader=False)
        t = _stand(lane, 0.0, 35.8)
        t = _show(lane, t, [], n=gap, flags=flags)
        t = _stand(lane, t, 35.8, n=4, x_frac=x_after)
        t = _show(lane, t, [], n=5)
        assert lane.counters["newcomers"] == 0, (gap, flags)
        assert len(out.records) == 1, (gap, flags)


def _one_person(card: bool, fps: float, moves) -> list:
    """A measured person (who taps, on a card lane), one empty frame, then ``moves``."""
    lane, out = make_lane(has_card_reader=card)
    t, i = 0.0, 0

    def show(people, n=1):
        nonlocal t, i
        for _ in range(n):
            i += 1
            lane.handle(frame(SHAPE, people, t=t, seed=i))
            t += 1 / fps

    n = max(4, int(fps))
    show([Person(canthus_c=35.8, distance_m=1.2 if moves == "steps_up" else 0.8)], n)
    if card:
        lane.handle(CardEvent(t - 1 / fps, "sim", "2000000001"))
    show([])
    after = {"leans_in": [(0.5, 0.5)] * 3, "steps_up": [(0.7, 0.5)] * n, "walks_off": [(1.3, 0.5)] * 2,
             "edge": [(0.8, 0.98)] * 2}[moves]
    for distance, x in after:
        show([Person(canthus_c=35.8, distance_m=distance, x_frac=x)])
    show([], int(10 * fps))
    lane.flush(t)
    return [(r.verdict, r.card) for r in out.records]


@pytest.mark.parametrize("moves", ["leans_in", "steps_up", "walks_off", "edge"])
@pytest.mark.parametrize("card", [False, True])
def test_a_measured_person_stepping_closer_or_walking_off_after_an_empty_frame_is_one_passage(card, moves):
    """Review 10d: judged against the face at the measurement, and larger counting too, one
    person stepping up to the reader or walking off made a second passage (a RETRY no_card)."""
    for fps in (8.0, 4.0, 2.0):
        assert _one_person(card, fps, moves) == [(Verdict.PASS, "2000000001" if card else None)], fps
