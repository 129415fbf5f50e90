"""The screen's status bar counts the warm-up down from the screener's own clock."""
from __future__ import annotations

import time

import pytest

from drivers.base import AccuracyClass
from edge.screening import Screener
from edge.settings.screening import ScreeningSettings
from edge.status_cache import StatusCache


class _Store:
    path = "/tmp/gate.db"

    def backlog(self):
        return {"count": 3, "oldest_age_s": 1.0}


class _Writer:
    fault = None


def _bar(screener: Screener) -> dict:
    return StatusCache(_Store(), None, _Writer(), screener.warmup_left_s).screen_extras()


def test_warmup_left_follows_the_config_and_a_replug():
    # The driver's own warm-up would be 30 minutes; the config says 2.
    screener = Screener(ScreeningSettings(warmup_minutes=2.0), AccuracyClass.SCREENING,
                        sensor_started=time.monotonic() - 60.0, sensor_warmup_minutes=30.0)
    assert _bar(screener)["warmup_min"] == pytest.approx(1.0, abs=0.05)
    screener.restart_warmup(time.monotonic())  # the sensor was replugged
    assert _bar(screener)["warmup_min"] == pytest.approx(2.0, abs=0.05)
    screener.restart_warmup(time.monotonic() - 121.0)
    assert _bar(screener)["warmup_min"] is None  # warm: no count-down on the bar


def test_no_warmup_without_a_start_time():
    screener = Screener(ScreeningSettings(), AccuracyClass.SCREENING, sensor_started=None, sensor_warmup_minutes=30.0)
    bar = _bar(screener)
    assert bar["warmup_min"] is None and bar["backlog"] == 3 and bar["flags"] == ()
