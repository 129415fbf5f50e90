"""A tight queue: the next one steps up fewer than leave_frames empty frames after the one before."""
from __future__ import annotations

from test_lane import SHAPE, make_lane

from drivers.base import FLAG_SHUTTER
from edge.measure_synth import Person, frame

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
