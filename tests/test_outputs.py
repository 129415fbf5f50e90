"""What the lane's passages become outside the store: the console line, the log line and
the temperature the guard reads."""
from __future__ import annotations

import dataclasses
import logging

import numpy as np
import pytest
from sync_producer import make_record

from drivers.base import DeviceState
from edge.outputs import LaneOutputs, LiveState
from edge.record import shown_c
from edge.screen.canned import canned_view
from edge.screen.render import make_renderer
from edge.verdict import Verdict


@pytest.mark.parametrize("value,shown", [(37.27, "37.2"), (37.3, "37.3"), (37.299, "37.2"), (36.99, "36.9"),
                                         (38.0, "38.0"), (37.30000001, "37.3")])
def test_a_temperature_is_shown_rounded_down(value: float, shown: str) -> None:
    """Under a 37.3 fever line 37.27 passes: it must not read 37.3 beside PASS."""
    assert shown_c(value) == shown


def test_the_log_line_names_no_one_and_no_temperature(capsys, caplog) -> None:
    caplog.set_level(logging.INFO, logger="edge.outputs")
    record = dataclasses.replace(make_record(1, Verdict.DENY, card="04A1B2C3D4", person_id="S2026-0413"),
                                 reasons=("quarantine",), body_c=37.27)
    LaneOutputs(None, None, LiveState(), console=True).on_passage(record, None)
    console = capsys.readouterr().out
    assert "S2026-0413" in console and "37.2C" in console and "DENY (quarantine)" in console
    (line,) = [r.getMessage() for r in caplog.records if r.name == "edge.outputs"]
    assert line.endswith("DENY (quarantine)")
    assert "S2026" not in line and "37" not in line.split(" ", 2)[2] and "D4" not in line


def test_the_guard_screen_shows_the_rounded_down_temperature() -> None:
    view = dataclasses.replace(canned_view("pass"), body_c=37.27)
    out = make_renderer("en", "800x480").render_layers(view)
    assert any("37.2°C" in text for _region, _box, text in out.boxes)
    assert not any("37.3" in text for _region, _box, text in out.boxes)


def _shown(live: LiveState):
    from edge.screen.keypad import Keypad
    from edge.screen.live import ViewBuilder

    return ViewBuilder(Keypad(lambda action: True)).build(live)


def test_a_fever_decided_between_two_screen_frames_is_still_shown() -> None:
    """The lane may publish two passages before the screen looks again (a catch-up, a slow
    frame): the fever is kept where passages arrive, not inferred by the screen."""
    live = LiveState()
    outputs = LaneOutputs(None, None, live)
    fever = dataclasses.replace(make_record(1, Verdict.FEVER), person_id="A")
    outputs.on_passage(fever, None)
    outputs.on_passage(make_record(2), None)  # the next person, before any frame
    view = _shown(live)
    assert view.verdict is Verdict.FEVER and view.awaiting_ack and view.body_c == fever.body_c


def test_an_ack_clears_the_fever_the_guard_saw_not_a_newer_one() -> None:
    from edge.events import GuardInput

    live = LiveState()
    outputs = LaneOutputs(None, None, live)
    first, second = (dataclasses.replace(make_record(i, Verdict.FEVER), person_id=p) for i, p in ((1, "A"), (2, "B")))
    outputs.on_passage(first, None)
    outputs.on_passage(second, None)  # decided while the guard's Enter for A was on its way
    assert _shown(live).body_c == first.body_c
    outputs.on_guard(GuardInput(3.0, "ack", record=first))
    assert [r for r, _p in live.fevers] == [second] and _shown(live).awaiting_ack  # B still waits
    outputs.on_guard(GuardInput(4.0, "ack", record=second))
    assert live.fevers == () and not live.fever_open


def test_open_fevers_are_bounded_on_a_gate_where_no_one_acknowledges_them() -> None:
    """A headless gate has no keypad: months of fevers must not pile up in memory."""
    from edge.store_writer import REMEMBER_FEVERS

    live = LiveState()
    outputs = LaneOutputs(None, None, live)
    fevers = [make_record(i, Verdict.FEVER) for i in range(REMEMBER_FEVERS + 10)]
    for record in fevers:
        outputs.on_passage(record, None)
    assert [r for r, _p in live.fevers] == fevers[-REMEMBER_FEVERS:]


