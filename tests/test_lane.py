"""The lane end to end on synthetic frames, with the real analyzer and screener."""
from __future__ import annotations

from typing import List, Tuple

import pytest

from drivers.base import AccuracyClass, CardEvent, DeviceState
from edge.events import DeviceStatus, Tick
from edge.clock import local_time_in
from edge.lane import Lane
from edge.measure import FrameAnalyzer
from edge.measure_synth import Person, frame
from edge.record import PassageRecord
from edge.policy import Policy
from edge.roster import Roster
from edge.screening import Screener
from edge.settings.device import DeviceSettings
from edge.settings.lane import LaneSettings
from edge.settings.policy import PolicySettings
from edge.settings.screening import ScreeningSettings
from edge.verdict import Verdict

SHAPE = (192, 256)


class Collect:
    def __init__(self) -> None:
        self.records: List[PassageRecord] = []
        self.devices: List[dict] = []
        self.waiting: List[Tuple[Verdict, float, int]] = []  # (verdict, t, passages decided by then)

    def on_passage(self, record, person):
        self.records.append(record)

    def on_frame(self, frame, analysis):
        pass

    def on_devices(self, states):
        self.devices.append(states)

    def on_guard(self, event):
        pass

    def on_fever_waiting(self, result, t):
        self.waiting.append((result.verdict, t, len(self.records)))


def make_lane(has_card_reader: bool) -> Tuple[Lane, Collect]:
    settings = ScreeningSettings()
    roster = Roster.from_snapshot({"v": 1, "site": "s", "version": 1, "persons": [
        {"person_id": "S0001", "name": "学生0001", "cards": ["2000000001"]}]})
    lane = Lane(LaneSettings(pair_window_s=4.0), FrameAnalyzer(settings, AccuracyClass.SCREENING),
                Screener(settings, AccuracyClass.SCREENING), Policy(PolicySettings(), DeviceSettings()),
                roster, lambda t: (1.7e9 + t, True), has_card_reader, local_time_in("Asia/Shanghai"))
    out = Collect()
    lane.listeners.append(out)
    return lane, out


def walk(lane: Lane, t0: float, canthus_c: float, frames: int = 12, fps: float = 8.0, empty_after: int = 5) -> float:
    t = t0
    for i in range(frames):
        lane.handle(frame(SHAPE, [Person(canthus_c=canthus_c, distance_m=0.8)], t=t, seed=i))
        t += 1 / fps
    for i in range(empty_after):
        lane.handle(frame(SHAPE, [], t=t, seed=100 + i))
        t += 1 / fps
    return t


def test_temperature_only_pass_and_fever():
    lane, out = make_lane(has_card_reader=False)
    t = walk(lane, 0.0, canthus_c=36.2)
    t = walk(lane, t + 1, canthus_c=37.8)
    assert [r.verdict for r in out.records] == [Verdict.PASS, Verdict.FEVER]
    ok, fever = out.records
    assert 36.0 < ok.body_c < 37.0 and fever.body_c >= 37.3
    assert ok.skin_c is not None and ok.measurement  # raw reading and details kept
    assert ok.card is None and ok.wall == 1.7e9 + ok.t


def test_card_then_measurement_pairs_with_the_roster_person():
    lane, out = make_lane(has_card_reader=True)
    lane.handle(CardEvent(0.0, "sim", "2000000001"))
    walk(lane, 0.2, canthus_c=36.2)
    assert len(out.records) == 1
    rec = out.records[0]
    assert (rec.verdict, rec.person_id, rec.card, rec.t_card) == (Verdict.PASS, "S0001", "2000000001", 0.0)


