"""Readings of one presence -> body estimate -> pass / fever / retry / fault.

CONTRACT (the lane depends on exactly this):

    screener = Screener(settings: ScreeningSettings, accuracy: AccuracyClass)
    screener.begin(t)                 # somebody stepped into view
    screener.add(fa: FrameAnalysis)   # every frame of the presence
    screener.done() -> bool           # a final reading is available (enough stable frames)
    screener.finish(t) -> ScreeningResult   # ends the presence; retry with a reason if not done

The screener keeps cross-person state (relative baseline) and is owned by the lane thread.

Warm-up clock: ``Screener(..., sensor_started=T, sensor_warmup_minutes=M)`` with T on the
frames' clock (monotonic); ``restart_warmup(T)`` after the sensor reconnects. Without a
start time (replay of a recording) there is no warm-up gate.
"""
from __future__ import annotations

import dataclasses
import logging
import statistics
from typing import Any, Dict, List, Optional, Tuple

from drivers.base import AccuracyClass
from edge.baseline import RelativeBaseline
from edge.measure import FrameAnalysis
from edge.screening_corrections import Corrections
from edge.screening_window import Sample, StableWindow, main_issue
from edge.settings.screening import ScreeningSettings
from edge.verdict import Verdict

log = logging.getLogger(__name__)

#: Issues that are the device's fault, not the person's: no verdict, manual screening.
FAULT_ISSUES = ("reference_missing", "warming_up")
FLAG_NOT_SCREENING_GRADE = "sensor_not_screening_grade"


@dataclasses.dataclass(frozen=True)
class ScreeningResult:
    verdict: Verdict  # PASS, FEVER, RETRY or FAULT
    reasons: Tuple[str, ...]  # reason codes (edge.reasons)
    skin_c: Optional[float]  # raw aggregated skin reading
    body_c: Optional[float]  # body estimate after corrections
    #: n_frames, n_pixels, spread_c, corrections {name: deg C}, calibration_version, threshold_c, flags
    details: Dict[str, Any] = dataclasses.field(default_factory=dict)