def test_a_reading_typed_after_the_ack_goes_to_that_fever_and_through_the_writer(tmp_path, caplog) -> None:
    """Enter silences the alarm, the guard measures, then types: no passage is on the screen
    any more, yet the reading belongs to the fever just acknowledged. The screen thread
    never writes to the database; the writer stores the reading behind its passage. The
    journal gets no reading (it outlives retention; a passage number names a person)."""
    import queue
    import time

    from edge.daemon import _GuardActions
    from edge.screen.keypad import GuardAction, Keypad
    from edge.settings.device import DeviceSettings
    from edge.store import Store
    from edge.store_writer import StoreWriter

    caplog.set_level(logging.INFO)
    store = Store(str(tmp_path / "gate.db"), DeviceSettings(id="g1", site="s1")).open()
    writer = StoreWriter(store)
    writer.start()
    try:
        actions = _GuardActions(queue.Queue(), writer)
        pad = Keypad(lambda action: actions.handle(action, None))
        for key in b"382\r":  # nothing acknowledged yet, nothing on screen: said to be lost
            pad.key(key)
        assert pad.secondary.error == "not_recorded" and pad.secondary.value_c is None
        fever = make_record(1, Verdict.FEVER)
        writer.put(fever)
        assert actions.handle(GuardAction("ack"), fever)
        for key in b"38.2\r":
            pad.key(key)
        assert pad.secondary.value_c == 38.2 and pad.secondary.error is None
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not store.conn.execute("SELECT 1 FROM secondary_checks").fetchone():
            time.sleep(0.02)
        assert store.conn.execute("SELECT p.verdict, c.value_c FROM secondary_checks c JOIN passages p"
                                  " ON p.seq = c.seq").fetchall() == [("fever", 38.2)]
        seq = store.conn.execute("SELECT seq FROM secondary_checks").fetchone()[0]
        for key in b"3x\r":  # rejected
            pad.key(key)
    finally:
        writer.stop()
        store.close()
    # (Only this test's loggers: another test's reader thread may still log a /dev/pts/38.)
    lines = [r.getMessage() for r in caplog.records if r.name in ("edge.store_writer", "edge.screen.keypad")]
    assert f"secondary check stored for passage {seq}" in lines
    assert any("not recorded" in line for line in lines) and any("rejected" in line for line in lines)
    assert not [line for line in lines if "38" in line or "3x" in line]


@pytest.mark.parametrize("value,shown", [(37.95, "37.95°C"), (38.0, "38.0°C"), (37.9, "37.9°C")])
def test_a_stored_thermometer_reading_is_shown_as_typed(value: float, shown: str) -> None:
    from edge.screen.view import SecondaryCheck

    view = dataclasses.replace(canned_view("fever"), secondary=SecondaryCheck(value_c=value))
    texts = [t for _r, _b, t in make_renderer("en", "800x480").render_layers(view).boxes]
    assert any(t.startswith("Thermometer ") and shown in t for t in texts), texts


def test_the_status_bar_counts_start_from_zero_at_the_gates_midnight() -> None:
    """Months of uptime: 'today's counts' are today's, by device.timezone, even when no
    one passes after midnight; and the log time is the gate's, not the system's."""
    from edge.clock import local_time_in
    from edge.outputs import format_passage

    shanghai = local_time_in("Asia/Shanghai")
    live = LiveState()
    outputs = LaneOutputs(None, None, live, local_time=shanghai)
    evening = 1_772_460_000.0  # 2026-03-02 22:00 in Shanghai (14:00 UTC)
    for i, verdict in enumerate((Verdict.PASS, Verdict.FEVER, Verdict.DENY)):
        outputs.on_passage(dataclasses.replace(make_record(i, verdict), wall=evening + i), None)
    assert live.counts == {"passages": 3, "fever": 1, "deny": 1} and live.counts_day == "2026-03-02"
    outputs.on_passage(dataclasses.replace(make_record(9), wall=evening + 2.5 * 3600), None)  # 00:30 next day
    assert live.counts == {"passages": 1, "fever": 0, "deny": 0} and live.counts_day == "2026-03-03"
    # Measured at 23:59:58, decided after midnight (the pairing window): yesterday's, and
    # it does not send the counts back a day.
    outputs.on_passage(dataclasses.replace(make_record(10, Verdict.FEVER), wall=evening + 2 * 3600 - 2), None)
    outputs.on_passage(dataclasses.replace(make_record(11), wall=evening + 2.6 * 3600), None)
    assert live.counts == {"passages": 2, "fever": 0, "deny": 0} and live.counts_day == "2026-03-03"
    # The gate started with its clock a month ahead; NTP sets it back: the counts follow.
    live.counts_day = "2026-04-01"
    outputs.on_passage(dataclasses.replace(make_record(12, Verdict.FEVER), wall=evening + 3 * 3600), None)
    assert live.counts == {"passages": 1, "fever": 1, "deny": 0} and live.counts_day == "2026-03-03"
    assert format_passage(make_record(1), local_time=shanghai).split()[0] == shanghai(make_record(1).wall).strftime(
        "%H:%M:%S")
    # No passage after midnight: a frame now and then is enough to roll the day.
    from drivers.base import ThermalFrame

    live.counts_day = "2000-01-01"
    frame = ThermalFrame(t=1e6, celsius=np.zeros((24, 32), np.float32))
    outputs.on_frame(frame, None)
    assert live.counts == {"passages": 0, "fever": 0, "deny": 0} and live.counts_day != "2000-01-01"