def test_unknown_card_is_denied_but_measured_and_fever_outranks_denial():
    lane, out = make_lane(has_card_reader=True)
    t = walk(lane, 0.0, canthus_c=36.2)
    lane.handle(CardEvent(t, "sim", "9999999999"))
    t = walk(lane, t + 0.125, canthus_c=36.2, frames=0, empty_after=8)  # (out of view: frames show nobody came)
    t = walk(lane, t + 6, canthus_c=38.0)
    lane.handle(CardEvent(t, "sim", "9999999998"))
    walk(lane, t + 0.125, canthus_c=36.2, frames=0, empty_after=8)  # (out of view: frames show nobody came)
    assert [r.verdict for r in out.records] == [Verdict.DENY, Verdict.FEVER]
    assert out.records[0].reasons == ("card_unknown",) and out.records[0].body_c is not None
    assert "card_unknown" in out.records[1].reasons and "fever" in out.records[1].reasons


def test_measurement_without_card_is_retry_after_the_window():
    lane, out = make_lane(has_card_reader=True)
    t = walk(lane, 0.0, canthus_c=36.2)
    assert out.records == []
    lane.handle(Tick(t + 5))
    assert [(r.verdict, r.reasons) for r in out.records] == [(Verdict.RETRY, ("no_card",))]


def _measured_at(lane: Lane, t0: float, canthus_c: float) -> float:
    """Frames of one person until the lane has measured them; the time of that frame."""
    t, i = t0, 0
    while lane.presence is None or not lane.presence.measured:
        assert i < 40, "never measured"
        lane.handle(frame(SHAPE, [Person(canthus_c=canthus_c, distance_m=0.8)], t=t, seed=i))
        t, i = t + 0.125, i + 1
    return t - 0.125


def test_a_fever_without_a_card_is_announced_when_measured_not_when_the_window_ends():
    """Review 9f: the red light waited the whole pairing window (8 s) for a card."""
    lane, out = make_lane(has_card_reader=True)
    t_measured = _measured_at(lane, 0.0, canthus_c=38.6)
    assert out.records == [] and out.waiting == [(Verdict.FEVER, t_measured, 0)]
    t = walk(lane, t_measured + 0.125, canthus_c=38.6, frames=0, empty_after=8)
    lane.handle(CardEvent(t + 2.0, "sim", "2000000001"))  # the card, late, from outside the view
    walk(lane, t + 2.125, canthus_c=38.6, frames=0, empty_after=8)
    (rec,) = out.records
    assert (rec.verdict, rec.person_id, rec.t_measured) == (Verdict.FEVER, "S0001", t_measured)
    assert len(out.waiting) == 1  # one alarm per reading


def test_a_fever_whose_card_came_first_is_a_passage_at_once_without_a_waiting_alarm():
    lane, out = make_lane(has_card_reader=True)
    lane.handle(CardEvent(0.0, "sim", "2000000001"))
    t_measured = _measured_at(lane, 0.2, canthus_c=38.6)
    assert [(r.verdict, r.t_measured) for r in out.records] == [(Verdict.FEVER, t_measured)]
    assert out.waiting == []


def test_a_normal_reading_waiting_for_its_card_raises_no_alarm():
    lane, out = make_lane(has_card_reader=True)
    _measured_at(lane, 0.0, canthus_c=36.2)
    assert out.waiting == [] and out.records == []


def test_card_while_thermal_down_is_a_fault_never_a_pass():
    lane, out = make_lane(has_card_reader=True)
    lane.handle(DeviceStatus(0.0, "thermal", DeviceState.RECONNECTING, "unplugged"))
    assert out.devices[-1]["thermal"] is DeviceState.RECONNECTING
    lane.handle(CardEvent(1.0, "sim", "2000000001"))
    assert [(r.verdict, r.reasons, r.person_id) for r in out.records] == [(Verdict.FAULT, ("thermal_down",), "S0001")]
    walk(lane, 2.0, canthus_c=36.2, frames=2, empty_after=0)  # frames flow again: back to ok
    assert out.devices[-1]["thermal"] is DeviceState.OK


def test_a_single_warm_frame_is_not_a_passage():
    lane, out = make_lane(has_card_reader=False)
    walk(lane, 0.0, canthus_c=36.2, frames=1)
    assert out.records == [] and lane.counters["blips"] == 1


