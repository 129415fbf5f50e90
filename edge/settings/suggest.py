"""The "did you mean" of every config error: a key, a driver, a choice (a time zone
first goes through edge.settings.zone_hint: a near name there may be a far offset)."""
from __future__ import annotations

import difflib
from typing import Iterable


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    options = list(choices)
    close = [c for c in options if c.lower() == word.lower()][:1]  # 'ID' for 'id': no edit ratio sees it
    close = close or difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    if not close and len(word) >= 3:  # a shortened name ('lcus' for 'lcus_relay') is far by edit distance
        close = [c for c in options if c.startswith(word)][:2]
        close = close if len(close) == 1 else []
    return f"; did you mean '{close[0]}'?" if close else ""