class _Signals:
    """What LaneOutputs asks of the light (edge.signals.SignalController's three calls)."""

    def __init__(self) -> None:
        self.shown: list = []
        self.faults: list = []

    def show(self, verdict: Verdict) -> None:
        self.shown.append(verdict)

    def set_fault(self, fault: bool) -> None:
        self.faults.append(fault)

    def acknowledge(self) -> None:
        self.shown.append("ack")


def test_a_fever_waiting_for_its_card_turns_the_light_red_and_asks_for_the_card() -> None:
    """The red light and the screen at measurement, not when the pairing window ends (up to
    8 s later, the person long gone); the passage then keeps the light without a second alarm."""
    from edge.screening import ScreeningResult

    live, signals = LiveState(), _Signals()
    outputs = LaneOutputs(None, signals, live)  # type: ignore[arg-type]
    result = ScreeningResult(Verdict.FEVER, ("fever",), 36.9, 38.4, {})
    outputs.on_fever_waiting(result, 10.0)
    assert signals.shown == [Verdict.FEVER]
    view = _shown(live)
    assert (view.verdict, view.body_c, view.name, view.awaiting_ack) == (Verdict.FEVER, 38.4, None, False)
    out = make_renderer("en", "800x480").render_layers(view)
    texts = [text for _region, _box, text in out.boxes]
    assert "FEVER" in texts and "Please tap your card" in texts and any("38.4" in t for t in texts)

    other = dataclasses.replace(make_record(2, Verdict.RETRY), reasons=("two_cards",), t_measured=None)
    outputs.on_passage(other, None)  # someone else's passage meanwhile: the fever still shows
    assert _shown(live).verdict is Verdict.FEVER and live.waiting_fever is not None

    fever = dataclasses.replace(make_record(3, Verdict.FEVER), body_c=38.4, t_measured=10.0)
    outputs.on_passage(fever, None)  # the card came: the passage of that reading
    assert live.waiting_fever is None and [r for r, _p in live.fevers] == [fever]
    assert signals.shown == [Verdict.FEVER, Verdict.RETRY]  # (the light keeps a fever over a retry)
    view = _shown(live)
    assert view.verdict is Verdict.FEVER and view.awaiting_ack and view.name is None


def test_an_acknowledged_fever_does_not_hide_a_newer_one_still_waiting_for_its_card() -> None:
    from edge.events import GuardInput
    from edge.screening import ScreeningResult

    live, signals = LiveState(), _Signals()
    outputs = LaneOutputs(None, signals, live)  # type: ignore[arg-type]
    first = make_record(1, Verdict.FEVER)
    outputs.on_passage(first, None)
    outputs.on_fever_waiting(ScreeningResult(Verdict.FEVER, ("fever",), 37.0, 38.9, {}), 5.0)
    assert _shown(live).body_c == first.body_c  # the older, decided fever first
    outputs.on_guard(GuardInput(6.0, "ack", record=first))
    view = _shown(live)
    assert (view.verdict, view.body_c, view.reasons) == (Verdict.FEVER, 38.9, ("fever", "no_card"))
    assert "ack" not in signals.shown  # the light stays red for the one still waiting


def test_a_waiting_fever_whose_passage_never_comes_does_not_hold_the_screen_for_ever(caplog) -> None:
    """Review 10b: if deciding it failed (the lane thread logs and carries on), the screen said
    'tap your card' and the keypad refused every reading until a restart."""
    from drivers.base import ThermalFrame
    from edge.screening import ScreeningResult

    live, signals = LiveState(), _Signals()
    outputs = LaneOutputs(None, signals, live, fever_wait_s=8.0)  # type: ignore[arg-type]
    outputs.on_fever_waiting(ScreeningResult(Verdict.FEVER, ("fever",), 37.0, 38.9, {}), 5.0)
    frame = ThermalFrame(17.0, np.full((24, 32), 22.0, np.float32))
    outputs.on_frame(frame, None)  # type: ignore[arg-type]
    assert live.waiting_fever is not None  # within the window and its margin
    outputs.on_frame(dataclasses.replace(frame, t=18.5), None)  # type: ignore[arg-type]
    assert live.waiting_fever is None and _shown(live).verdict is None
    assert any("never decided" in r.getMessage() for r in caplog.records)
    assert signals.shown == [Verdict.FEVER, "ack"]  # no fever left for the guard's Enter to clear it


