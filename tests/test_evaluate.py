"""A small evaluation run on the scene simulator: the pipeline's figures, and the simple
methods failing where the quality gates and the blackbody matter."""
from __future__ import annotations

import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "scripts"))

import evaluate  # noqa: E402


@pytest.fixture(scope="module")
def rows():
    return evaluate.evaluate(["p2pro"], ["normal", "hot objects", "drift"], people=10, seed=3, cal_people=10)


def _score(rows, condition, method):
    return next(r[3] for r in rows if r[1] == condition and r[2] == method)


@pytest.mark.slow
def test_pipeline_in_normal_conditions(rows):
    s = _score(rows, "normal", evaluate.PIPELINE)
    assert s.people == 10 and s.febrile_decided >= 1
    assert s.sensitivity == 1.0 and s.specificity >= 0.9
    assert s.retry_rate <= 1 / 10
    assert s.mae_c is not None and s.mae_c < 0.3


@pytest.mark.slow
def test_hot_objects_and_drift_fool_the_simple_methods_not_the_pipeline(rows):
    for condition in ("hot objects", "drift"):
        ours = _score(rows, condition, evaluate.PIPELINE)
        assert ours.specificity is not None and ours.specificity >= 0.9, condition
        assert ours.mae_c < 0.3, condition
    assert _score(rows, "hot objects", "global max pixel").specificity < 0.5
    assert _score(rows, "drift", "global max pixel").mae_c > 0.5


@pytest.mark.slow
def test_table_and_acceptance_report(rows):
    table = evaluate.table(rows)
    assert table.count("\n") == 1 + len(rows)
    assert "| **gate-edge** |" in table
    assert evaluate.summary(rows).count("| **gate-edge** |") == 1
    failures = evaluate.acceptance(rows)
    assert not any("not better than" in f and "specificity" in f for f in failures)
