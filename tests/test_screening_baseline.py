"""RelativeBaseline: trimmed mean of the last readings, minimum samples, idle reset."""
from __future__ import annotations

import pytest

from edge.baseline import RelativeBaseline


def test_trimmed_mean_drops_highest_and_lowest():
    b = RelativeBaseline(window=10, margin_c=1.0, min_samples=3, idle_s=600)
    for i, v in enumerate([36.0, 36.2, 39.5, 33.0, 36.1]):
        b.add(v, float(i))
    assert b.mean(5.0) == pytest.approx((36.0 + 36.2 + 36.1) / 3)
    assert b.threshold(5.0) == pytest.approx(37.1)


def test_window_keeps_only_the_last_readings():
    b = RelativeBaseline(window=10, margin_c=1.0, min_samples=3, idle_s=600)
    for i in range(10):
        b.add(30.0, float(i))
    for i in range(10):
        b.add(36.0, 10.0 + i)
    assert len(b) == 10 and b.mean(20.0) == pytest.approx(36.0)


def test_learning_until_min_samples():
    b = RelativeBaseline(window=10, margin_c=1.0, min_samples=5, idle_s=600)
    for i in range(4):
        b.add(36.0, float(i))
        assert b.threshold(float(i)) is None
    b.add(36.0, 4.0)
    assert b.threshold(4.0) == pytest.approx(37.0)


def test_idle_reset():
    b = RelativeBaseline(window=10, margin_c=1.0, min_samples=3, idle_s=60)
    for i in range(5):
        b.add(36.0, float(i))
    assert b.threshold(50.0) is not None
    assert b.threshold(100.0) is None and len(b) == 0