@pytest.mark.parametrize("card_first", [False, True])
def test_a_denial_decided_just_before_a_fever_is_shown_after_it(card_first: bool) -> None:
    """Review 10c: the fever took the screen within a second and the denial was never seen
    again (the next card holder, unknown, walked on)."""
    from edge.events import GuardInput
    from edge.screening import ScreeningResult

    live = LiveState()
    outputs = LaneOutputs(None, None, live)
    deny = dataclasses.replace(make_record(1, Verdict.DENY), reasons=("card_unknown",), person_id=None)
    outputs.on_passage(deny, None)
    fever = dataclasses.replace(make_record(2, Verdict.FEVER), t_measured=1.6)
    if not card_first:
        outputs.on_fever_waiting(ScreeningResult(Verdict.FEVER, ("fever",), 37.0, 38.2, {}), 1.6)
        assert _shown(live).awaiting_card
    outputs.on_passage(fever, None)
    assert _shown(live).verdict is Verdict.FEVER
    outputs.on_guard(GuardInput(3.0, "ack", record=fever))
    assert (_shown(live).verdict, live.behind) == (Verdict.DENY, ((deny, None),))


def test_a_denial_long_before_a_fever_is_not_shown_again() -> None:
    live = LiveState()
    outputs = LaneOutputs(None, None, live)
    outputs.on_passage(dataclasses.replace(make_record(1, Verdict.DENY), reasons=("card_unknown",)), None)
    outputs.on_passage(make_record(30, Verdict.FEVER), None)
    assert live.behind == ()


def test_a_fault_decided_while_a_fever_waits_for_its_card_is_shown_after_the_fever() -> None:
    """Review 10a: the waiting fever covered it, its passage then replaced it, and the
    guard never saw that this card holder must be screened by hand."""
    from edge.events import GuardInput
    from edge.screening import ScreeningResult

    live = LiveState()
    outputs = LaneOutputs(None, None, live)
    outputs.on_fever_waiting(ScreeningResult(Verdict.FEVER, ("fever",), 37.0, 38.9, {}), 5.0)
    fault = dataclasses.replace(make_record(6, Verdict.FAULT), reasons=("thermal_down",), person_id="B")
    outputs.on_passage(fault, None)
    assert _shown(live).verdict is Verdict.FEVER
    fever = dataclasses.replace(make_record(7, Verdict.FEVER), t_measured=5.0, person_id=None)
    outputs.on_passage(fever, None)
    outputs.on_guard(GuardInput(8.0, "ack", record=fever))
    view = _shown(live)
    assert (view.verdict, view.reasons) == (Verdict.FAULT, ("thermal_down",))


def test_a_denial_is_kept_behind_a_fever_by_when_it_was_shown_not_by_its_tap() -> None:
    """Review 10f: a card tapped with nobody measured is decided when the pairing window ends,
    dated at its tap 8 s before: measured from that, every later fever covered it for good."""
    from drivers.base import ThermalFrame

    live = LiveState()
    outputs = LaneOutputs(None, None, live, hold_s=2.0)
    still = ThermalFrame(9.0, np.full((24, 32), 22.0, np.float32))
    outputs.on_frame(still, None)  # type: ignore[arg-type]
    deny = dataclasses.replace(make_record(1, Verdict.DENY), reasons=("no_measurement", "card_unknown"))
    outputs.on_passage(deny, None)  # dated t=1.0 (the tap), shown at 9.0
    outputs.on_frame(dataclasses.replace(still, t=10.5), None)  # type: ignore[arg-type]
    outputs.on_passage(dataclasses.replace(make_record(10, Verdict.FEVER), t=10.5), None)
    assert live.behind == ((deny, None),)
    # Past its hold time (display.verdict_hold_s, here 2 s) when the fever comes: not shown again.
    outputs.on_passage(dataclasses.replace(make_record(11, Verdict.DENY), t=11.0), None)
    live.fevers, live.behind = (), ()
    outputs.on_frame(dataclasses.replace(still, t=13.5), None)  # type: ignore[arg-type]
    outputs.on_passage(dataclasses.replace(make_record(12, Verdict.FEVER), t=13.5), None)
    assert live.behind == ()


def test_a_screen_that_is_down_is_listed_but_puts_no_fault_on_the_light() -> None:
    """Every verdict still reaches the light: the fault pattern would send the guard to
    screen everyone by hand for a gate that screens. A sensor down still does."""
    live, signals = LiveState(), _Signals()
    outputs = LaneOutputs(None, signals, live)  # type: ignore[arg-type]
    outputs.on_devices({"thermal": DeviceState.OK, "light": DeviceState.OK, "screen": DeviceState.DOWN})
    outputs.on_devices({"thermal": DeviceState.DOWN, "light": DeviceState.OK, "screen": DeviceState.DOWN})
    assert signals.faults == [False, True] and live.devices["screen"] is DeviceState.DOWN
