"""PureThermal Lepton 3.x Y16 frames as OpenCV returns them (uint16 centikelvin)."""
from __future__ import annotations

import numpy as np

WIDTH, ROWS = 160, 120


def frame(celsius: np.ndarray, telemetry: str = "", shape: str = "y16") -> np.ndarray:
    """(120, 160) C -> Y16 frame; ``telemetry`` "top"/"bottom" adds 2 telemetry rows.

    ``shape``: ``y16`` = (rows, 160) uint16, ``flat`` = (1, rows*320) uint8 bytes.
    """
    image = np.round(np.asarray(celsius, dtype=np.float64) * 100 + 27315).astype("<u2")
    if telemetry:
        tele = np.full((2, WIDTH), 0xABCD, dtype="<u2")  # never a plausible temperature
        image = np.concatenate([tele, image] if telemetry == "top" else [image, tele], axis=0)
    if shape == "flat":
        return np.frombuffer(image.tobytes(), np.uint8).reshape(1, -1)
    return image


def scene(seq: int) -> np.ndarray:
    y, x = np.mgrid[0:ROWS, 0:WIDTH]
    img = 23.0 + 0.7 * np.sin(x / 6.0) + 0.4 * np.cos(y / 5.0) + 0.01 * (seq % 5)
    img[40:80, 60:100] = 35.9
    return img
