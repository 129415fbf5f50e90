"""Pieces every card reader shares: repeat suppression and event construction."""
from __future__ import annotations

import time
from typing import Callable, Dict, List, Optional

from drivers.base import CardEvent
from edge.cards import normalize_card_id


class Debouncer:
    """Suppresses the repeats a reader sends while a card is held.

    A card is reported again only after it has been absent (no sighting) for
    ``window`` seconds: each sighting of a held card extends the window.
    """

    def __init__(self, window: float) -> None:
        self.window = window
        self._last_seen: Dict[str, float] = {}

    def accept(self, card_id: str, now: Optional[float] = None) -> bool:
        now = time.monotonic() if now is None else now
        last = self._last_seen.get(card_id)
        self._last_seen[card_id] = now
        # Forget old cards so a long-running reader does not grow the table.
        if len(self._last_seen) > 64:
            for key in [k for k, t in self._last_seen.items() if now - t > self.window]:
                del self._last_seen[key]
        return last is None or now - last > self.window


def next_new_card(waiting: List[str], debounce: Debouncer, count: Callable[[str], None],
                  reader: str) -> Optional[CardEvent]:
    """The first of ``waiting`` (numbers one read completed, oldest first) that is not a
    repeat, taken off the list; the rest wait for the next read() call."""
    while waiting:
        number = waiting.pop(0)
        count("frames")
        if debounce.accept(number):
            return card_event(reader, number)
        count("repeats")
    return None


def card_event(reader: str, raw_id: str, extra: Optional[Dict[str, str]] = None) -> CardEvent:
    return CardEvent(t=time.monotonic(), reader=reader, card_id=normalize_card_id(raw_id), extra=extra)