class Screener:
    def __init__(self, settings: ScreeningSettings, accuracy: AccuracyClass, sensor_started: Optional[float] = None,
                 sensor_warmup_minutes: float = 0.0, sensor: Optional[Dict[str, Any]] = None) -> None:
        self.settings = settings
        self.accuracy = accuracy
        self.sensor = dict(sensor or {})  # the sensor's own settings (ThermalSource.reading_settings)
        self.corrections = Corrections(settings)
        self.baseline = RelativeBaseline(settings.relative_window, settings.relative_margin_c,
                                         settings.relative_min_samples, settings.relative_idle_s)
        minutes = settings.warmup_minutes if settings.warmup_minutes is not None else sensor_warmup_minutes
        self.warmup_s = 60.0 * minutes
        self.sensor_started = sensor_started
        self.warnings: List[str] = self._grading_warnings()
        self._window = StableWindow(settings.stable_frames, settings.stable_spread_c, settings.stable_size_change,
                                    settings.stable_s)
        self._t_begin: Optional[float] = None
        self._t_last: Optional[float] = None

    # -- start-up facts --------------------------------------------------------
    def _grading_warnings(self) -> List[str]:
        s = self.settings
        if (self.accuracy is AccuracyClass.REFERENCE_REQUIRED and s.blackbody is None
                and s.threshold_mode == "absolute"):
            log.warning("the thermal sensor is not screening-grade without a reference: configure a "
                        "screening.blackbody region or threshold_mode relative/both")
            return [FLAG_NOT_SCREENING_GRADE]
        return []

    def restart_warmup(self, t: float) -> None:
        """The sensor (re)started at ``t``: readings are untrusted for the warm-up time."""
        self.sensor_started = t

    def warming_up(self, t: float) -> bool:
        return self.sensor_started is not None and t - self.sensor_started < self.warmup_s

    def warmup_left_s(self, t: float) -> float:
        """Seconds of warm-up left at ``t`` (0 when warm); the screen counts it down."""
        return 0.0 if self.sensor_started is None else max(0.0, self.warmup_s - (t - self.sensor_started))

    # -- one presence ----------------------------------------------------------
    def begin(self, t: float) -> None:
        self._window = StableWindow(self.settings.stable_frames, self.settings.stable_spread_c,
                                    self.settings.stable_size_change, self.settings.stable_s)
        self._t_begin = self._t_last = t

    def add(self, fa: FrameAnalysis) -> None:
        self._t_last = fa.t
        if self.warming_up(fa.t):
            fa = dataclasses.replace(fa, issues=fa.issues | {"warming_up"})
        if fa.issues or fa.skin_c is None:
            self._window.add_issue_frame(fa)
            return
        drift = self.corrections.drift(fa)
        self._window.add(Sample(fa, fa.skin_c + drift, drift))

    def done(self) -> bool:
        w = self._window
        # A device fault that persists is reported at once instead of keeping people waiting.
        return w.full() or (w.last_issue in FAULT_ISSUES and w.run_issue >= self.settings.stable_frames)

    def finish(self, t: float) -> ScreeningResult:
        w = self._window
        try:
            if w.full():
                return self._verdict(list(w.run), t)
            return self._no_verdict(w)
        finally:
            self._t_begin = None

    # -- results ---------------------------------------------------------------
    def _base_details(self, samples: List[Sample]) -> Dict[str, Any]:
        details: Dict[str, Any] = {"calibration_version": self.corrections.version, "threshold_mode": self.settings.threshold_mode,
                                   "accuracy": self.accuracy.value, "flags": list(self.warnings)}
        if self.sensor:
            details["sensor"] = dict(self.sensor)
        if samples:
            raw = [s.fa.skin_c for s in samples if s.fa.skin_c is not None]
            corrected = [s.corrected_c for s in samples]
            details.update(n_frames=len(samples), n_pixels=int(statistics.median(s.fa.skin_n for s in samples)),
                           face_pixels=int(statistics.median(s.fa.face_pixels for s in samples)),
                           spread_c=round(max(corrected) - min(corrected), 3), raw_skin_c=round(statistics.median(raw), 3))
        return details

    def _no_verdict(self, w: StableWindow) -> ScreeningResult:
        details = self._base_details(w.best)
        details["frames_seen"] = w.seen
        details["issues"] = dict(w.issues)
        issue = w.last_issue if w.last_issue in FAULT_ISSUES else main_issue(w.issues)
        if issue in FAULT_ISSUES:
            details["flags"].append(issue)
            return ScreeningResult(Verdict.FAULT, (issue,), None, None, details)
        if issue is None:
            issue = "left_too_soon" if w.seen else "no_measurement"
        return ScreeningResult(Verdict.RETRY, (issue,), None, None, details)

    def _verdict(self, samples: List[Sample], t: float) -> ScreeningResult:
        s = self.settings
        details = self._base_details(samples)
        raw = details["raw_skin_c"]
        skin = statistics.median(x.corrected_c for x in samples)
        body, corrections = self.corrections.body(skin, [x.fa.ambient_c for x in samples], details["face_pixels"])
        if s.blackbody is not None:
            # What the blackbody moved the reported raw reading by, so that raw_skin_c plus the
            # corrections gives body_c. (The median of the frames' drifts differs from it when
            # the frames disagree: a median of sums is not the sum of the medians.)
            moved = skin - statistics.median(x.fa.skin_c for x in samples if x.fa.skin_c is not None)
            corrections = {"blackbody": round(moved, 3), **corrections}
        details["corrections"] = corrections
        details["skin_corrected_c"] = round(skin, 3)
        body = round(body, 2)
        if skin < s.cold_skin_c or body < s.min_body_c:
            return ScreeningResult(Verdict.RETRY, ("too_cold",), raw, body, details)
        if skin > s.max_skin_c or body > s.max_body_c:
            return ScreeningResult(Verdict.RETRY, ("implausible",), raw, body, details)
        threshold = self._threshold(t, details)
        details["threshold_c"] = round(threshold, 3)
        verdict = Verdict.FEVER if body >= threshold else Verdict.PASS
        if verdict is Verdict.PASS:
            # Only afebrile readings make the baseline: a queue of feverish pupils must
            # not raise the line for the next one (a drifting sensor alarms instead).
            self.baseline.add(body, t)
        reasons: Tuple[str, ...] = ("fever",) if verdict is Verdict.FEVER else ()
        return ScreeningResult(verdict, reasons, raw, body, details)

    def _threshold(self, t: float, details: Dict[str, Any]) -> float:
        """Fever line for this reading. ``both`` alarms when either line is crossed."""
        s = self.settings
        if s.threshold_mode == "absolute":
            return s.fever_c
        relative = self.baseline.threshold(t)
        if relative is None:
            details["flags"].append("baseline_learning")
            details["baseline_n"] = len(self.baseline)
            return s.fever_c
        details["relative_threshold_c"] = round(relative, 3)
        details["baseline_n"] = len(self.baseline)
        return relative if s.threshold_mode == "relative" else min(relative, s.fever_c)
