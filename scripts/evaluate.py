#!/usr/bin/env python3
"""Screening accuracy against ground truth (issue 4), for our pipeline and the simple methods.

Builds a corpus of simulated recordings (drivers/thermal/scene.py) for the three sensor
classes and a set of conditions, calibrates every method's constant offset on a separate
normal-conditions run (as 'gate-edge calibrate --pairs' would), then reports per condition:
sensitivity and specificity among people who got a verdict (fever = true core >= 37.3),
retry rate, and the mean absolute error of the body estimate against the true core.

Prints a Markdown table; exits 1 when the p2pro acceptance figures fail:
sensitivity and specificity >= 0.97 with a blackbody, retry <= 5 % in normal conditions,
and better than every simple method on both.

Usage: .venv/bin/python scripts/evaluate.py [--people N] [--sensors p2pro,...] [--conditions ...]
"""
from __future__ import annotations

import argparse
import dataclasses
import logging
import os
import sys
import tempfile
from typing import Dict, List, Optional, Sequence, Tuple

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))

from edge.calibration import fit_pairs, new_calibration, save_calibration  # noqa: E402
from evaluate_corpus import CONDITIONS, NOT_APPLICABLE, SENSORS, make_recording, pipeline_settings  # noqa: E402
from evaluate_methods import METHODS  # noqa: E402
from evaluate_run import Score, fit_offset, method_outcomes, pipeline_outcomes, run_pipeline, score  # noqa: E402

PIPELINE = "gate-edge"
DEFAULT_OFFSET_C = 0.4  # the calibration run measures with the shipped default; fitting removes it
NORMAL = "normal"
ACCEPT_SENS = ACCEPT_SPEC = 0.97
ACCEPT_RETRY = 0.05

Row = Tuple[str, str, str, Score]  # sensor, condition, method, score


#: Calibration pairs come from two days (a normal and a cool one) so that the ambient
#: term can be fitted; both recordings have their own seeds, never used for testing.
CALIBRATION_DAYS = ((NORMAL, 10_000), ("ambient 10 C", 10_001))


def calibrate(sensor: str, people: int, workdir: str) -> Tuple[str, Dict[str, float]]:
    """Calibration run: our calibration file and every simple method's offset."""
    settings, accuracy = pipeline_settings(sensor, offset_c=DEFAULT_OFFSET_C)
    pairs: List[Tuple[float, float, float, float]] = []  # base, core, face px, ambient
    method_runs: Dict[str, list] = {m: [] for m in METHODS}
    for condition, seed in CALIBRATION_DAYS:
        rec = make_recording(sensor, condition, people, seed=seed, bias_c=0.0)
        ambient = float(rec.ambient[0]) if rec.ambient is not None else 22.0
        for o in pipeline_outcomes(rec, run_pipeline(rec, settings, accuracy)):
            if o.base_c is not None:
                pairs.append((o.base_c, o.core_c, o.face_px or 0.0, ambient))
        for m in METHODS:
            method_runs[m].extend(method_outcomes(rec, m, 0.0))
    fit = fit_pairs([p[0] for p in pairs], [p[1] for p in pairs], [p[2] for p in pairs], [p[3] for p in pairs])
    cal = new_calibration(fit.offset_c, "pairs", len(pairs), fit.residual_sd_c, f"evaluate:{sensor}",
                          size_coeff_c=fit.size_coeff_c, size_ref_px=fit.size_ref_px, ambient_coeff_c=fit.ambient_coeff_c)
    logging.info("%s calibration: %s", sensor, cal)
    path = os.path.join(workdir, f"calibration-{sensor}.json")
    save_calibration(cal, path)
    offsets = {m: fit_offset(runs) for m, runs in method_runs.items()}
    return path, offsets


