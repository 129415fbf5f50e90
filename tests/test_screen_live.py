"""The daemon's LiveState -> ScreenView: hold times, fever until acknowledged, keypad reset."""
from __future__ import annotations

from typing import List

from drivers.base import DeviceState, ThermalFrame
from edge.events import GuardInput
from edge.measure import FrameAnalysis
from edge.outputs import LiveState
from edge.record import PassageRecord
from edge.roster import Person
from edge.screen.canned import synthetic_frame
from edge.screen.keypad import GuardAction, Keypad
from edge.screen.live import ViewBuilder, person_fields
from edge.screen.render import make_renderer
from edge.verdict import Verdict


def record(t: float, verdict: Verdict, body_c: float = 36.5, reasons=()) -> PassageRecord:
    return PassageRecord(t=t, wall=1_700_000_000.0 + t, clock_ok=True, verdict=verdict, reasons=tuple(reasons),
                         card="0006762840", card_reader="rdm6300", person_id="S20230417", skin_c=body_c - 1.5,
                         body_c=body_c, measurement={}, policy={})


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def setup():
    actions: List[GuardAction] = []
    pad = Keypad(actions.append)
    clock = Clock()
    builder = ViewBuilder(pad, hold_s=5.0, clock=clock, wall_clock=lambda: "08:00:00")
    live = LiveState()
    celsius, box = synthetic_frame(36.6)
    live.frame = ThermalFrame(t=99.0, celsius=celsius, ambient_c=21.0)
    live.analysis = FrameAnalysis(t=99.0, people=1, face_box=box, face_pixels=900, skin_c=35.1, skin_n=9,
                                  issues=frozenset())
    live.devices = {"thermal": DeviceState.OK, "card": DeviceState.RECONNECTING}
    return actions, pad, clock, builder, live


def test_idle_view_carries_live_frame_and_status() -> None:
    _a, _pad, _clock, builder, live = setup()
    view = builder.build(live, sync="offline", backlog=7, warmup_min=12.0, flags=("disk_full",))
    assert view.verdict is None and view.thermal is live.frame.celsius and view.reading_c == 35.1
    assert view.status.devices == {"thermal": "ok", "card": "reconnecting"}
    assert (view.status.sync, view.status.backlog, view.status.ambient_c) == ("offline", 7, 21.0)
    assert view.status.flags == ("disk_full",) and view.warming_up


def test_pass_is_held_then_idle_and_never_shows_ids() -> None:
    _a, _pad, clock, builder, live = setup()
    live.passage = record(99.0, Verdict.PASS), Person("S20230417", "李明", group="初二(3)班")
    view = builder.build(live)
    assert (view.verdict, view.name, view.group, view.body_c) == (Verdict.PASS, "李明", "初二(3)班", 36.5)
    texts = " ".join(t for _r, _b, t in make_renderer("zh", "800x480").render_layers(view).boxes)
    assert "S20230417" not in texts and "0006762840" not in texts and "6762840" not in texts
    clock.now = 104.5  # shown since 100.0, held for 5 s
    assert builder.build(live).verdict is Verdict.PASS
    clock.now = 105.5
    assert builder.build(live).verdict is None


def test_fever_stays_until_acknowledged_and_keypad_resets_per_person() -> None:
    actions, pad, clock, builder, live = setup()
    fever = record(99.0, Verdict.FEVER, 38.3, ("fever",))
    live.passage = fever, Person("S20230001", "张伟", group="初三(1)班")
    live.fevers = (live.passage,)
    assert builder.build(live).awaiting_ack
    for key in b"38.0\r":
        pad.key(key)
    clock.now = 500.0  # long after the hold time
    view = builder.build(live)
    assert view.verdict is Verdict.FEVER and view.awaiting_ack and view.secondary.value_c == 38.0
    assert actions == [GuardAction("secondary", 38.0)] and builder.shown_record is fever
    # The queue moves on before the guard acknowledges: the fever stays on screen.
    live.passage = record(501.0, Verdict.PASS), Person("S20230417", "李明")
    view = builder.build(live)
    assert (view.verdict, view.name, view.secondary.value_c) == (Verdict.FEVER, "张伟", 38.0)
    live.fevers = ()  # the daemon got the ack: the latest passage, while it is fresh
    view = builder.build(live)
    assert (view.verdict, view.name, view.awaiting_ack) == (Verdict.PASS, "李明", False)
    assert view.secondary.value_c is None  # a new person: the last reading is forgotten
    clock.now = 510.0
    assert builder.build(live).verdict is None and builder.shown_record is None


def test_typing_keeps_the_person_on_screen() -> None:
    _a, pad, clock, builder, live = setup()
    live.passage = record(99.0, Verdict.RETRY, reasons=("too_cold",)), None
    builder.build(live)
    pad.key(ord("3"))
    clock.now = 200.0
    view = builder.build(live)
    assert view.verdict is Verdict.RETRY and view.secondary.typed == "3"


def test_the_next_person_waits_while_a_reading_is_being_typed() -> None:
    """A hand-taken reading for a FAULT (manual screening) is half typed when the next
    person is decided: the digits stay with the person they were typed for."""
    _a, pad, clock, builder, live = setup()
    fault = record(99.0, Verdict.FAULT, reasons=("reference_missing",))
    live.passage = fault, Person("S1", "王芳")
    builder.build(live)
    for key in b"36.8":
        pad.key(key)
    live.passage = record(101.0, Verdict.PASS), Person("S2", "李明")
    view = builder.build(live)
    assert (view.verdict, view.name, view.secondary.typed) == (Verdict.FAULT, "王芳", "36.8")
    assert builder.shown_record is fault
    pad.key(ord("\r"))  # stored for the FAULT person; then the next one shows
    assert builder.build(live).name == "李明"


