"""One person, one passage: what a measured person does before leaving never makes a second one.

A guard for any rule that splits a presence without leave_frames empty frames (a tight
queue's next person): session 10 tried three that split on the face's size after an empty
frame (another size; much smaller; much smaller, then growing), and these made each count
one person twice (reviews 10d and 10e, and a slow walk-off).
"""
from __future__ import annotations

from typing import List, Tuple

import pytest
from test_lane import SHAPE, make_lane

from drivers.base import FLAG_SHUTTER, CardEvent
from edge.measure_synth import Person, frame
from edge.verdict import Verdict

CARD = "2000000001"


def _passages(card: bool, fps: float, gap: int, after: List[Tuple[float, float]], flags=()) -> list:
    """Measured at 0.8 m (tapping, on a card lane), ``gap`` empty frames, then the same person
    at each (distance m, x fraction) of ``after``, then gone."""
    lane, out = make_lane(has_card_reader=card)
    t, i = 0.0, 0

    def show(people, n=1, frame_flags=()):
        nonlocal t, i
        for _ in range(n):
            i += 1
            lane.handle(frame(SHAPE, people, t=t, seed=i, flags=frame_flags))
            t += 1 / fps

    show([Person(canthus_c=35.8, distance_m=0.8)], max(4, int(fps)))
    if card:
        lane.handle(CardEvent(t - 1 / fps, "sim", CARD))
    show([], gap, flags)
    for distance, x in after:
        show([Person(canthus_c=35.8, distance_m=distance, x_frac=x)])
    show([], int(10 * fps))
    lane.flush(t)
    return [(r.verdict, r.card) for r in out.records]


MOVES = {
    "back where they were": [(0.8, 0.5)] * 4,
    "a step aside": [(0.8, 0.8)] * 4,
    "leans in to read the screen": [(0.5, 0.5)] * 3 + [(0.8, 0.5)] * 2,
    "steps up to the reader": [(0.6, 0.5)] * 4,
    "walks off through 1.3 m": [(1.3, 0.5)] * 2,
    "walks off at the frame's edge": [(0.8, 0.98)] * 2,
    "walks off slowly, in view": [(1.3 + 0.2 * k / 7, 0.5 + 0.03 * k) for k in range(8)],
    "one too_close frame": [(0.4, 0.5)] + [(0.8, 0.5)] * 4,
    # Review 10e: small for a frame or two, then back in front (19851a0 split on growth).
    "steps back, then forward again": [(1.3, 0.5), (1.3, 0.5), (1.0, 0.5)] + [(0.8, 0.5)] * 4,
    "half out at the edge, then back": [(0.8, 0.98), (0.8, 0.7)] + [(0.8, 0.5)] * 4,
}


@pytest.mark.parametrize("move", sorted(MOVES))
@pytest.mark.parametrize("card", [False, True])
def test_what_a_measured_person_does_after_an_empty_frame_is_still_their_passage(card: bool, move: str) -> None:
    for fps in (8.0, 4.0, 2.0):
        for gap in (1, 2):  # fewer than leave_frames (3)
            assert _passages(card, fps, gap, MOVES[move]) == [(Verdict.PASS, CARD if card else None)], (fps, gap)


def test_a_shutter_frame_then_walking_off_half_out_of_view_is_one_passage() -> None:
    assert _passages(False, 4.0, 1, [(0.8, 0.99)] * 4, flags=(FLAG_SHUTTER,)) == [(Verdict.PASS, None)]
