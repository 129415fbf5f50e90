"""Scene simulator, part 2: drawing people into a sensor frame.

The face is drawn on a grid finer than the sensor (about 0.1 deg per fine pixel), then
area-averaged onto the sensor pixels, so a canthus of a few millimetres reads low on a
coarse sensor at a distance exactly as a real one does. The optics blur is applied at
sensor resolution afterwards: a Gaussian commutes with the pixel box filter, and blurring
the fine grid would cost ten times more for the same picture.
"""
from __future__ import annotations

import math
from typing import Optional, Tuple

import numpy as np

from drivers.thermal.scene_model import Person, SceneConfig, SensorModel

FINE_DEG = 0.12  # target size of one fine pixel
MAX_SUPERSAMPLE = 16
HEAD_BOX = (-0.22, 0.22, -0.16, 0.26)  # metres around the face centre: x0, x1, y0, y1
SHOULDER_HALF_M = 0.21
DEG = 180.0 / math.pi


def supersample(model: SensorModel) -> int:
    return int(min(MAX_SUPERSAMPLE, max(1, math.ceil(max(model.deg_per_px) / FINE_DEG))))


def background(cfg: SceneConfig) -> np.ndarray:
    """A wall at ambient with gentle structure, a cooler floor and the blackbody if any."""
    m = cfg.model
    rng = np.random.default_rng([cfg.seed, 5])
    yy, xx = np.mgrid[0:m.height, 0:m.width].astype(np.float64)
    yn, xn = yy / m.height, xx / m.width
    img = cfg.ambient_c + 0.5 * (0.5 - yn)  # warm air rises
    for _ in range(3):
        fx, fy, ph = rng.uniform(0.5, 2.0), rng.uniform(0.5, 2.0), rng.uniform(0, 2 * math.pi)
        img += 0.12 * np.sin(2 * math.pi * (fx * xn + fy * yn) + ph)
    img[yn > 0.85] -= 0.8
    if cfg.blackbody_c is not None:
        x, y, w, h = cfg.blackbody_region()
        img[y:y + h, x:x + w] = cfg.blackbody_c
    return img.astype(np.float32)


def position(p: Person, t: float, model: SensorModel) -> Optional[Tuple[float, float, float]]:
    """Face centre (x lateral, y down, z distance) in metres, None when not in the scene."""
    if t < p.t_enter or t > p.t_leave:
        return None
    half = math.tan(math.radians(model.fov_h_deg / 2))
    if t < p.t_stand:
        u = (t - p.t_enter) / max(1e-6, p.t_stand - p.t_enter)
        s = 1.0 - (1.0 - u) ** 2  # slowing down to stand still
        z0 = p.distance_m + 1.5
        x0 = p.side * (z0 * half + 0.35)
        return x0 + (p.x_stand_m - x0) * s, p.y_face_m, z0 + (p.distance_m - z0) * s
    if t < p.t_walk_off:
        sway = 0.004 * math.sin(2 * math.pi * 0.7 * (t - p.t_stand) + p.index)
        return p.x_stand_m + sway, p.y_face_m, p.distance_m
    u = (t - p.t_walk_off) / max(1e-6, p.t_leave - p.t_walk_off)
    x1 = -p.side * (p.distance_m * half + 0.4)
    return p.x_stand_m + (x1 - p.x_stand_m) * u * u, p.y_face_m, p.distance_m


def _gauss(xx: np.ndarray, yy: np.ndarray, x0: float, y0: float, sigma: float) -> np.ndarray:
    return np.exp(-((xx - x0) ** 2 + (yy - y0) ** 2) / np.float32(2 * sigma * sigma))


def _block(xs: np.ndarray, ys: np.ndarray, x0: float, x1: float, y0: float, y1: float) -> Tuple[slice, slice]:
    """Rows and columns of the fine grid inside a box (xs, ys ascending): features are
    drawn on their own small block instead of masking the whole grid."""
    return (slice(int(np.searchsorted(ys, y0)), int(np.searchsorted(ys, y1, side="right"))),
            slice(int(np.searchsorted(xs, x0)), int(np.searchsorted(xs, x1, side="right"))))


def _paint(out: np.ndarray, xs: np.ndarray, ys: np.ndarray, box: Tuple[float, float, float, float],
           inside, value) -> None:
    rs, cs = _block(xs, ys, *box)
    xx, yy = xs[None, cs], ys[rs, None]
    if xx.size == 0 or yy.size == 0:
        return
    sub = out[rs, cs]
    mask = inside(xx, yy)
    if callable(value):
        mask = np.broadcast_to(mask, sub.shape)
        sub[mask] = value(np.broadcast_to(xx, sub.shape)[mask], np.broadcast_to(yy, sub.shape)[mask])
    else:
        sub[np.broadcast_to(mask, sub.shape)] = value