def test_a_denial_and_a_fault_decided_behind_a_fever_are_shown_after_the_ack() -> None:
    """A fever holds the screen until acknowledged; a DENY and a FAULT (manual screening)
    decided meanwhile are shown afterwards, each for its hold time, not lost."""
    from edge.outputs import LaneOutputs

    _a, _pad, clock, builder, live = setup()
    outputs = LaneOutputs(None, None, live)
    fever = record(99.0, Verdict.FEVER, 38.6, ("fever",))
    denied = record(100.0, Verdict.DENY, reasons=("quarantine",))
    fault = record(101.0, Verdict.FAULT, reasons=("reference_missing",))
    outputs.on_passage(fever, Person("S1", "张伟"))
    outputs.on_passage(denied, Person("S2", "王芳"))
    outputs.on_passage(record(101.5, Verdict.PASS), Person("S4", "赵六"))  # a pass needs no second look
    outputs.on_passage(fault, Person("S3", "李明"))
    clock.now = 300.0  # long after their own hold times
    assert builder.build(live).verdict is Verdict.FEVER
    outputs.on_guard(GuardInput(300.0, "ack", record=fever))
    assert (builder.build(live).verdict, builder.build(live).name) == (Verdict.DENY, "王芳")
    clock.now = 305.5
    assert (builder.build(live).verdict, builder.build(live).name) == (Verdict.FAULT, "李明")
    clock.now = 311.0
    assert builder.build(live).verdict is None


def test_person_fields_are_name_and_group_only() -> None:
    person = Person("S20230417", "王芳", group="高一(2)班", cards=("2000000001",))
    assert person_fields(person) == ("王芳", "高一(2)班")
    assert person_fields(Person("T1", "A")) == ("A", None)
    assert person_fields(None) == (None, None)


def test_a_passage_published_while_no_window_was_open_is_not_shown_later_as_the_current_one() -> None:
    _a, _pad, clock, builder, live = setup()
    live.passage = record(99.0, Verdict.PASS), None
    builder.track(live)  # edge.screen.app, while the window cannot open yet
    clock.now += 6.0  # past the hold time: then the window opens
    assert builder.build(live).verdict is None


def test_the_status_bar_does_not_list_the_screen_itself() -> None:
    _a, _pad, _clock, builder, live = setup()
    live.devices = {"thermal": DeviceState.OK, "screen": DeviceState.OK}
    assert builder.build(live).status.devices == {"thermal": "ok"}


def _waiting(live: LiveState, t: float, body_c: float = 38.7) -> None:
    from edge.screening import ScreeningResult

    live.waiting_fever = (ScreeningResult(Verdict.FEVER, ("fever",), body_c - 1.5, body_c, {}), t)


def test_a_reading_typed_while_the_fever_waits_for_its_card_is_refused_not_filed_elsewhere() -> None:
    """Review 10a: sent with no passage on screen, the daemon filed it under the fever
    acknowledged before (another child's record). Review 10b: kept for the waiting
    passage instead, a reading typed for that acknowledged fever went to this child."""
    actions, pad, _clock, builder, live = setup()
    _waiting(live, 120.0)
    view = builder.build(live)
    assert (view.verdict, view.awaiting_card, view.awaiting_ack, view.body_c) == (Verdict.FEVER, True, False, 38.7)
    for key in b"38.9\r":
        pad.key(key)
    view = builder.build(live)
    assert actions == [] and (view.secondary.typed, view.secondary.error) == ("", "card_first")
    for key in b"38.":
        pad.key(key)
    fever = record(121.0, Verdict.FEVER, 38.7, ("fever",))
    fever = PassageRecord(**{**fever.__dict__, "t_measured": 120.0})
    live.passage = (fever, Person("S20230001", "张伟"))
    live.fevers = (live.passage,)  # the card came: that reading's passage (outputs clear waiting last)
    view = builder.build(live)
    assert (view.name, view.awaiting_card, view.secondary.typed, view.secondary.error) == ("张伟", False, "", None)
    for key in b"38.9\r":
        pad.key(key)
    assert actions == [GuardAction("secondary", 38.9)] and builder.shown_record is fever


def test_a_retry_decided_while_a_fever_waits_is_named_on_the_waiting_view() -> None:
    """Review 10b: two pupils tapping together never heard "one at a time" while it waited."""
    _a, _pad, clock, builder, live = setup()
    _waiting(live, 120.0)
    builder.build(live)
    live.passage = record(121.0, Verdict.RETRY, reasons=("two_cards",)), None
    view = builder.build(live)
    assert (view.verdict, view.reasons, view.body_c) == (Verdict.FEVER, ("fever", "no_card", "two_cards"), 38.7)
    clock.now += 6.0  # past its hold time
    assert builder.build(live).reasons == ("fever", "no_card")


def test_digits_typed_for_the_person_on_screen_survive_a_fever_starting_to_wait() -> None:
    actions, pad, _clock, builder, live = setup()
    live.passage = record(99.0, Verdict.DENY, reasons=("quarantine",)), None
    builder.build(live)
    for key in b"37.":
        pad.key(key)
    _waiting(live, 99.5)
    view = builder.build(live)
    assert (view.verdict, view.secondary.typed) == (Verdict.DENY, "37.")  # the light already says fever
    for key in b"2\r":
        pad.key(key)
    assert actions == [GuardAction("secondary", 37.2)]
    assert builder.build(live).awaiting_card  # stored: now the waiting fever
