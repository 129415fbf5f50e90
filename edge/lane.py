"""The lane: one thread's worth of state that turns device events into passages.

Everything here is driven by the events' own timestamps, never by a clock of its own,
so the live daemon and the batch replay run the very same code. The lane does no I/O:
results go to listeners, which must only enqueue.
"""
from __future__ import annotations

import logging
from typing import Any, Callable, Dict, List, Optional, Protocol, Tuple

from drivers.base import CardEvent, DeviceState, ThermalFrame
from edge.clock import Clock
from edge.events import DeviceStatus, GuardInput, RosterUpdate, Tick
from edge.frame_check import FrameCheck
from edge.measure import FrameAnalysis
from edge.passage import Pair, Pairer, tap_again, two_cards
from edge.presence import Presence
from edge.record import PassageRecord
from edge.screening import ScreeningResult
from edge.settings.lane import LaneSettings
from edge.verdict import Verdict, worst

log = logging.getLogger(__name__)

#: Reader name of the pseudo card event a guard's visitor key makes.
VISITOR_KEY = "guard_key"
#: A card tapped while nobody is in view and a reading waits: the tapper may be its owner,
#: back at the reader, or the next one stepping up. A frame this long after (plus one frame
#: period) that shows nobody gives it to the reading; someone in view makes it ambiguous.
CARD_GRACE_S = 0.5


def _thermal_down() -> ScreeningResult:
    """Nobody can be screened: the guard must take the temperature by hand."""
    return ScreeningResult(Verdict.FAULT, ("thermal_down",), None, None, {})


class LaneListener(Protocol):
    def on_passage(self, record: PassageRecord, person: Any) -> None: ...

    def on_frame(self, frame: ThermalFrame, analysis: FrameAnalysis) -> None: ...

    def on_devices(self, states: Dict[str, DeviceState]) -> None: ...

    def on_guard(self, event: GuardInput) -> None: ...

    def on_fever_waiting(self, result: ScreeningResult, t: float) -> None: ...


