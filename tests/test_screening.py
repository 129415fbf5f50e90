"""Screener: stable-frame gate, physiological range, faults, corrections and thresholds."""
from __future__ import annotations

import dataclasses
from typing import Iterable, Optional

import pytest

from drivers.base import AccuracyClass
from edge.calibration import new_calibration, save_calibration
from edge.measure import FrameAnalysis
from edge.screening import FLAG_NOT_SCREENING_GRADE, Screener
from edge.settings.screening import BlackbodySettings, ScreeningSettings
from edge.verdict import Verdict

BB = BlackbodySettings(x=0, y=0, w=4, h=4, setpoint_c=35.0)


def fa(t: float, skin: Optional[float] = 36.0, issues: Iterable[str] = (), people: int = 1,
       reference: Optional[float] = None, ambient: Optional[float] = None) -> FrameAnalysis:
    return FrameAnalysis(t=t, people=people, face_box=(10, 10, 20, 25), face_pixels=400, skin_c=skin, skin_n=4,
                         issues=frozenset(issues), ambient_c=ambient, reference_c=reference)


def screen(scr: Screener, frames: Iterable[FrameAnalysis], t0: float = 0.0):
    scr.begin(t0)
    last = t0
    for f in frames:
        scr.add(f)
        last = f.t
        if scr.done():
            break
    return scr.finish(last)


def make(accuracy: AccuracyClass = AccuracyClass.SCREENING, **kw: object) -> Screener:
    return Screener(ScreeningSettings(**kw), accuracy)  # type: ignore[arg-type]


def test_stable_frames_give_pass_with_details():
    r = screen(make(offset_c=0.5), [fa(i * 0.15, 36.0 + 0.02 * i) for i in range(4)])
    assert r.verdict is Verdict.PASS and r.reasons == ()
    assert r.skin_c == pytest.approx(36.03, abs=0.01)
    assert r.body_c == pytest.approx(36.53, abs=0.01)
    d = r.details
    assert d["n_frames"] == 4 and d["n_pixels"] == 4 and d["spread_c"] == pytest.approx(0.06, abs=1e-6)
    assert d["corrections"] == {"offset": 0.5} and d["calibration_version"] == "config:+0.50"
    assert d["threshold_c"] == 37.3 and d["flags"] == []


def test_fever_at_the_line():
    r = screen(make(offset_c=0.5), [fa(i, 36.8) for i in range(4)])
    assert r.verdict is Verdict.FEVER and r.reasons == ("fever",)


def test_not_done_until_enough_stable_frames():
    scr = make(stable_frames=4, stable_spread_c=0.3)
    scr.begin(0.0)
    for i, v in enumerate([36.0, 37.0, 36.1, 36.0]):
        scr.add(fa(i, v))
    assert not scr.done()  # 37.0 broke the run
    scr.add(fa(5, 36.05))
    scr.add(fa(6, 36.05))
    assert scr.done()


def test_an_issue_frame_restarts_the_count():
    scr = make(stable_frames=3)
    scr.begin(0.0)
    for i, issues in enumerate([(), (), ("shutter",), (), ()]):
        scr.add(fa(i, 36.0, issues))
    assert not scr.done()
    scr.add(fa(6, 36.0))
    assert scr.done()


@pytest.mark.parametrize("issue", ["several_people", "too_far", "too_close", "implausible"])
def test_retry_names_the_blocking_issue(issue):
    r = screen(make(), [fa(i, 36.0, [issue]) for i in range(10)])
    assert r.verdict is Verdict.RETRY and r.reasons == (issue,)
    assert r.body_c is None


def test_left_too_soon_and_no_measurement():
    assert screen(make(), [fa(0, 36.0), fa(1, 36.0)]).reasons == ("left_too_soon",)
    assert screen(make(), []).reasons == ("no_measurement",)


def test_cold_arrival_is_retry_too_cold_never_pass():
    r = screen(make(), [fa(i, 31.5) for i in range(4)])
    assert r.verdict is Verdict.RETRY and r.reasons == ("too_cold",)
    assert r.skin_c == pytest.approx(31.5)


def test_hot_reading_is_implausible_not_fever():
    r = screen(make(), [fa(i, 44.0) for i in range(4)])
    assert r.verdict is Verdict.RETRY and r.reasons == ("implausible",)


def test_warm_up_clock_gives_fault_then_measures():
    scr = Screener(ScreeningSettings(), AccuracyClass.SCREENING, sensor_started=100.0, sensor_warmup_minutes=30)
    r = screen(scr, [fa(100 + i, 36.0) for i in range(4)])
    assert r.verdict is Verdict.FAULT and r.reasons == ("warming_up",) and "warming_up" in r.details["flags"]
    assert screen(scr, [fa(100 + 1800 + i, 36.0) for i in range(4)]).verdict is Verdict.PASS
    scr.restart_warmup(5000.0)
    assert screen(scr, [fa(5001 + i, 36.0) for i in range(4)]).verdict is Verdict.FAULT


