"""scripts/bench_drivers.py: rows come out in the bench format and the parsers really ran."""
from __future__ import annotations

import importlib.util
import math
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "bench_drivers.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_drivers", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_rows_have_names_values_units(bench):
    rows = bench.bench_drivers(mlx_frames=20, uvc_frames=5)
    names = [r[0] for r in rows]
    assert "gy-mcu90640 parse @8Hz/460800" in names and "p2pro raw decode @25fps" in names
    for name, value, unit in rows:
        assert unit in ("% core", "us") and math.isfinite(value) and value >= 0, name


def test_mlx_stream_with_replies_parses_every_frame(bench):
    assert bench.mlx_cpu_per_frame(12) >= 0  # raises if a frame was lost in the stream