def _head_field(p: Person, t: float, out: np.ndarray, xs: np.ndarray, ys: np.ndarray) -> None:
    d = p.skin_deficit(t)
    canthus = p.canthus_c - 0.5 * d
    forehead = p.canthus_c - p.forehead_drop_c - d
    cheek = forehead - p.cheek_drop_c - 0.2 * d
    big = 1e3
    _paint(out, xs, ys, (-SHOULDER_HALF_M, SHOULDER_HALF_M, 0.17, big),
           lambda x, y: np.abs(x) < SHOULDER_HALF_M * np.sqrt(np.clip((y - 0.17) / 0.05, 0.0, 1.0)), p.clothes_c)
    _paint(out, xs, ys, (-0.055, 0.055, 0.08, 0.2), lambda x, y: np.ones((y.size, x.size), bool), cheek - 0.3)
    _paint(out, xs, ys, (-0.085, 0.085, -0.14, 0.11),
           lambda x, y: (x / 0.085) ** 2 + ((y + 0.015) / 0.125) ** 2 <= 1.0, p.hair_c)

    def skin(fx: np.ndarray, fy: np.ndarray) -> np.ndarray:
        w = np.clip((fy + 0.045) / 0.02, 0.0, 1.0)  # forehead above the brows, cheeks below
        s = forehead + (cheek - forehead) * w
        s -= 0.8 * _gauss(fx, fy, 0.0, 0.035, 0.01)  # the nose tip is cool
        for sx in (-1.0, 1.0):
            s += (canthus - s) * 0.6 * _gauss(fx, fy, 0.021 * sx, -0.015, 0.012)  # periorbital
        for sx in (-1.0, 1.0):
            s += (canthus - s) * _gauss(fx, fy, 0.016 * sx, -0.015, 0.005)  # inner canthus
        return s

    _paint(out, xs, ys, (-0.073, 0.073, -0.07, 0.115),
           lambda x, y: ((x / 0.073) ** 2 + ((y - 0.01) / 0.105) ** 2 <= 1.0) & (y > -0.07), skin)
    if p.hot_object_c is not None:
        hand = 1.0 if p.index % 2 == 0 else -1.0
        _paint(out, xs, ys, (0.14 * hand - 0.04, 0.14 * hand + 0.04, 0.10, 0.21),
               lambda x, y: np.ones((y.size, x.size), bool), p.hot_object_c)


def draw_person(img: np.ndarray, p: Person, t: float, model: SensorModel, ss: int) -> None:
    pos = position(p, t, model)
    if pos is None:
        return
    x, y, z = pos
    dh, dv = model.deg_per_px
    ppm_x, ppm_y = DEG / z / dh, DEG / z / dv
    cx = model.width / 2 + DEG * math.atan2(x, z) / dh
    cy = model.height / 2 + DEG * math.atan2(y, z) / dv
    x0, x1, y0, y1 = HEAD_BOX
    c0, c1 = max(0, math.floor(cx + x0 * ppm_x)), min(model.width, math.ceil(cx + x1 * ppm_x))
    r0, r1 = max(0, math.floor(cy + y0 * ppm_y)), min(model.height, math.ceil(cy + y1 * ppm_y))
    if c1 > c0 and r1 > r0:
        xs = ((c0 + (np.arange((c1 - c0) * ss) + 0.5) / ss - cx) / ppm_x).astype(np.float32)
        ys = ((r0 + (np.arange((r1 - r0) * ss) + 0.5) / ss - cy) / ppm_y).astype(np.float32)
        fine = np.repeat(np.repeat(img[r0:r1, c0:c1], ss, axis=0), ss, axis=1)
        _head_field(p, t, fine, xs, ys)
        img[r0:r1, c0:c1] = fine.reshape(r1 - r0, ss, c1 - c0, ss).mean(axis=(1, 3))
    body_top = max(0, min(model.height, math.ceil(cy + y1 * ppm_y)))
    if body_top < model.height:
        left, right = cx - SHOULDER_HALF_M * ppm_x, cx + SHOULDER_HALF_M * ppm_x
        edges = np.arange(model.width, dtype=np.float64)
        cover = np.clip(np.minimum(edges + 1, right) - np.maximum(edges, left), 0.0, 1.0).astype(np.float32)
        rows = img[body_top:]
        rows += (np.float32(p.clothes_c) - rows) * cover[None, :]


def blur(img: np.ndarray, sigma: float) -> np.ndarray:
    if sigma <= 0.05:
        return img
    radius = max(1, int(math.ceil(3 * sigma)))
    k = np.exp(-0.5 * (np.arange(-radius, radius + 1) / sigma) ** 2)
    k = (k / k.sum()).astype(np.float32)
    for axis in (0, 1):
        pad = [(0, 0), (0, 0)]
        pad[axis] = (radius, radius)
        padded = np.pad(img, pad, mode="edge")
        n = img.shape[axis]
        acc = np.zeros_like(img)
        for i, w in enumerate(k):
            acc += w * (padded[i:i + n] if axis == 0 else padded[:, i:i + n])
        img = acc
    return img
