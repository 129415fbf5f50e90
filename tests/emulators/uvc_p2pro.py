"""InfiRay P2 Pro raw frames exactly as OpenCV returns them with CONVERT_RGB=0 (YUYV 256x384)."""
from __future__ import annotations

import numpy as np

WIDTH, HALF = 256, 192


def raw_from_celsius(celsius: np.ndarray) -> np.ndarray:
    """(192, 256) C -> uint16 1/64 K, as the camera encodes it."""
    return np.round((np.asarray(celsius, dtype=np.float64) + 273.15) * 64).astype("<u2")


def frame(celsius: np.ndarray, shape: str = "yuyv") -> np.ndarray:
    """Full 256x384 YUYV frame: top half a grey display image, bottom half raw LE uint16.

    ``shape``: ``yuyv`` = (384, 256, 2) uint8 (most OpenCV builds), ``flat`` = (1, 196608)
    uint8 (builds that do not reshape the buffer).
    """
    raw = raw_from_celsius(celsius)
    grey = np.clip((np.asarray(celsius) - 20) * 8, 0, 255).astype(np.uint8)
    top = np.empty((HALF, WIDTH, 2), np.uint8)
    top[:, :, 0] = grey  # Y
    top[:, :, 1] = 128   # U/V: no colour
    bottom = np.frombuffer(raw.tobytes(), np.uint8).reshape(HALF, WIDTH, 2)
    full = np.concatenate([top, bottom], axis=0)
    return full.reshape(1, -1) if shape == "flat" else full


def scene(seq: int, base: float = 24.0) -> np.ndarray:
    """A background with mild texture and a 36.5 C face: not flat, moves a little per frame."""
    y, x = np.mgrid[0:HALF, 0:WIDTH]
    img = base + 0.8 * np.sin(x / 9.0) + 0.5 * np.cos(y / 7.0) + 0.01 * (seq % 7)
    img[60:120, 100 + seq % 5:150 + seq % 5] = 36.5
    return img
