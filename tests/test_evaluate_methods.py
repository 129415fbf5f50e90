"""Scoring and the simple comparison methods of scripts/evaluate.py."""
from __future__ import annotations

import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "scripts"))

from evaluate_methods import blob_p90, global_max, max_above_mean  # noqa: E402
from evaluate_run import Outcome, fit_offset, score  # noqa: E402


def _scene() -> np.ndarray:
    img = np.full((24, 32), 22.0, dtype=np.float32)
    img[5:15, 10:18] = 34.0
    img[8, 12] = 35.5
    img[20, 2] = 60.0  # hot spot outside the person: its own blob
    return img


def test_simple_methods():
    img = _scene()
    assert global_max(img) == 60.0
    # the hottest blob is the single hot pixel: p90 of it is the pixel itself
    assert blob_p90(img) == pytest.approx(60.0)
    img[20, 2] = 22.0
    assert blob_p90(img) == pytest.approx(34.0)
    assert max_above_mean(img) == pytest.approx(35.5)
    assert max_above_mean(np.full((24, 32), 22.0, dtype=np.float32)) is None
    assert blob_p90(np.full((24, 32), 22.0, dtype=np.float32)) is None


def test_score_counts_only_verdicts_for_sensitivity_and_specificity():
    outcomes = [
        Outcome(38.5, "fever", 38.3), Outcome(38.0, "pass", 37.1), Outcome(39.0, "retry", None),
        Outcome(36.6, "pass", 36.8), Outcome(36.8, "pass", 36.5), Outcome(36.7, "fever", 37.4),
        Outcome(36.5, "none", None),
    ]
    s = score(outcomes)
    assert s.people == 7 and s.verdicts == 5 and s.febrile == 3 and s.febrile_decided == 2
    assert s.sensitivity == pytest.approx(0.5)
    assert s.specificity == pytest.approx(2 / 3)
    assert s.retry_rate == pytest.approx(2 / 7)
    assert s.mae_c == pytest.approx((0.2 + 0.9 + 0.2 + 0.3 + 0.7) / 5)


def test_fit_offset_is_the_median_difference():
    outcomes = [Outcome(36.8, "pass", None, 35.3), Outcome(37.0, "pass", None, 35.4), Outcome(36.6, "pass", None, 35.3),
                Outcome(36.9, "retry", None, None)]
    assert fit_offset(outcomes) == pytest.approx(1.5)
