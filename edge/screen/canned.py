"""Canned screen states for screenshots, tests and the README.

The thermal picture is a synthetic head in a room (or a frame from a recording), so a
screenshot looks like the real screen without a sensor attached.
"""
from __future__ import annotations

import dataclasses
import logging
from typing import Optional, Tuple

import numpy as np

from edge.screen.view import ScreenView, SecondaryCheck, StatusBar
from edge.verdict import Verdict

log = logging.getLogger(__name__)

STATES = ("pass", "fever", "retry", "deny", "fault", "warmup", "idle")

Box = Tuple[int, int, int, int]


def synthetic_frame(peak_c: float, shape: Tuple[int, int] = (192, 256)) -> Tuple[np.ndarray, Box]:
    """A room at 23 C with a head and shoulders; the inner canthi read ``peak_c``."""
    h, w = shape
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    frame = np.full(shape, 23.0, dtype=np.float32) + 0.3 * np.sin(xx / 17.0) * np.cos(yy / 23.0)
    cx, cy, rx, ry = w * 0.5, h * 0.42, w * 0.14, h * 0.26
    head = ((xx - cx) / rx) ** 2 + ((yy - cy) / ry) ** 2 <= 1.0
    shoulders = (((xx - cx) / (w * 0.36)) ** 2 + ((yy - h * 1.02) / (h * 0.34)) ** 2) <= 1.0
    frame[shoulders] = 29.5
    frame[head] = peak_c - 1.6 - 0.8 * (((yy[head] - cy) / ry) ** 2)
    for eye_x in (cx - rx * 0.32, cx + rx * 0.32):
        eye = ((xx - eye_x) ** 2 + (yy - cy) ** 2) <= (w * 0.012) ** 2
        frame[eye] = peak_c
    box = (int(cx - rx), int(cy - ry), int(2 * rx), int(2 * ry))
    return frame, box


def recording_frame(path: str) -> Tuple[np.ndarray, Optional[Box]]:
    """The frame of a recording (README "Recording format") with the warmest person in it,
    and a box around the warm region."""
    with np.load(path, allow_pickle=False) as data:
        frames = np.asarray(data["frames"], dtype=np.float32)
    if frames.ndim != 3 or len(frames) == 0:
        raise ValueError(f"{path}: 'frames' must be (N, H, W) with at least one frame")
    best = int(np.argmax([np.percentile(f, 99.5) for f in frames]))
    frame = frames[best]
    warm = frame > max(30.0, float(np.percentile(frame, 99.5)) - 3.0)
    ys, xs = np.nonzero(warm)
    if len(xs) == 0:
        return frame, None
    return frame, (int(xs.min()), int(ys.min()), int(xs.max() - xs.min() + 1), int(ys.max() - ys.min() + 1))


def canned_view(state: str, frame: Optional[Tuple[np.ndarray, Optional[Box]]] = None) -> ScreenView:
    """The screen for one of STATES, as a guard would see it mid-morning."""
    if state not in STATES:
        raise ValueError(f"unknown state {state!r}; one of {', '.join(STATES)}")
    status = StatusBar(clock="07:42:15", sync="online", backlog=0,
                       devices={"thermal": "ok", "card": "ok", "light": "ok"}, ambient_c=21.4,
                       passages=412, fevers=1, denials=3)
    peak = {"fever": 38.4, "retry": 34.6}.get(state, 36.6)
    thermal, box = frame if frame is not None else synthetic_frame(peak)
    reading = round(float(thermal.max()), 1)
    person = {"name": "李明", "group": "初二(3)班"}
    if state == "pass":
        return ScreenView(thermal, box, reading, Verdict.PASS, (), body_c=36.6, status=status, **person)
    if state == "fever":
        return ScreenView(thermal, box, reading, Verdict.FEVER, ("fever",), body_c=38.4, awaiting_ack=True,
                          secondary=SecondaryCheck(typed="38."), status=dataclasses.replace(status, fevers=2), **person)
    if state == "retry":
        return ScreenView(thermal, box, reading, Verdict.RETRY, ("too_cold",), status=status, **person)
    if state == "deny":
        return ScreenView(thermal, box, reading, Verdict.DENY, ("card_unknown",), body_c=36.5,
                          status=dataclasses.replace(status, denials=4))
    if state == "fault":
        down = dataclasses.replace(status, devices={"thermal": "down", "card": "ok", "light": "ok"})
        return ScreenView(None, None, None, Verdict.FAULT, ("thermal_down",), status=down)
    if state == "warmup":
        warm = dataclasses.replace(status, warmup_min=18.0, passages=0, fevers=0, denials=0)
        return ScreenView(thermal, box, reading, None, (), status=warm)
    return ScreenView(thermal, None, None, None, (), status=status)

