#!/usr/bin/env python3
"""Per-frame analysis cost at the three sensor resolutions (issue 4: <= 2 ms median at 256x192).

``bench_measure()`` returns rows (name, value, unit) for scripts/bench.py: the median
microseconds of FrameAnalyzer.analyze on scene-simulator frames of a person standing in
front of the sensor with a blackbody in view (the full per-frame work), and that time as
a share of the sensor's frame period.
"""
from __future__ import annotations

import os
import statistics
import sys
import time
from typing import List, Tuple

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from drivers.base import ThermalFrame  # noqa: E402
from drivers.thermal.scene import Scene  # noqa: E402
from drivers.thermal.scene_model import SceneConfig  # noqa: E402
from edge.measure import FrameAnalyzer  # noqa: E402
from edge.settings.screening import BlackbodySettings, ScreeningSettings  # noqa: E402

Row = Tuple[str, float, str]

# (label, scene simulator sensor)
SENSORS = (("32x24 mlx90640", "mlx90640"), ("160x120 lepton35", "lepton35"), ("256x192 p2pro", "p2pro"))


def median_us(sensor: str, repeats: int = 400) -> Tuple[float, float]:
    """(median microseconds, sensor frame rate)."""
    scene = Scene(SceneConfig(sensor=sensor, people=2, seed=1, blackbody_c=35.0))
    x, y, w, h = scene.config.blackbody_region()
    settings = ScreeningSettings(blackbody=BlackbodySettings(x=x + 1, y=y + 1, w=max(1, w - 2), h=max(1, h - 2)))
    analyzer = FrameAnalyzer(settings, scene.model.accuracy)
    person = scene.people()[0]
    frames = [ThermalFrame(t, scene.frame(t)[0]) for t in (person.t_stand + 0.1 * i for i in range(8))]
    for f in frames:
        analyzer.analyze(f)  # warm caches
    times: List[float] = []
    for i in range(repeats):
        f = frames[i % len(frames)]
        started = time.perf_counter()
        analyzer.analyze(f)
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1e6, scene.model.fps


def bench_measure() -> List[Row]:
    rows: List[Row] = []
    for label, sensor in SENSORS:
        us, fps = median_us(sensor)
        rows.append((f"analyze {label} median", us, "us"))
        rows.append((f"analyze {label} of frame period ({fps:g} Hz)", us * fps / 1e4, "%"))
    return rows


if __name__ == "__main__":
    for name, value, unit in bench_measure():
        print(f"{name:<48} {value:10.1f} {unit}")