class Lane:
    def __init__(self, settings: LaneSettings, analyzer: Any, screener: Any, policy: Any, roster: Any,
                 clock: Clock, has_card_reader: bool, local_time: Callable[[float], Any],
                 has_light: bool = False, has_screen: bool = False) -> None:
        self.settings, self.analyzer, self.screener, self.policy, self.roster = \
            settings, analyzer, screener, policy, roster
        self.roster_loaded = roster is not None and len(roster) > 0
        self.clock = clock
        self.local_time = local_time  # wall seconds -> aware datetime in the device time zone
        self.has_card_reader = has_card_reader
        self.pairer = Pairer(settings.pair_window_s, need_card=has_card_reader and settings.require_card)
        # The light and the screen are the guard's: listed (health, status), no decision waits on them.
        # The screen is up once its window opens (edge.screen.app says so), not before.
        wanted = {"thermal": True, "card": has_card_reader, "light": has_light, "screen": has_screen}
        self.devices: Dict[str, DeviceState] = {role: DeviceState.RECONNECTING if role == "screen" else DeviceState.OK
                                                for role, on in wanted.items() if on}
        self.presence: Optional[Presence] = None
        self.listeners: List[LaneListener] = []
        self.counters: Dict[str, int] = {"frames": 0, "passages": 0, "blips": 0, "thermal_silences": 0,
                                         "frames_rejected": 0, "newcomers": 0}
        self.frame_check = FrameCheck()
        self._frame_problem: Optional[str] = None
        self._last_frame_t: Optional[float] = None
        self._silenced = False  # the thermal state is DOWN because frames stopped, not by the driver
        self._pending_card: Optional[CardEvent] = None  # waiting CARD_GRACE_S for someone to come into view
        self._frame_period = 0.125  # smoothed spacing of usable frames (8 Hz until measured)

    # -- dispatch --------------------------------------------------------------
    def handle(self, event: object) -> None:
        if isinstance(event, ThermalFrame):
            self._frame(event)
        elif isinstance(event, CardEvent):
            self._card(event)
        elif isinstance(event, Tick):
            self._expire(event.t)
        elif isinstance(event, DeviceStatus):
            self._device(event)
        elif isinstance(event, GuardInput):
            if event.kind == "visitor":
                # The key stands in for a card: the next measurement pairs with it (a visitor).
                self._card(CardEvent(event.t, VISITOR_KEY, ""))
            for listener in self.listeners:
                listener.on_guard(event)
        elif isinstance(event, RosterUpdate):
            self.roster, self.roster_loaded = event.roster, event.roster is not None and len(event.roster) > 0
        else:
            raise TypeError(f"lane cannot handle {type(event).__name__}")

    def flush(self, t: float) -> None:
        """Finish whatever is in progress (shutdown, end of a recording)."""
        if self.presence is not None and not self.presence.measured:
            self._end_presence(t)
        self.presence = None
        self._settle_card(t, force=True)
        self._emit(self.pairer.flush())

    # -- thermal ------------------------------------------------------------
    def _frame(self, frame: ThermalFrame) -> None:
        self.counters["frames"] += 1
        self._frame_problem = self.frame_check.problem(frame)
        if self._frame_problem is not None:  # no frame at all: the silence check counts on
            self.counters["frames_rejected"] += 1
            self._expire(frame.t)
            return
        if self._last_frame_t is not None and 0 < frame.t - self._last_frame_t < self.settings.thermal_silence_s:
            self._frame_period = 0.8 * self._frame_period + 0.2 * (frame.t - self._last_frame_t)
        self._last_frame_t = frame.t
        if self.devices.get("thermal") is not DeviceState.OK:
            # Frames flow again: the reader thread's status event may still be queued behind.
            self._device(DeviceStatus(frame.t, "thermal", DeviceState.OK, "frames arriving"))
        fa = self.analyzer.analyze(frame)
        for listener in self.listeners:
            listener.on_frame(frame, fa)
        presence = self.presence
        if presence is None and fa.present:
            presence = self.presence = Presence(frame.t)
            self.screener.begin(frame.t)
        if presence is not None:
            if fa.present and presence.newcomer(fa, self.screener.settings.stable_frames):
                self.counters["newcomers"] += 1
                presence = self.presence = Presence(frame.t, replaced=True)
                self.screener.begin(frame.t)
            if fa.present:
                presence.empty = 0
                presence.frames += 1
                if not presence.measured:
                    self.screener.add(fa)
                    if self.screener.done():
                        self._end_presence(frame.t)
                    elif frame.t - presence.t_start > self.settings.max_presence_s:
                        self._end_presence(frame.t)
            else:
                presence.empty += 1
                if presence.empty >= self.settings.leave_frames:
                    if not presence.measured:
                        self._end_presence(frame.t)
                    self.presence = None
        self._settle_card(frame.t)
        self._expire(frame.t)

    def _end_presence(self, t: float) -> None:
        presence = self.presence
        assert presence is not None
        result = self.screener.finish(t)
        presence.measured = True
        presence.skin_c = result.skin_c
        if result.verdict is Verdict.RETRY and presence.frames < 2 and self.pairer.card is None:
            # One warm frame and gone, nobody tapped: noise or someone walking past.
            self.counters["blips"] += 1
            return
        self._emit(self.pairer.add_measurement(result, t))
        if result.verdict is Verdict.FEVER and self.pairer.holds(result):
            # The alarm now, not when a card or the end of pair_window_s decides the passage.
            for listener in self.listeners:
                listener.on_fever_waiting(result, t)

    # -- cards --------------------------------------------------------------
    def _card(self, card: CardEvent) -> None:
        if self.devices.get("thermal") is not DeviceState.OK:
            self._emit([Pair(_thermal_down(), card.t, card)])
            return
        pending = self._pending_card
        if pending is not None:  # (review 9f: settling it on the waiting reading gave it a PASS not its own)
            if pending.card_id == card.card_id and pending.reader == card.reader:
                return  # the same card again while it waits
            # Two cards while nobody is in view: whose the waiting reading is, is unknown.
            self._pending_card = None
            self._emit([Pair(two_cards(), None, pending), Pair(two_cards(), None, card)])
            return
        if self.presence is None and self.pairer.measured is not None:
            # Review 9e: the next one, tapping before their first frame, took this reading.
            self._pending_card = card
            return
        self._emit(self.pairer.add_card(card, self._measuring(), self.presence is not None and self.presence.replaced))

    def _settle_card(self, t: float, force: bool = False) -> None:
        """The pending card: the waiting reading's once a usable frame after the grace time
        showed nobody; if someone came into view, it may be theirs or the reading's owner's
        (tapping from outside the view, review 9g), so it is asked again."""
        card = self._pending_card
        if card is None:
            return
        if self.presence is not None or force:  # nobody was in view at the tap: anyone now came after;
            self._pending_card = None  # the reading's owner is gone, so B's next tap is B's alone
            self._emit([Pair(tap_again() if self.presence is not None else None, None, card)]
                       + (self.pairer.release_measured(t) if self.presence is not None else []))
        elif self._last_frame_t is not None and self._last_frame_t >= card.t + CARD_GRACE_S + self._frame_period:
            # Not ticks alone: a sensor blinded meanwhile (a shutter, a stall) saw nobody either way.
            self._pending_card = None
            self._emit(self.pairer.add_card(card, measuring=False))

    def _measuring(self) -> bool:
        """Someone is in view and not measured yet."""
        return self.presence is not None and not self.presence.measured

    def _expire(self, t: float) -> None:
        self._settle_card(t)
        self._check_silence(t)
        if self._pending_card is not None:
            return  # the waiting reading may be the pending card's: it waits for the settling
        self._emit(self.pairer.expire(t, self._measuring()))

    # -- devices -----------------------------------------------------------
    def _check_silence(self, t: float) -> None:
        """A sensor whose port is open but sends nothing (hung firmware, a stalled camera
        read) still reports ok; without frames nobody is screened, so the guard sees a fault."""
        if self._last_frame_t is None:
            self._last_frame_t = t  # the silence counts from the lane's first event
            return
        silent_s = t - self._last_frame_t
        if self.devices["thermal"] is DeviceState.OK and silent_s > self.settings.thermal_silence_s:
            self.counters["thermal_silences"] += 1
            why = f"no usable frame for {silent_s:.1f} s ({self._frame_problem})" if self._frame_problem else \
                f"no frame for {silent_s:.1f} s"
            self._device(DeviceStatus(t, "thermal", DeviceState.DOWN, why))
            self._silenced = True

    def _device(self, status: DeviceStatus) -> None:
        if status.role not in self.devices or self.devices[status.role] is status.state:
            return
        was = self.devices[status.role]
        self.devices[status.role] = status.state
        if status.role == "thermal":
            if status.state is DeviceState.OK and was is not DeviceState.OK and not self._silenced:
                # A replugged sensor was powered off: it warms up again before readings count.
                # (After a silence the port never closed: no power cycle, no new warm-up.)
                self.screener.restart_warmup(status.t)
            self._silenced = False
        log.warning("%s %s%s", status.role, status.state.value, f": {status.detail}" if status.detail else "")
        if status.role == "thermal" and status.state is not DeviceState.OK and self.presence is not None:
            self.presence = None  # a half-seen person cannot be measured any more
        for listener in self.listeners:
            listener.on_devices(dict(self.devices))
        if status.role == "thermal" and status.state is not DeviceState.OK:
            # A card waiting for a measurement that cannot come: the guard measures by hand
            # now, as for a card tapped while the sensor is down (not a RETRY when it expires).
            for card in (self.pairer.take_card(), self._pending_card):
                if card is not None:
                    self._emit([Pair(_thermal_down(), card.t, card)])
            self._pending_card = None

    # -- decision -------------------------------------------------------------
    def _emit(self, pairs: List[Pair]) -> None:
        for pair in pairs:
            record, person = self._decide(pair)
            self.counters["passages"] += 1
            for listener in self.listeners:
                listener.on_passage(record, person)

    def _decide(self, pair: Pair) -> Tuple[PassageRecord, Any]:
        result = pair.result
        if result is None:
            result = ScreeningResult(Verdict.RETRY, ("no_measurement",), None, None, {})
        verdicts = [result.verdict]
        reasons = list(result.reasons)
        person = None
        policy_facts: Dict[str, Any] = {}
        wall, clock_ok = self.clock(pair.t)
        if pair.card is not None:
            visitor = pair.card.reader == VISITOR_KEY
            if not visitor and self.roster is not None:
                person = self.roster.lookup(pair.card.card_id)
            decision = self.policy.decide(person, None if visitor else pair.card, self.local_time(wall),
                                          roster_loaded=self.roster_loaded, visitor=visitor,
                                          roster_version=self.roster.version if self.roster is not None else None,
                                          clock_ok=clock_ok)
            policy_facts = dict(decision.facts)
            if decision.soft:
                policy_facts["soft"] = list(decision.soft)
            if not decision.allowed:
                verdicts.append(Verdict.DENY)
            reasons.extend(r for r in decision.reasons if r not in reasons)
        elif self.pairer.need_card and result.verdict is not Verdict.FAULT:
            if self.devices.get("card") is DeviceState.OK:
                verdicts.append(Verdict.RETRY)
                reasons.append("no_card")
            else:
                verdicts.append(Verdict.FAULT)
                reasons.append("card_down")
        # A fever sends the person to the isolation room whatever else is wrong.
        verdict = Verdict.FEVER if result.verdict is Verdict.FEVER else worst(*verdicts)
        record = PassageRecord(
            t=pair.t, wall=wall, clock_ok=clock_ok, verdict=verdict, reasons=tuple(reasons),
            card=pair.card.card_id if pair.card and pair.card.card_id else None,
            card_reader=pair.card.reader if pair.card else None,
            person_id=person.person_id if person is not None else None,
            skin_c=result.skin_c, body_c=result.body_c, measurement=dict(result.details),
            policy=policy_facts, t_card=pair.card.t if pair.card else None, t_measured=pair.t_measured,
        )
        return record, person
