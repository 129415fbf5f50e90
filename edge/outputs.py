"""Lane listener that fans a passage out to the light, the store writer, the screen's
live state and the log. Every call only enqueues or swaps a reference: the lane must
never wait here."""
from __future__ import annotations

import datetime
import logging
import threading
import time
from typing import Callable, Dict, Optional, Tuple

from drivers.base import DeviceState, ThermalFrame
from edge.events import GuardInput
from edge.measure import FrameAnalysis
from edge.record import PassageRecord, masked_card, shown_c
from edge.roster import Person
from edge.screening import ScreeningResult
from edge.signals import SignalController
from edge.store_writer import REMEMBER_FEVERS, StoreWriter
from edge.verdict import Verdict

log = logging.getLogger(__name__)


Shown = Tuple[PassageRecord, Optional[Person]]
BEHIND_KEEP = 20


class LiveState:
    """What the guard's screen shows, updated by the lane, read by the screen thread.

    Each attribute is replaced whole (never mutated in place), so a reader sees either
    the old or the new value without locks.
    """

    def __init__(self) -> None:
        self.frame: Optional[ThermalFrame] = None
        self.analysis: Optional[FrameAnalysis] = None
        # The latest passage with its person, as one value: read apart, a record and the next
        # person's name could meet on the screen.
        self.passage: Optional[Shown] = None
        # Fevers the guard has not acknowledged, oldest first: kept here, where each passage
        # arrives, so a fever decided between two screen frames is never missed.
        self.fevers: Tuple[Shown, ...] = ()
        # Denials and faults decided while a fever held the screen (the screen shows them after
        # the ack, each for its hold time), the newest BEHIND_KEEP.
        self.behind: Tuple[Shown, ...] = ()
        self.devices: Dict[str, DeviceState] = {}
        self.counts: Dict[str, int] = {"passages": 0, "fever": 0, "deny": 0}
        self.counts_day: Optional[str] = None  # the local date the counts are of (None: not known)
        # A fever measured before its card (the screening result, when measured): the light and
        # the screen say fever at once; the passage follows when a card comes or the window ends.
        self.waiting_fever: Optional[Tuple[ScreeningResult, float]] = None
        self.changed = threading.Event()

    @property
    def record(self) -> Optional[PassageRecord]:
        return self.passage[0] if self.passage is not None else None

    @property
    def fever_open(self) -> bool:
        return bool(self.fevers)


#: How often an idle gate looks whether midnight has passed (its counts are today's).
DAY_CHECK_S = 30.0
#: A passage dated this little before midnight, decided after it, is yesterday's (not a clock set back).
LATE_S = 600.0
ZERO_COUNTS = {"passages": 0, "fever": 0, "deny": 0}
#: Beyond fever_wait_s before a waiting fever counts as never decided.
WAIT_MARGIN_S = 5.0