def test_warmup_setting_overrides_the_driver():
    scr = Screener(ScreeningSettings(warmup_minutes=0), AccuracyClass.SCREENING, sensor_started=0.0, sensor_warmup_minutes=30)
    assert screen(scr, [fa(i, 36.0) for i in range(4)]).verdict is Verdict.PASS


def test_blackbody_drift_is_corrected_per_frame():
    scr = make(blackbody=BB, offset_c=0.5)
    # The sensor reads 0.8 C high on the reference and on the face alike.
    r = screen(scr, [fa(i, 36.8 + 0.1 * (i % 2), reference=35.8 + 0.1 * (i % 2)) for i in range(4)])
    assert r.verdict is Verdict.PASS
    assert r.skin_c == pytest.approx(36.85, abs=0.01)  # raw reading is kept
    assert r.body_c == pytest.approx(36.5, abs=0.01)
    assert r.details["corrections"]["blackbody"] == pytest.approx(-0.85, abs=0.01)
    assert r.details["spread_c"] == pytest.approx(0.0, abs=1e-6)  # drift gone after correction


def test_raw_reading_plus_the_recorded_corrections_is_the_body_estimate():
    """Frames that disagree (a drift that moves against the face reading): an auditor still
    rebuilds body_c from raw_skin_c and the corrections the record carries."""
    raw, drift = [36.59, 36.53, 36.03, 36.58], [-0.25, 0.25, 0.32, 0.23]
    r = screen(make(blackbody=BB, offset_c=0.6, stable_spread_c=0.6),
               [fa(i, v, reference=BB.setpoint_c - d) for i, (v, d) in enumerate(zip(raw, drift))])
    assert r.body_c is not None
    rebuilt = r.details["raw_skin_c"] + sum(r.details["corrections"].values())
    assert rebuilt == pytest.approx(r.body_c, abs=0.006)  # (each value rounded on its own)


def test_missing_reference_stops_screening_with_fault_quickly():
    scr = make(blackbody=BB)
    scr.begin(0.0)
    for i in range(4):
        scr.add(fa(i, 36.0, ["reference_missing"]))
    assert scr.done()
    r = scr.finish(4.0)
    assert r.verdict is Verdict.FAULT and r.reasons == ("reference_missing",)


def test_calibration_file_offset_and_version(tmp_path):
    path = tmp_path / "cal.json"
    cal = new_calibration(1.1, "pairs", 12, 0.2, "pairs.csv")
    save_calibration(cal, str(path))
    r = screen(make(calibration_file=str(path)), [fa(i, 36.0) for i in range(4)])
    assert r.body_c == pytest.approx(37.1) and r.details["calibration_version"] == cal.version
    assert r.details["corrections"]["offset"] == 1.1


def test_the_sensor_settings_are_recorded_with_every_result():
    sensor = {"type": "mlx90640_uart", "emissivity": 0.98}
    scr = Screener(ScreeningSettings(offset_c=0.5), AccuracyClass.SCREENING, sensor=sensor)
    assert screen(scr, [fa(i, 36.0) for i in range(4)]).details["sensor"] == sensor
    retry = screen(scr, [fa(0, 36.0)])  # one frame, then gone: no verdict, the facts all the same
    assert retry.verdict is Verdict.RETRY and retry.details["sensor"] == sensor


def test_ambient_compensation_is_recorded():
    r = screen(make(ambient_coeff=0.05, ambient_ref_c=22.0, offset_c=0.0), [fa(i, 36.0, ambient=12.0) for i in range(4)])
    assert r.details["corrections"]["ambient"] == pytest.approx(0.5)
    assert r.body_c == pytest.approx(36.5)
    off = screen(make(offset_c=0.0), [fa(i, 36.0, ambient=12.0) for i in range(4)])
    assert "ambient" not in off.details["corrections"] and off.body_c == pytest.approx(36.0)


def test_grading_warning_for_reference_required_sensor_with_absolute_threshold(caplog):
    scr = make(AccuracyClass.REFERENCE_REQUIRED)
    assert "not screening-grade" in caplog.text
    assert FLAG_NOT_SCREENING_GRADE in screen(scr, [fa(i) for i in range(4)]).details["flags"]
    assert make(AccuracyClass.REFERENCE_REQUIRED, blackbody=BB).warnings == []
    assert make(AccuracyClass.REFERENCE_REQUIRED, threshold_mode="relative").warnings == []
    assert make(AccuracyClass.SCREENING).warnings == []