def test_flush_records_the_passage_in_progress():
    lane, out = make_lane(has_card_reader=True)
    walk(lane, 0.0, canthus_c=36.2)
    lane.flush(3.0)
    assert [(r.verdict, r.reasons) for r in out.records] == [(Verdict.RETRY, ("no_card",))]


def test_guard_visitor_key_registers_a_visitor_and_screens_them():
    from edge.events import GuardInput
    from edge.settings.device import DeviceSettings as _D

    settings = ScreeningSettings()
    lane = Lane(LaneSettings(pair_window_s=4.0), FrameAnalyzer(settings, AccuracyClass.SCREENING),
                Screener(settings, AccuracyClass.SCREENING),
                Policy(PolicySettings(mode="family_area"), _D()), None, lambda t: (1.7e9 + t, True), True,
                local_time_in("Asia/Shanghai"))
    out = Collect()
    lane.listeners.append(out)
    lane.handle(GuardInput(0.0, "visitor"))
    walk(lane, 0.3, canthus_c=36.2)
    assert len(out.records) == 1
    rec = out.records[0]
    assert rec.verdict is Verdict.PASS and rec.card is None and rec.card_reader == "guard_key"
    assert "visitor" in rec.reasons and rec.body_c is not None


@pytest.mark.parametrize("has_card_reader,require_card", [(False, True), (True, False)])
def test_the_visitor_key_works_on_a_lane_that_does_not_wait_for_a_card(has_card_reader, require_card):
    """A temperature-only lane, or lane.require_card off: the visitor is still registered and
    measured as one passage, not an anonymous pass and then a RETRY 'visitor'."""
    from edge.events import GuardInput
    from edge.settings.device import DeviceSettings as _D

    settings = ScreeningSettings()
    lane = Lane(LaneSettings(pair_window_s=4.0, require_card=require_card),
                FrameAnalyzer(settings, AccuracyClass.SCREENING), Screener(settings, AccuracyClass.SCREENING),
                Policy(PolicySettings(mode="family_area"), _D()), None, lambda t: (1.7e9 + t, True), has_card_reader,
                local_time_in("Asia/Shanghai"))
    out = Collect()
    lane.listeners.append(out)
    lane.handle(GuardInput(0.0, "visitor"))
    t = walk(lane, 0.3, canthus_c=36.2)
    lane.handle(Tick(t + 30.0))
    assert [(r.verdict, r.card_reader, "visitor" in r.reasons) for r in out.records] == [
        (Verdict.PASS, "guard_key", True)]
    assert out.records[0].body_c is not None


def test_keypad_visitor_key_emits_a_visitor_action():
    from edge.screen.keypad import GuardAction, Keypad

    actions = []
    pad = Keypad(actions.append)
    assert pad.key(ord("/")) and pad.key(0xAF)
    assert actions == [GuardAction("visitor"), GuardAction("visitor")]


def test_replugged_sensor_warms_up_again_before_readings_count():
    settings = ScreeningSettings(warmup_minutes=1.0)
    lane = Lane(LaneSettings(), FrameAnalyzer(settings, AccuracyClass.SCREENING),
                Screener(settings, AccuracyClass.SCREENING, sensor_started=-600.0),
                Policy(PolicySettings(), DeviceSettings()), None, lambda t: (1.7e9 + t, True), False,
                local_time_in("Asia/Shanghai"))
    out = Collect()
    lane.listeners.append(out)
    t = walk(lane, 0.0, canthus_c=36.2)
    lane.handle(DeviceStatus(t, "thermal", DeviceState.RECONNECTING, "unplugged"))
    t = walk(lane, t + 1, canthus_c=36.2)  # the first frame after the replug brings it back
    t = walk(lane, t + 61, canthus_c=36.2)  # a minute later: warm again
    verdicts = [(r.verdict, r.reasons) for r in out.records]
    assert verdicts[0][0] is Verdict.PASS
    assert verdicts[1][0] is Verdict.FAULT and "warming_up" in verdicts[1][1]
    assert verdicts[2][0] is Verdict.PASS


