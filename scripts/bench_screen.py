"""Screen benchmark: render time per frame, as a section of scripts/bench.py.

A live frame repaints only the thermal view over the cached banner/info/status layer;
a verdict change rebuilds that layer from cached text. Both are measured, at the common
panel size and at full HD, against the 40 ms budget of a 25 fps screen.
"""
from __future__ import annotations

import dataclasses
import statistics
import time
from typing import List, Tuple

from edge.screen.canned import canned_view, synthetic_frame
from edge.screen.render import make_renderer

Row = Tuple[str, float, str]
FRAME_BUDGET_MS = 1000.0 / 25
TARGET_MS = 8.0  # median at 1024x600
FRAMES = 200


def _median_ms(render, views) -> float:
    times = []
    for i in range(FRAMES):
        started = time.perf_counter()
        render(views[i % len(views)])
        times.append((time.perf_counter() - started) * 1000.0)
    return statistics.median(times)


def bench_screen() -> List[Row]:
    rows: List[Row] = []
    frames = [synthetic_frame(36.0 + 0.1 * k) for k in range(20)]
    for size in ("1024x600", "1920x1080"):
        renderer = make_renderer("zh", size)
        base = canned_view("pass")
        live = [dataclasses.replace(base, thermal=f, face_box=b, reading_c=round(float(f.max()), 1))
                for f, b in frames]
        renderer.render(live[0])  # warm the text cache, as a running screen has
        live_ms = _median_ms(renderer.render, live)
        changes = [canned_view(s) for s in ("pass", "fever", "retry", "deny")]
        for view in changes:
            renderer.render(view)
        change_ms = _median_ms(renderer.render, changes)
        rows.append((f"render {size} live frame (median)", live_ms, "ms"))
        rows.append((f"render {size} verdict change (median)", change_ms, "ms"))
        rows.append((f"render {size} live share of 40 ms frame", 100.0 * live_ms / FRAME_BUDGET_MS, "%"))
        if size == "1024x600":
            rows.append(("render 1024x600 target (<= 8 ms) met", float(live_ms <= TARGET_MS), "bool"))
    return rows


if __name__ == "__main__":
    for name, value, unit in bench_screen():
        print(f"{name:<45} {value:10.3f} {unit}")
