"""Replay throughput: the whole lane on a 1,000-person recording, frames per second."""
from __future__ import annotations

import time
from typing import List, Tuple

from drivers.thermal.scene_model import SceneConfig
from drivers.thermal.scene_record import record
from edge.replay import run_recording
from edge.settings.loader import load_config

Row = Tuple[str, float, str]


def bench_replay(people: int = 1000) -> List[Row]:
    rows: List[Row] = []
    config = load_config(None)
    for sensor in ("mlx90640", "p2pro"):
        n = people if sensor == "mlx90640" else people // 10  # p2pro frames are 64x larger: keep RAM sane
        started = time.perf_counter()
        rec = record(SceneConfig(sensor=sensor, seed=5, people=n, fever_rate=0.05))
        made = time.perf_counter() - started
        started = time.perf_counter()
        passages = run_recording(rec, config, use_roster_file=False)
        took = time.perf_counter() - started
        rows.append((f"replay {sensor} {n} people: frames", float(len(rec)), "frames"))
        rows.append((f"replay {sensor} {n} people: throughput", len(rec) / took, "frames/s"))
        rows.append((f"replay {sensor} {n} people: passages", float(len(passages)), "passages"))
        rows.append((f"simulate {sensor} {n} people", made, "s"))
    return rows
