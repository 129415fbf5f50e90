"""Synthetic thermal frames of people for unit tests and the measurement bench.

A deliberately simple model (the scene simulator in drivers/thermal is the full one):
background at ambient, a body in clothes, a head whose skin is ``face_c`` and two inner
canthi ``canthus_c`` (the face maximum), all scaled by distance on a 56 deg lens.
"""
from __future__ import annotations

import dataclasses
import math
from typing import Optional, Sequence, Tuple

import cv2
import numpy as np

from drivers.base import ThermalFrame

HFOV_DEG = 56.0


@dataclasses.dataclass(frozen=True)
class Person:
    canthus_c: float = 35.8
    distance_m: float = 1.0
    x_frac: float = 0.5  # horizontal centre as a share of the frame width
    face_drop_c: float = 1.2  # the rest of the face is this much cooler than the canthi


def _ellipse(img: np.ndarray, cx: float, cy: float, ax: float, ay: float, value: float) -> None:
    cv2.ellipse(img, (int(round(cx)), int(round(cy))), (max(0, int(round(ax))), max(0, int(round(ay)))),
                0, 0, 360, float(value), -1)


def render(shape: Tuple[int, int], people: Sequence[Person], ambient_c: float = 22.0, noise_c: float = 0.05,
           seed: int = 0, blur: bool = True, hot_object: Optional[Tuple[float, float, float]] = None) -> np.ndarray:
    """(H, W) float32 frame. ``hot_object`` = (x_frac, y_frac, temp_c): a cup-sized hot thing at 1 m."""
    height, width = shape
    img = np.full(shape, ambient_c, dtype=np.float32)
    px_per_m_1m = width / (2.0 * math.tan(math.radians(HFOV_DEG / 2.0)))
    for p in people:
        scale = px_per_m_1m / p.distance_m
        cx = p.x_frac * width
        head_w, head_h = 0.16 * scale, 0.22 * scale
        head_cy = height * 0.30
        clothes = ambient_c + 0.35 * (p.canthus_c - ambient_c)
        _ellipse(img, cx, head_cy + head_h * 0.5 + 0.45 * scale, 0.22 * scale, 0.5 * scale, clothes)
        _ellipse(img, cx, head_cy + head_h * 0.55, 0.05 * scale, 0.08 * scale, p.canthus_c - p.face_drop_c - 0.3)
        _ellipse(img, cx, head_cy, head_w / 2, head_h / 2, p.canthus_c - p.face_drop_c)
        eye_dx, eye_r = 0.017 * scale, max(0.4, 0.006 * scale)
        for side in (-1, 1):
            _ellipse(img, cx + side * eye_dx, head_cy - 0.01 * scale, eye_r, eye_r, p.canthus_c)
    if hot_object is not None:
        ox, oy, temp = hot_object
        _ellipse(img, ox * width, oy * height, 0.04 * px_per_m_1m, 0.05 * px_per_m_1m, temp)
    if blur:
        img = cv2.GaussianBlur(img, (3, 3), 0.6)
        # Blurring pulls a small canthus down; real optics do too, but tests want exact truth
        # only where the face is large enough, so nothing else is done here.
    if noise_c > 0:
        img = img + np.random.default_rng(seed).normal(0.0, noise_c, shape).astype(np.float32)
    return img.astype(np.float32)


def frame(shape: Tuple[int, int], people: Sequence[Person], t: float = 0.0, ambient_c: float = 22.0,
          flags: Sequence[str] = (), seed: int = 0, **kwargs: object) -> ThermalFrame:
    img = render(shape, people, ambient_c=ambient_c, seed=seed, **kwargs)  # type: ignore[arg-type]
    return ThermalFrame(t=t, celsius=img, ambient_c=ambient_c, flags=frozenset(flags))
