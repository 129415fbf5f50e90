"""Frames no real sensor sends (review 9e): a frozen module repeating its last frame, one
value everywhere, sentinel words. Checksums are fine and they arrive on time, yet they must
count as no frame: the sensor goes DOWN after lane.thermal_silence_s and nobody passes on a
stale reading."""
from __future__ import annotations

import dataclasses

import numpy as np
from test_lane import SHAPE, Collect, make_lane, walk

from drivers.base import AccuracyClass, CardEvent, DeviceState, ThermalFrame
from edge.clock import local_time_in
from edge.frame_check import FrameCheck
from edge.lane import Lane
from edge.measure import FrameAnalyzer
from edge.measure_synth import Person, frame
from edge.policy import Policy
from edge.screening import Screener
from edge.settings.device import DeviceSettings
from edge.settings.lane import LaneSettings
from edge.settings.policy import PolicySettings
from edge.settings.screening import ScreeningSettings
from edge.verdict import Verdict


def _card(t: float) -> CardEvent:
    return CardEvent(t=t, reader="rdm6300", card_id="2000000001")


def test_a_frozen_sensor_goes_down_and_the_next_card_is_a_fault_not_a_stale_pass():
    lane, out = make_lane(has_card_reader=True)
    t = 0.0
    last = None
    for i in range(12):  # someone is measured (no card), then the module repeats its last frame
        last = frame(SHAPE, [Person(canthus_c=36.2, distance_m=0.8)], t=t, seed=i)
        lane.handle(last)
        t += 0.125
    assert lane.devices["thermal"] is DeviceState.OK
    frozen_until = t + 8.0
    while t < frozen_until:
        lane.handle(dataclasses.replace(last, t=t))  # the same pixels, on time
        t += 0.125
    assert lane.devices["thermal"] is DeviceState.DOWN
    assert lane.counters["frames_rejected"] > 50
    lane.handle(_card(t))  # someone else taps: the guard measures them by hand
    verdicts = [(r.verdict, r.reasons[0], r.card) for r in out.records]
    assert (Verdict.FAULT, "thermal_down", "2000000001") in verdicts
    assert not [v for v in verdicts if v[0] is Verdict.PASS and v[2] is not None]
    # Frames that move again bring the sensor back.
    walk(lane, t + 0.2, canthus_c=36.2)
    assert lane.devices["thermal"] is DeviceState.OK


def test_frames_of_one_value_or_of_sentinels_are_not_pictures():
    check = FrameCheck()
    noisy = np.random.default_rng(1).normal(22.0, 0.3, SHAPE).astype(np.float32)
    assert check.problem(ThermalFrame(0.0, noisy)) is None
    assert check.problem(ThermalFrame(0.1, noisy.copy())) == "frozen: the same frame again"
    for value in (0.0, 36.5, 22.0):
        assert check.problem(ThermalFrame(0.2, np.full(SHAPE, value, np.float32))) in (
            "implausible: one value everywhere", "frozen: the same frame again")
    assert check.problem(ThermalFrame(0.3, np.full(SHAPE, -327.68, np.float32))).startswith("implausible: most")
    assert check.problem(ThermalFrame(0.4, np.full(SHAPE, 327.67, np.float32))).startswith("implausible: most")
    assert check.problem(ThermalFrame(0.5, np.full(SHAPE, np.nan, np.float32))).startswith("implausible: most")
    dead = noisy + 0.01
    dead[:10, :10] = np.nan  # a few dead pixels are the analyzer's business, not a broken frame
    assert check.problem(ThermalFrame(0.6, dead)) is None


def test_a_sensor_sending_only_one_value_is_down_with_the_reason():
    lane, _out = make_lane(has_card_reader=False)
    for i in range(60):
        lane.handle(ThermalFrame(i * 0.125, np.full(SHAPE, 0.0 if i % 2 else 0.01, np.float32)))
    assert lane.devices["thermal"] is DeviceState.DOWN


def _lane_with_ambient_correction():
    settings = ScreeningSettings(ambient_coeff=0.05)
    lane = Lane(LaneSettings(), FrameAnalyzer(settings, AccuracyClass.SCREENING),
                Screener(settings, AccuracyClass.SCREENING), Policy(PolicySettings(), DeviceSettings()), None,
                lambda t: (1.7e9 + t, True), False, local_time_in("Asia/Shanghai"))
    out = Collect()
    lane.listeners.append(out)
    return lane, out


def test_a_garbage_ambient_word_does_not_turn_a_fever_into_a_pass():
    """Review 9e: Ta read 65.00 C; with ambient_coeff 0.05 the correction was -2.15 C and a
    38.6 C canthus passed. An implausible ambient is ignored, as if the sensor gave none."""
    verdicts = {}
    for ambient in (22.0, 65.0, float("nan")):
        lane, out = _lane_with_ambient_correction()
        t = 0.0
        for i in range(12):
            lane.handle(dataclasses.replace(frame(SHAPE, [Person(canthus_c=38.6, distance_m=0.8)], t=t, seed=i),
                                            ambient_c=ambient))
            t += 0.125
        for i in range(5):
            lane.handle(frame(SHAPE, [], t=t, seed=100 + i))
            t += 0.125
        (record,) = out.records
        verdicts[ambient if ambient == ambient else "nan"] = record.verdict
        if ambient != 22.0:
            assert "ambient" not in record.measurement["corrections"]
            assert lane.analyzer.ambient_rejected > 0
    assert verdicts == {22.0: Verdict.FEVER, 65.0: Verdict.FEVER, "nan": Verdict.FEVER}


def test_a_module_cycling_through_a_few_stale_buffers_is_frozen_too():
    """Review 9f: only the previous frame was compared, so A, B, A, B passed for ever."""
    check = FrameCheck()
    rng = np.random.default_rng(2)
    a, b = (rng.normal(22.0, 0.3, SHAPE).astype(np.float32) for _ in range(2))
    assert check.problem(ThermalFrame(0.0, a)) is None and check.problem(ThermalFrame(0.1, b)) is None
    assert check.problem(ThermalFrame(0.2, a.copy())) == "frozen: the same frame again"
    assert check.problem(ThermalFrame(0.3, b.copy())) == "frozen: the same frame again"