def evaluate(sensors: Sequence[str], conditions: Sequence[str], people: int, seed: int = 1,
             cal_people: Optional[int] = None) -> List[Row]:
    rows: List[Row] = []
    with tempfile.TemporaryDirectory() as workdir:
        for sensor in sensors:
            cal_path, offsets = calibrate(sensor, cal_people or max(20, people // 2), workdir)
            for k, condition in enumerate(conditions):
                if (sensor, condition) in NOT_APPLICABLE:
                    continue
                rec = make_recording(sensor, condition, people, seed=seed + 101 * k)
                settings, accuracy = pipeline_settings(sensor, calibration_file=cal_path)
                rows.append((sensor, condition, PIPELINE,
                             score(pipeline_outcomes(rec, run_pipeline(rec, settings, accuracy)))))
                for method, offset in offsets.items():
                    rows.append((sensor, condition, method, score(method_outcomes(rec, method, offset))))
                logging.info("%s %s done", sensor, condition)
    return rows


def _f(value: Optional[float], pct: bool = False) -> str:
    if value is None:
        return "-"
    return f"{100 * value:.0f} %" if pct else f"{value:.2f}"


def table(rows: Sequence[Row]) -> str:
    lines = ["| sensor | condition | method | people (febrile) | verdicts | sensitivity | specificity | retry | MAE deg C |",
             "|---|---|---|---|---|---|---|---|---|"]
    for sensor, condition, method, s in rows:
        name = f"**{method}**" if method == PIPELINE else method
        lines.append(f"| {SENSORS[sensor].label} | {condition} | {name} | {s.people} ({s.febrile}) | {s.verdicts} | "
                     f"{_f(s.sensitivity)} | {_f(s.specificity)} | {_f(s.retry_rate, True)} | {_f(s.mae_c)} |")
    return "\n".join(lines)


def summary(rows: Sequence[Row]) -> str:
    """Per sensor and method, all conditions pooled person-wise (the README's short table)."""
    lines = ["| sensor | method | verdicts / people | sensitivity | specificity | retry (normal) | MAE deg C |",
             "|---|---|---|---|---|---|---|"]
    for sensor in dict.fromkeys(r[0] for r in rows):
        for method in dict.fromkeys(r[2] for r in rows if r[0] == sensor):
            mine = [r for r in rows if r[0] == sensor and r[2] == method]
            p = _pool([r[3] for r in mine])
            normal = next((r[3].retry_rate for r in mine if r[1] == NORMAL), None)
            name = f"**{method}**" if method == PIPELINE else method
            lines.append(f"| {SENSORS[sensor].label} | {name} | {p.verdicts} / {p.people} | {_f(p.sensitivity)} | "
                         f"{_f(p.specificity)} | {_f(normal, True)} | {_f(p.mae_c)} |")
    return "\n".join(lines)


def acceptance(rows: Sequence[Row], sensor: str = "p2pro") -> List[str]:
    """Failed acceptance criteria (empty = pass) for ``sensor`` over all its conditions."""
    failures: List[str] = []
    mine = [r for r in rows if r[0] == sensor]
    if not mine:
        return [f"no {sensor} rows"]
    pooled = {method: _pool([r[3] for r in mine if r[2] == method]) for method in {r[2] for r in mine}}
    ours = pooled[PIPELINE]
    if ours.sensitivity is None or ours.sensitivity < ACCEPT_SENS:
        failures.append(f"{sensor} sensitivity {_f(ours.sensitivity)} < {ACCEPT_SENS}")
    if ours.specificity is None or ours.specificity < ACCEPT_SPEC:
        failures.append(f"{sensor} specificity {_f(ours.specificity)} < {ACCEPT_SPEC}")
    for r in mine:
        if r[1] == NORMAL and r[2] == PIPELINE and r[3].retry_rate > ACCEPT_RETRY:
            failures.append(f"{sensor} retry rate {_f(r[3].retry_rate, True)} > 5 % in normal conditions")
    for method, s in pooled.items():
        if method == PIPELINE:
            continue
        for what in ("sensitivity", "specificity"):
            theirs, mine_v = getattr(s, what), getattr(ours, what)
            if theirs is not None and (mine_v is None or mine_v <= theirs) and theirs < 1.0:
                failures.append(f"{sensor} {what} {_f(mine_v)} not better than {method} {_f(theirs)}")
    return failures


def _pool(scores: Sequence[Score]) -> Score:
    """Scores of several conditions pooled person-wise (counts, not averages of ratios)."""
    people = sum(s.people for s in scores)
    verdicts = sum(s.verdicts for s in scores)
    tp = sum((s.sensitivity or 0.0) * s.febrile_decided for s in scores)
    fe = sum(s.febrile_decided for s in scores)
    tn = sum((s.specificity or 0.0) * (s.verdicts - s.febrile_decided) for s in scores)
    af = sum(s.verdicts - s.febrile_decided for s in scores)
    maes = [(s.mae_c, s.verdicts) for s in scores if s.mae_c is not None]
    mae = sum(m * n for m, n in maes) / sum(n for _, n in maes) if maes else None
    return dataclasses.replace(scores[0], people=people, verdicts=verdicts, sensitivity=tp / fe if fe else None,
                               specificity=tn / af if af else None, retry_rate=(people - verdicts) / people if people else 0.0,
                               mae_c=mae, febrile=sum(s.febrile for s in scores), febrile_decided=fe)


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=60, help="people per recording (default 60)")
    parser.add_argument("--sensors", default=",".join(SENSORS), help="comma-separated sensor classes")
    parser.add_argument("--conditions", default=",".join(CONDITIONS), help="comma-separated conditions")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("-v", "--verbose", action="store_true", help="log calibration and progress")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    sensors = [s for s in args.sensors.split(",") if s]
    conditions = [c for c in args.conditions.split(",") if c]
    unknown = [s for s in sensors if s not in SENSORS] + [c for c in conditions if c not in CONDITIONS]
    if unknown:
        print(f"unknown sensor/condition: {', '.join(unknown)}", file=sys.stderr)
        return 2
    rows = evaluate(sensors, conditions, args.people, args.seed)
    print(table(rows))
    print()
    print(summary(rows))
    if "p2pro" not in sensors:
        return 0
    failures = acceptance(rows)
    for failure in failures:
        print(f"FAIL: {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
