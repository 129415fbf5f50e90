#!/usr/bin/env python3
"""Driver parser cost at the devices' data rates (issue 5: <= 2 % of one core each).

``bench_drivers()`` returns rows (name, value, unit) for scripts/bench.py:

* GY-MCU90640 at 8 Hz / 460800 baud: resync scanner + checksum + conversion, fed in the
  chunk sizes a serial read returns, with an emissivity reply and line noise mixed in;
* InfiRay P2 Pro raw frames at 25 fps: layout check, 1/64 K conversion, range check and
  shutter detection, on buffers shaped as OpenCV returns them;
* Lepton Y16 with telemetry rows at 8.7 fps.

CPU % = process CPU seconds per frame x frame rate x 100 (one core).
"""
from __future__ import annotations

import os
import sys
import time
from typing import Callable, List, Tuple

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from drivers.base import BuildContext  # noqa: E402
from drivers.thermal import lepton_uvc, mlx90640_frame, p2pro_uvc  # noqa: E402

Row = Tuple[str, float, str]
SERIAL_CHUNK = 512  # bytes one read of a busy USB serial port typically returns


def _cpu_per_call(fn: Callable[[int], object], count: int) -> float:
    fn(0)  # warm caches
    started = time.process_time()
    for i in range(count):
        fn(i)
    return (time.process_time() - started) / count


def mlx_stream(frames: int) -> bytes:
    rng = np.random.default_rng(1)
    out = bytearray()
    for i in range(frames):
        img = 24 + rng.normal(0, 0.3, (24, 32))
        img[8:16, 10:20] = 36.0 + 0.01 * i
        if i % 4 == 0:
            out += b"\x5a\x5a\x62\x16"  # emissivity reply: not a frame
        out += mlx90640_frame.build_frame(img, 25.0)
    return bytes(out)


def mlx_cpu_per_frame(frames: int = 400) -> float:
    stream = mlx_stream(frames)
    chunks = [stream[i:i + SERIAL_CHUNK] for i in range(0, len(stream), SERIAL_CHUNK)]
    scanner = mlx90640_frame.new_scanner()
    parsed = 0
    started = time.process_time()
    for chunk in chunks:
        scanner.feed(chunk)
        while True:
            frame = scanner.next_frame()
            if frame is None:
                break
            if mlx90640_frame.parse_frame(frame) is not None:
                parsed += 1
    cpu = time.process_time() - started
    if parsed != frames:
        raise RuntimeError(f"parsed {parsed} of {frames} frames")
    return cpu / frames


def p2_raw_frames(n: int = 8) -> List[np.ndarray]:
    rng = np.random.default_rng(2)
    frames = []
    for i in range(n):
        img = 24 + rng.normal(0, 0.5, (192, 256))
        img[60:120, 100:150] = 36.5
        raw = np.round((img + 273.15) * 64).astype("<u2")
        full = np.zeros((384, 256, 2), np.uint8)
        full[192:] = np.frombuffer(raw.tobytes(), np.uint8).reshape(192, 256, 2)
        frames.append(full)
    return frames


def lepton_raw_frames(n: int = 8) -> List[np.ndarray]:
    rng = np.random.default_rng(3)
    return [np.round((23 + rng.normal(0, 0.5, (122, 160)) + 273.15) * 100).astype("<u2") for _ in range(n)]


def bench_drivers(mlx_frames: int = 400, uvc_frames: int = 250) -> List[Row]:
    rows: List[Row] = []
    mlx = mlx_cpu_per_frame(mlx_frames)
    rows.append(("gy-mcu90640 parse @8Hz/460800", mlx * 8.0 * 100, "% core"))
    rows.append(("gy-mcu90640 parse per frame", mlx * 1e6, "us"))
    p2 = p2pro_uvc.P2ProUvc(p2pro_uvc.Options(), BuildContext("thermal"))
    frames = p2_raw_frames()
    cpu = _cpu_per_call(lambda i: p2.decode(frames[i % len(frames)]), uvc_frames)
    rows.append(("p2pro raw decode @25fps", cpu * 25.0 * 100, "% core"))
    rows.append(("p2pro raw decode per frame", cpu * 1e6, "us"))
    lep = lepton_uvc.LeptonUvc(lepton_uvc.Options(), BuildContext("thermal"))
    lframes = lepton_raw_frames()
    cpu = _cpu_per_call(lambda i: lep.decode(lframes[i % len(lframes)]), uvc_frames)
    rows.append(("lepton y16 decode @8.7fps", cpu * 8.7 * 100, "% core"))
    return rows


def main() -> int:
    for name, value, unit in bench_drivers():
        print(f"{name:<34} {value:10.3f} {unit}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