def _people(scr: Screener, values, t0: float = 0.0, gap: float = 10.0):
    return [screen(scr, [fa(t0 + k * gap + i * 0.15, v) for i in range(4)], t0 + k * gap) for k, v in enumerate(values)]


def test_relative_threshold_learns_then_alarms_above_the_crowd():
    scr = make(threshold_mode="relative", offset_c=0.0, relative_min_samples=5)
    first = _people(scr, [35.0, 35.2, 34.8, 35.1, 34.9])
    assert all(r.verdict is Verdict.PASS and "baseline_learning" in r.details["flags"] for r in first)
    # Crowd at ~35.0: a 36.2 body estimate is a fever relative to it, far below 37.3.
    r = _people(scr, [36.2], t0=60)[0]
    assert r.verdict is Verdict.FEVER and r.details["threshold_c"] == pytest.approx(36.0, abs=0.01)


def test_relative_baseline_resets_after_idle():
    scr = make(threshold_mode="relative", offset_c=0.0, relative_min_samples=3, relative_idle_s=100)
    _people(scr, [35.0, 35.0, 35.0, 35.0])
    r = _people(scr, [36.2], t0=1000)[0]
    assert r.verdict is Verdict.PASS and "baseline_learning" in r.details["flags"]


def test_both_thresholds_alarm_on_either():
    scr = make(threshold_mode="both", offset_c=0.0, relative_min_samples=3)
    _people(scr, [36.5, 36.6, 36.7, 36.5])
    assert _people(scr, [37.3], t0=100)[0].verdict is Verdict.FEVER  # absolute line
    scr2 = make(threshold_mode="both", offset_c=0.0, relative_min_samples=3)
    _people(scr2, [35.0, 35.0, 35.0])
    assert _people(scr2, [36.1], t0=100)[0].verdict is Verdict.FEVER  # relative line


def test_a_face_still_growing_is_not_stable():
    scr = make(stable_frames=3, stable_size_change=0.3)
    scr.begin(0.0)
    for i, size in enumerate([100, 140, 190, 250]):
        scr.add(dataclasses.replace(fa(i, 36.0), face_pixels=size))
    assert not scr.done()
    for i in range(3):
        scr.add(dataclasses.replace(fa(10 + i, 36.0), face_pixels=260))
    assert scr.done()


def test_stable_frames_must_span_the_minimum_time():
    scr = make(stable_frames=4, stable_s=0.4)
    scr.begin(0.0)
    for i in range(6):
        scr.add(fa(i * 0.04, 36.0))  # 25 fps: six frames are only 0.2 s
    assert not scr.done()
    for i in range(6, 12):
        scr.add(fa(i * 0.04, 36.0))
    assert scr.done()
    assert scr.finish(0.5).details["n_frames"] >= 4


def test_fevers_do_not_raise_the_relative_baseline():
    scr = make(threshold_mode="relative", offset_c=0.0, relative_min_samples=3)
    _people(scr, [35.0, 35.1, 34.9, 35.0])
    assert all(r.verdict is Verdict.FEVER for r in _people(scr, [37.0, 37.2, 37.1, 37.3, 37.0], t0=100))
    assert scr.baseline.mean(200.0) == pytest.approx(35.0, abs=0.05)


def test_cold_skin_is_retry_even_when_the_body_estimate_looks_plausible():
    """Cold skin alone: a 3 C offset lifts 32.5 to a 35.5 body estimate, still not a reading."""
    r = screen(make(offset_c=3.0), [fa(i, 32.5) for i in range(4)])
    assert r.verdict is Verdict.RETRY and r.reasons == ("too_cold",)


def test_low_body_estimate_is_retry_even_when_skin_is_warm():
    r = screen(make(offset_c=-2.0), [fa(i, 35.0) for i in range(4)])  # body 33.0, below min_body_c
    assert r.verdict is Verdict.RETRY and r.reasons == ("too_cold",)


def test_hot_skin_is_implausible_even_when_body_estimate_is_in_range():
    r = screen(make(offset_c=-3.0), [fa(i, 43.0) for i in range(4)])  # body 40.0, within max_body_c
    assert r.verdict is Verdict.RETRY and r.reasons == ("implausible",)


def test_fault_at_the_end_of_a_presence_outranks_more_frequent_person_issues():
    """A device fault as the person leaves is manual screening, however often they stood too far."""
    frames = [fa(i, 36.0, issues={"too_far"}) for i in range(3)] + \
             [fa(3 + i, 36.0, issues={"reference_missing"}) for i in range(2)]
    r = screen(make(), frames)
    assert r.verdict is Verdict.FAULT and r.reasons == ("reference_missing",)