class LaneOutputs:
    def __init__(self, writer: Optional[StoreWriter], signals: Optional[SignalController], live: LiveState,
                 console: bool = False,
                 local_time: Callable[[float], datetime.datetime] = datetime.datetime.fromtimestamp,
                 fever_wait_s: float = 8.0, hold_s: float = 5.0) -> None:
        """``local_time(wall)``: in the gate's time zone (device.timezone): the day the
        status bar counts, and the time in log and console lines. ``fever_wait_s``: the longest
        the lane can let a reading wait for its card (edge.daemon: the pairing window, a held
        card's grace and two frame gaps short of a thermal silence). ``hold_s``: how long the
        screen shows a verdict (display.verdict_hold_s)."""
        self.writer = writer
        self.signals = signals
        self.live = live
        self.console = console
        self.local_time = local_time
        self.fever_wait_s = fever_wait_s
        self.hold_s = hold_s
        self._now = 0.0  # the newest event time seen (frames, passages): when a passage is published
        self._published = 0.0  # when live.passage was
        self._day_checked = -DAY_CHECK_S

    def _roll_day(self, wall: float) -> bool:
        """Today's counts start from zero at local midnight. A passage decided after midnight
        but dated in the minutes before it (the pairing window) is not today's: False, and
        the counts stay. An earlier date than that means the clock was set back (NTP
        correcting a date ahead): the counts follow it."""
        when = self.local_time(wall)
        day = when.date().isoformat()
        if self.live.counts_day is not None and day < self.live.counts_day:
            midnight = datetime.datetime.fromisoformat(self.live.counts_day).replace(tzinfo=when.tzinfo)
            if midnight.timestamp() - wall <= LATE_S:
                return False
        if self.live.counts_day != day:
            if self.live.counts_day is not None:
                self.live.counts = dict(ZERO_COUNTS)
            self.live.counts_day = day
        return True

    def on_passage(self, record: PassageRecord, person: Optional[Person]) -> None:
        if self.writer is not None:
            self.writer.put(record)
        live = self.live
        waiting = live.waiting_fever
        alarmed = waiting is not None and record.t_measured == waiting[1]  # the fever light is on already
        if self.signals is not None and not alarmed:
            self.signals.show(record.verdict)
        if record.verdict is Verdict.FEVER and not alarmed:
            self._keep_covered(record.t)
        self._now = max(self._now, record.t)
        live.passage, self._published = (record, person), self._now
        if self._roll_day(record.wall):
            counts = dict(live.counts)
            counts["passages"] += 1
            if record.verdict.value in counts:
                counts[record.verdict.value] += 1
            live.counts = counts
        if record.verdict.value == "fever":
            # Bounded: a headless gate has no keypad to acknowledge them, for months. The
            # writer remembers as many fevers, so each kept one can still get its reading.
            live.fevers = (live.fevers + ((record, person),))[-REMEMBER_FEVERS:]
        elif (live.fevers or live.waiting_fever is not None) and record.verdict.value in ("deny", "fault"):
            # Decided while a fever holds the screen: shown once it is acknowledged.
            live.behind = (live.behind + ((record, person),))[-BEHIND_KEEP:]
        if alarmed:  # last: a screen frame in between must not find neither (review 10b)
            live.waiting_fever = None
        live.changed.set()
        if self.console:
            print(format_passage(record, local_time=self.local_time), flush=True)
        # The journal outlives store.retention_days and is readable by the adm group: no
        # person, card or temperature in it (the store and the screen have them).
        log.info("passage %s", format_passage(record, identify=False, local_time=self.local_time))

    def on_fever_waiting(self, result: ScreeningResult, t: float) -> None:
        """A fever measured while no card waits: the person must not walk on before the guard
        knows, so the light and the screen say fever now (the screen also asks for the card)."""
        if self.signals is not None:
            self.signals.show(Verdict.FEVER)
        self._keep_covered(t)
        self.live.waiting_fever = (result, t)
        self.live.changed.set()
        log.info("fever measured, waiting for a card")

    def _keep_covered(self, t: float) -> None:
        """A fever takes the screen and the light: a denial or fault published less than a
        hold time before it (review 10c) is shown again once the fever is acknowledged, not
        lost under it. Published, not dated: a card expiring unmeasured is dated at its tap
        (review 10f)."""
        live, shown = self.live, self.live.passage
        if live.fevers or live.waiting_fever is not None or shown is None:
            return  # a fever held the screen already: such passages went behind as they came
        if any(kept[0] is shown[0] for kept in live.behind):
            return  # (already behind: the screen times it)
        if shown[0].verdict.value in ("deny", "fault") and max(t, self._now) - self._published < self.hold_s:
            live.behind = (live.behind + (shown,))[-BEHIND_KEEP:]

    def on_frame(self, frame: ThermalFrame, analysis: FrameAnalysis) -> None:
        self.live.frame, self.live.analysis = frame, analysis
        self._now = max(self._now, frame.t)
        waiting = self.live.waiting_fever
        if waiting is not None and frame.t - waiting[1] > self.fever_wait_s + WAIT_MARGIN_S:
            # Its passage never came (deciding it failed; the lane logged why): not a screen stuck
            # on "tap your card", with a keypad refusing every reading, until a restart.
            log.error("a fever measured %.0f s ago was never decided: its waiting screen is dropped",
                      frame.t - waiting[1])
            self.live.waiting_fever = None
            if not self.live.fevers and self.signals is not None:
                self.signals.acknowledge()  # nothing left that the guard's Enter could clear it with
            self.live.changed.set()
        if frame.t - self._day_checked >= DAY_CHECK_S:  # (frames come all day, people may not)
            self._day_checked = frame.t
            self._roll_day(time.time())

    def on_devices(self, states: Dict[str, DeviceState]) -> None:
        self.live.devices = dict(states)
        if self.signals is not None:
            # Not for the screen: without it every verdict still reaches the light, and the
            # fault pattern means "screen people by hand", which it does not (README).
            self.signals.set_fault(any(state is not DeviceState.OK for role, state in states.items()
                                       if role != "screen"))
        self.live.changed.set()

    def on_guard(self, event: GuardInput) -> None:
        if event.kind != "ack" or not self.live.fevers:
            return
        fevers = self.live.fevers
        # The fever the guard saw (the oldest open one is what the screen shows); a fever
        # decided while the key was on its way stays open.
        target = event.record if any(r is event.record for r, _p in fevers) else fevers[0][0]
        self.live.fevers = tuple(f for f in fevers if f[0] is not target)
        if self.writer is not None:
            self.writer.put_ack(target, time.time())  # not shown again after a restart
        if not self.live.fevers and self.live.waiting_fever is None and self.signals is not None:
            self.signals.acknowledge()  # (a fever still waiting for its card keeps the light)
        self.live.changed.set()


def format_passage(record: PassageRecord, identify: bool = True,
                   local_time: Callable[[float], datetime.datetime] = datetime.datetime.fromtimestamp) -> str:
    """One human line: local time, person, temperature, verdict, reasons (``identify``
    False: time, verdict and reasons only)."""
    when = local_time(record.wall).strftime("%H:%M:%S")
    reasons = f" ({', '.join(record.reasons)})" if record.reasons else ""
    if not identify:
        return f"{when} {record.verdict.value.upper()}{reasons}"
    who = record.person_id or (f"card {masked_card(record)}" if record.card else "no card")
    temp = f"{shown_c(record.body_c)}C" if record.body_c is not None else "--.-C"
    return f"{when} {who:<12} {temp} {record.verdict.value.upper()}{reasons}"
