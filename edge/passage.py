"""Pairing a card with a measurement, in either order, within a time window.

Pure state, no clock of its own: every call carries the event time, so the batch
replay and the live daemon behave the same.
"""
from __future__ import annotations

import dataclasses
from typing import List, Optional, Tuple

from drivers.base import CardEvent
from edge.screening import ScreeningResult
from edge.verdict import Verdict


@dataclasses.dataclass(frozen=True)
class Pair:
    """One passage ready to be decided: a measurement, a card, or both."""

    result: Optional[ScreeningResult]
    t_measured: Optional[float]
    card: Optional[CardEvent]

    @property
    def t(self) -> float:
        times = [x for x in (self.t_measured, self.card.t if self.card else None) if x is not None]
        return max(times)


class Pairer:
    """Holds at most one unpaired card and one unpaired measurement.

    ``measuring`` tells the pairer a person is in view but not yet measured, so a card
    tapped meanwhile waits for them instead of expiring.
    """

    def __init__(self, window_s: float, need_card: bool) -> None:
        self.window_s = window_s
        self.need_card = need_card
        self.card: Optional[CardEvent] = None
        self.measured: Optional[Tuple[ScreeningResult, float]] = None
        self.paired: Optional[CardEvent] = None  # the last card that got its measurement

    def add_card(self, card: CardEvent, measuring: bool = False, contested: bool = False) -> List[Pair]:
        """``measuring``: someone new is in view and not yet measured. Their card is theirs,
        not the reading of whoever was measured before them and left without a tap."""
        done: List[Pair] = []
        last = self.paired
        if last is not None and card.card_id and card.card_id == last.card_id and card.t - last.t <= self.window_s:
            return done  # tapped again after its passage (review 9h: it waited and cost the next one a RETRY)
        if self.card is not None:
            if self.card.card_id == card.card_id:
                return done  # the same card presented again before its passage ended
            # Two cards wait for one measurement: whose is the person in front is unknown
            # (the later card once took the earlier person's reading: a PASS for someone
            # never measured). Both tap again, one at a time.
            first, self.card = self.card, None
            return done + [Pair(two_cards(), None, first), Pair(two_cards(), None, card)]
        if self.measured is not None and card.t - self.measured[1] <= self.window_s and not measuring:
            result, t_measured = self.measured
            self.measured = None
            done.append(self._paired(Pair(result, t_measured, card)))
        elif contested and self.measured is not None and card.t - self.measured[1] <= self.window_s:
            # ``contested``: the one being measured took the place of the one before with no gap
            # (edge.presence newcomer), whose reading still waits: the tap may be either's (the
            # one before, beside at the reader). Neither gets it: the reading goes out without a
            # card, the card is asked again (review 9g). After a gap the card is the newcomer's.
            (result, t_measured), self.measured = self.measured, None
            done += [Pair(result, t_measured, None), Pair(tap_again(), None, card)]
        else:
            done.extend(self._expire_measured(card.t, force=True))
            self.card = card
        return done

    def add_measurement(self, result: ScreeningResult, t: float) -> List[Pair]:
        done: List[Pair] = self._expire_measured(t, force=True)
        if not self.need_card:
            # No card awaited, but one presented first still goes with this reading: the
            # guard's visitor key, or a card tapped on a lane with require_card off.
            if self.card is not None and t - self.card.t <= self.window_s:
                card, self.card = self.card, None
                return done + [self._paired(Pair(result, t, card))]
            return done + [Pair(result, t, None)]
        if self.card is not None and t - self.card.t <= self.window_s:
            card, self.card = self.card, None
            return done + [self._paired(Pair(result, t, card))]
        done.extend(self._expire_card(t, measuring=False, force=True))
        self.measured = (result, t)
        return done

    def _paired(self, pair: Pair) -> Pair:
        self.paired = pair.card
        return pair

    def holds(self, result: ScreeningResult) -> bool:
        """``result`` is the reading waiting here for its card."""
        return self.measured is not None and self.measured[0] is result

    def release_measured(self, t: float) -> List[Pair]:
        """The waiting reading, decided without a card (someone else stepped up)."""
        return self._expire_measured(t, force=True)

    def take_card(self) -> Optional[CardEvent]:
        """The card waiting for a measurement, no longer waiting (the sensor went down)."""
        card, self.card = self.card, None
        return card

    def expire(self, t: float, measuring: bool) -> List[Pair]:
        """Passages whose partner did not come within the window."""
        return self._expire_card(t, measuring, force=False) + self._expire_measured(t, force=False)

    def flush(self) -> List[Pair]:
        """Everything still waiting, unpaired (shutdown or end of a recording)."""
        done: List[Pair] = []
        if self.card is not None:
            done.append(Pair(None, None, self.card))
            self.card = None
        if self.measured is not None:
            done.append(Pair(self.measured[0], self.measured[1], None))
            self.measured = None
        return done

    def _expire_card(self, t: float, measuring: bool, force: bool) -> List[Pair]:
        if self.card is None:
            return []
        if force or (not measuring and t - self.card.t > self.window_s):
            card, self.card = self.card, None
            return [Pair(None, None, card)]
        return []

    def _expire_measured(self, t: float, force: bool) -> List[Pair]:
        if self.measured is None:
            return []
        if force or t - self.measured[1] > self.window_s:
            (result, t_measured), self.measured = self.measured, None
            return [Pair(result, t_measured, None)]
        return []


def two_cards() -> ScreeningResult:
    return ScreeningResult(Verdict.RETRY, ("two_cards",), None, None, {})


def tap_again() -> ScreeningResult:
    """A tap that may be one of two people's: tap again once measured."""
    return ScreeningResult(Verdict.RETRY, ("tap_again",), None, None, {})
