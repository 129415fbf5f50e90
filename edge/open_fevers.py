"""Fevers the guard had not acknowledged when the daemon stopped, shown again at start.

A power cut or a restart (a crash, an update) while a fever is on screen must not let the
guard believe it was dealt with: the screen and the light come back with it, and it waits
for the ack like any fever. The guard's ack is stored with the passage (``acked_wall``);
a fever older than REOPEN_S is history, not an alarm, and is left alone.
"""
from __future__ import annotations

import logging
from typing import Any, Dict, Optional, Tuple

from edge.record import PassageRecord
from edge.roster import Person, Roster
from edge.store import Store
from edge.store_writer import StoreWriter
from edge.verdict import Verdict

log = logging.getLogger(__name__)

REOPEN_S = 30 * 60.0
KEEP = 20  # the newest ones, if a gate somehow had more open

Shown = Tuple[PassageRecord, Optional[Person]]


def record_from_stored(wall: float, data: Dict[str, Any]) -> PassageRecord:
    """A PassageRecord for the screen from a stored record (edge.sync.payload.record_payload).
    The raw card id is not stored (only its keyed hash): ``card`` is None, the person id and
    the policy facts (a visitor's masked ID number) are what the screen has to go on."""
    return PassageRecord(
        t=float(data["t_mono"]), wall=wall, clock_ok=bool(data["clock_ok"]), verdict=Verdict(data["verdict"]),
        reasons=tuple(data["reasons"]), card=None, card_reader=data.get("card_reader"),
        person_id=data.get("person_id"), skin_c=data.get("skin_c"), body_c=data.get("body_c"),
        measurement=dict(data.get("measurement") or {}), policy=dict(data.get("policy") or {}))


def reopen(store: Store, roster: Optional[Roster], writer: StoreWriter, now_wall: float,
           clock_ok: bool) -> Tuple[Shown, ...]:
    """The open fevers to put back on screen, oldest first; the writer learns their seqs so
    the guard's ack and typed reading reach the right passage. ``clock_ok``: the wall clock
    is synchronized. A Pi starts on the date it last saved (no RTC): after a weekend off,
    Friday evening's fever would look minutes old on Monday morning, so without a
    synchronized clock nothing is shown again."""
    if not clock_ok:
        if store.open_fevers(0.0, 1):
            log.warning("clock not synchronized: fevers left open before the restart are not shown again"
                        " (their age cannot be told)")
        return ()
    shown, seqs = [], []
    for seq, wall, data in store.open_fevers(now_wall - REOPEN_S, KEEP):
        record = record_from_stored(wall, data)
        person = roster.person(record.person_id) if roster is not None and record.person_id else None
        writer.remember(record, seq)
        shown.append((record, person))
        seqs.append(seq)
    if shown:
        log.warning("fevers not acknowledged before the restart, shown again: passages %s", seqs)
    return tuple(shown)
