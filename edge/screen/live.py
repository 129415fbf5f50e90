"""The daemon's live state (edge.outputs.LiveState) -> ScreenView, once per screen frame.

Owns the screen-only rules: how long a verdict stays up (a fever stays until the guard
acknowledges it), when the keypad forgets the previous person's reading, and that only
a name and a group reach the screen, never an ID number or card id.
"""
from __future__ import annotations

import time
from typing import TYPE_CHECKING, Callable, Dict, Optional, Sequence, Set, Tuple

from edge.record import PassageRecord
from edge.roster import Person
from edge.screen.keypad import Keypad
from edge.screen.view import ScreenView, StatusBar
from edge.verdict import Verdict

if TYPE_CHECKING:
    from edge.outputs import LiveState


class ViewBuilder:
    """Call :meth:`build` once per screen frame from the screen thread."""

    def __init__(self, keypad: Keypad, hold_s: float = 5.0, clock: Callable[[], float] = time.monotonic,
                 wall_clock: Callable[[], str] = lambda: time.strftime("%H:%M:%S")) -> None:
        self.keypad = keypad
        self.hold_s = hold_s
        self.clock = clock
        self.wall_clock = wall_clock
        self._latest: Optional[PassageRecord] = None  # the last record the lane published
        self._since = 0.0  # when the screen first saw it
        # The passage the banner and the keypad refer to, with its person.
        self._shown: Optional[Tuple[PassageRecord, Optional[Person]]] = None
        # Passages shown after a fever (edge.outputs.LiveState.behind): when each was first
        # shown, and which are done. Keyed by id(): LiveState keeps the records alive.
        self._behind_since: Dict[int, float] = {}
        self._behind_done: Set[int] = set()

    @property
    def shown_record(self) -> Optional[PassageRecord]:
        """The passage on screen (the keypad's readings and acks refer to it)."""
        return self._shown[0] if self._shown is not None else None

    def track(self, live: "LiveState") -> float:
        """Note the latest passage's arrival (its hold time counts from now), with no view
        built: edge.screen.app calls it while no window is open yet. Returns now."""
        record, now = live.record, self.clock()
        if record is not self._latest:
            self._latest, self._since = record, now
        return now

    def build(self, live: "LiveState", sync: str = "disabled", backlog: int = 0, warmup_min: Optional[float] = None,
              flags: Sequence[str] = ()) -> ScreenView:
        """A view of ``live`` (read attribute by attribute: the lane swaps them whole)."""
        passage, fevers, waiting = live.passage, live.fevers, live.waiting_fever
        record, person = passage if passage is not None else (None, None)
        now = self.track(live)
        # An unacknowledged fever outranks the people who walked through after it: the
        # guard must still send that person to the isolation room (the oldest first).
        if fevers:
            shown, shown_person = fevers[0]
        elif self.keypad.secondary.typed and self._shown is not None:
            # Digits being typed belong to the person on screen: the next one waits, or the
            # reading would be wiped (or typed on for someone else). A fever waiting for its
            # card waits too: the light already says fever, and there is nothing to type for.
            shown, shown_person = self._shown
        elif waiting is not None:
            shown, shown_person = None, None  # no passage yet: nothing for the keypad to refer to
        elif (behind := self._next_behind(live.behind, now)) is not None:
            shown, shown_person = behind
        elif record is not None and now - self._since < self.hold_s:
            shown, shown_person = record, person
        else:
            shown, shown_person = None, None
        if shown is not self.shown_record:
            self.keypad.reset()  # a new person on show: the last one's reading goes
        self._shown = (shown, shown_person) if shown is not None else None
        self.keypad.awaiting_card = shown is None and waiting is not None
        frame, analysis = live.frame, live.analysis
        thermal = frame.celsius if frame is not None else None
        face_box = analysis.face_box if analysis is not None else None
        reading = analysis.skin_c if analysis is not None and face_box is not None else None
        ambient = frame.ambient_c if frame is not None else None
        if ambient is None and analysis is not None:
            ambient = analysis.ambient_c
        status = StatusBar(
            clock=self.wall_clock(), sync=sync, backlog=int(backlog),
            # Not the screen itself: whoever reads this bar sees that it is up.
            devices={role: state.value for role, state in dict(live.devices).items() if role != "screen"},
            warmup_min=warmup_min, ambient_c=ambient, passages=int(live.counts.get("passages", 0)),
            fevers=int(live.counts.get("fever", 0)), denials=int(live.counts.get("deny", 0)), flags=tuple(flags))
        if shown is None and waiting is not None:
            # Measured, no card yet: fever now, and the card so the record has the person. A
            # RETRY decided meanwhile ("two cards: one at a time") is said too (review 10b).
            retry = record is not None and record.verdict is Verdict.RETRY and record.t >= waiting[1] \
                and now - self._since < self.hold_s
            return ScreenView(thermal=thermal, face_box=face_box, reading_c=reading, verdict=Verdict.FEVER,
                              reasons=("fever", "no_card") + (record.reasons if retry and record else ()),
                              body_c=waiting[0].body_c, awaiting_card=True, secondary=self.keypad.secondary,
                              status=status)
        if shown is None:
            return ScreenView(thermal=thermal, face_box=face_box, reading_c=reading,
                              secondary=self.keypad.secondary, status=status)
        name, group = person_fields(shown_person)
        return ScreenView(thermal=thermal, face_box=face_box, reading_c=reading, verdict=shown.verdict,
                          reasons=tuple(shown.reasons), name=name, group=group, body_c=shown.body_c,
                          awaiting_ack=bool(fevers), secondary=self.keypad.secondary, status=status)


    def _next_behind(self, behind: Tuple[Tuple[PassageRecord, Optional[Person]], ...],
                     now: float) -> Optional[Tuple[PassageRecord, Optional[Person]]]:
        """The oldest denial or fault decided behind a fever and not yet shown for its hold
        time, once no fever holds the screen (each then gets hold_s of its own)."""
        alive = {id(passage[0]) for passage in behind}  # ids of records no longer kept may be reused
        self._behind_done &= alive
        self._behind_since = {key: t for key, t in self._behind_since.items() if key in alive}
        for passage in behind:
            if id(passage[0]) in self._behind_done:
                continue
            started = self._behind_since.setdefault(id(passage[0]), now)
            if now - started < self.hold_s:
                return passage
            self._behind_done.add(id(passage[0]))
        return None


def person_fields(person: Optional[Person]) -> Tuple[Optional[str], Optional[str]]:
    """(name, group) of a roster person: nothing else of them (never an ID) reaches the screen."""
    if person is None:
        return None, None
    return person.name or None, person.group or None