def test_sensor_that_goes_silent_is_a_fault_until_frames_return_without_new_warmup():
    settings = ScreeningSettings(warmup_minutes=1.0)
    lane = Lane(LaneSettings(pair_window_s=4.0, thermal_silence_s=5.0), FrameAnalyzer(settings, AccuracyClass.SCREENING),
                Screener(settings, AccuracyClass.SCREENING, sensor_started=-600.0),
                Policy(PolicySettings(), DeviceSettings()), None, lambda t: (1.7e9 + t, True), True,
                local_time_in("Asia/Shanghai"))
    out = Collect()
    lane.listeners.append(out)
    t = walk(lane, 0.0, canthus_c=36.2, frames=0, empty_after=3)  # frames with nobody in view
    # The port stays open and the driver says ok, but no frame comes: idle ticks only.
    lane.handle(Tick(t + 4.5))
    assert lane.devices["thermal"] is DeviceState.OK  # a slow sensor is not silent yet
    lane.handle(Tick(t + 5.5))
    assert lane.devices["thermal"] is DeviceState.DOWN and out.devices[-1]["thermal"] is DeviceState.DOWN
    assert lane.counters["thermal_silences"] == 1
    lane.handle(CardEvent(t + 6.0, "sim", "2000000001"))
    assert [(r.verdict, r.reasons[0]) for r in out.records] == [(Verdict.FAULT, "thermal_down")]
    lane.handle(Tick(t + 30.0))
    assert lane.counters["thermal_silences"] == 1  # one silence, counted once
    # Frames again: ok at once, and no 1-minute warm-up (the sensor never lost power).
    t = walk(lane, t + 31.0, canthus_c=36.2)
    lane.handle(CardEvent(t, "sim", "2000000002"))
    walk(lane, t + 0.125, canthus_c=36.2, frames=0, empty_after=8)  # (out of view: frames show nobody came)
    assert out.devices[-1]["thermal"] is DeviceState.OK
    assert out.records[-1].verdict is not Verdict.FAULT and "warming_up" not in out.records[-1].reasons


def test_silence_does_not_hide_a_real_unplug_warmup():
    settings = ScreeningSettings(warmup_minutes=1.0)
    lane = Lane(LaneSettings(thermal_silence_s=2.0), FrameAnalyzer(settings, AccuracyClass.SCREENING),
                Screener(settings, AccuracyClass.SCREENING, sensor_started=-600.0),
                Policy(PolicySettings(), DeviceSettings()), None, lambda t: (1.7e9 + t, True), False,
                local_time_in("Asia/Shanghai"))
    lane.handle(Tick(0.0))
    lane.handle(Tick(3.0))
    assert lane.devices["thermal"] is DeviceState.DOWN  # silent first...
    lane.handle(DeviceStatus(3.5, "thermal", DeviceState.RECONNECTING, "unplugged"))  # ...then really gone
    out = Collect()
    lane.listeners.append(out)
    walk(lane, 5.0, canthus_c=36.2)
    assert out.records[-1].verdict is Verdict.FAULT and "warming_up" in out.records[-1].reasons


def test_a_card_tapped_by_the_next_person_is_not_paired_with_the_reading_before_them():
    # A is measured and walks on without a card; B steps in, taps at once, then is measured.
    lane, out = make_lane(has_card_reader=True)
    t = walk(lane, 0.0, canthus_c=36.2)  # A
    assert out.records == [] and lane.pairer.measured is not None  # A's reading waits for a card
    lane.handle(frame(SHAPE, [Person(canthus_c=38.6, distance_m=0.8)], t=t, seed=50))  # B in view
    lane.handle(CardEvent(t + 0.01, "sim", "2000000001"))
    walk(lane, t + 0.125, canthus_c=38.6)
    lane.handle(Tick(t + 20))
    a, b = out.records
    assert (a.verdict, a.reasons, a.card) == (Verdict.RETRY, ("no_card",), None) and a.body_c < 37.0
    assert (b.verdict, b.card, b.person_id) == (Verdict.FEVER, "2000000001", "S0001") and b.body_c >= 37.3


def test_the_light_is_one_of_the_devices_the_guard_sees():
    settings = ScreeningSettings()
    lane = Lane(LaneSettings(), FrameAnalyzer(settings, AccuracyClass.SCREENING),
                Screener(settings, AccuracyClass.SCREENING), Policy(PolicySettings(), DeviceSettings()),
                None, lambda t: (1.7e9 + t, True), False, local_time_in("Asia/Shanghai"), has_light=True)
    out = Collect()
    lane.listeners.append(out)
    lane.handle(DeviceStatus(1.0, "light", DeviceState.RECONNECTING, "relay board unplugged"))
    assert out.devices[-1] == {"thermal": DeviceState.OK, "light": DeviceState.RECONNECTING}
    lane.handle(DeviceStatus(2.0, "light", DeviceState.OK, ""))
    assert out.devices[-1]["light"] is DeviceState.OK


def test_the_screen_is_not_ok_before_its_window_opened():
    """Review 11f: it started as ok, so status and health said 'screen ok' for as long as no
    window could open yet (20 s and more with a hung X server)."""
    settings = ScreeningSettings()
    lane = Lane(LaneSettings(), FrameAnalyzer(settings, AccuracyClass.SCREENING),
                Screener(settings, AccuracyClass.SCREENING), Policy(PolicySettings(), DeviceSettings()),
                None, lambda t: (1.7e9 + t, True), False, local_time_in("Asia/Shanghai"), has_screen=True)
    assert lane.devices == {"thermal": DeviceState.OK, "screen": DeviceState.RECONNECTING}
    out = Collect()
    lane.listeners.append(out)
    lane.handle(DeviceStatus(1.0, "screen", DeviceState.OK, "window open"))
    assert out.devices[-1] == {"thermal": DeviceState.OK, "screen": DeviceState.OK}


def test_a_card_waiting_when_the_sensor_goes_down_is_a_fault_at_once_not_a_retry_later():
    lane, out = make_lane(has_card_reader=True)
    lane.handle(CardEvent(0.0, "sim", "2000000001"))  # tapped, then the sensor goes before the measurement
    walk(lane, 0.1, canthus_c=36.2, frames=2, empty_after=0)
    lane.handle(DeviceStatus(0.5, "thermal", DeviceState.DOWN, "unplugged"))
    assert [(r.verdict, r.reasons, r.person_id) for r in out.records] == [(Verdict.FAULT, ("thermal_down",), "S0001")]
    lane.handle(Tick(20.0))
    assert len(out.records) == 1  # and no RETRY 'no_measurement' afterwards


@pytest.mark.parametrize("state", [DeviceState.RECONNECTING, DeviceState.DOWN])
def test_a_measurement_without_a_card_while_the_reader_is_down_is_a_fault_or_the_fever(state):
    """A serial reader unplugged reports RECONNECTING: the guard sees a fault (card_down),
    never a silent 'retry: no card'; a fever still shows as a fever."""
    lane, out = make_lane(has_card_reader=True)
    lane.handle(DeviceStatus(0.0, "card", state, "unplugged"))
    t = walk(lane, 0.1, canthus_c=36.2)
    lane.flush(t + 10)
    walk(lane, t + 20, canthus_c=37.8)
    lane.flush(t + 40)
    ok, fever = out.records[0], out.records[-1]
    assert ok.verdict is Verdict.FAULT and "card_down" in ok.reasons
    assert fever.verdict is Verdict.FEVER and "card_down" in fever.reasons


def test_someone_in_view_for_a_few_frames_who_leaves_unmeasured_is_a_retry_not_a_blip():
    lane, out = make_lane(has_card_reader=False)
    walk(lane, 0.0, canthus_c=36.2, frames=3)
    assert [r.verdict for r in out.records] == [Verdict.RETRY]
