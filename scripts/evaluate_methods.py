"""The simple methods other open projects use, for comparison in scripts/evaluate.py.

Each turns one frame into a reading (or None: nothing to measure); a presence's reading is
the median over its frames, plus a constant offset fitted on the same calibration run as
our pipeline, against the same 37.3 deg C line. None of them has quality gates.
"""
from __future__ import annotations

from typing import Callable, Dict, List, Optional, Sequence

import cv2
import numpy as np

FrameMethod = Callable[[np.ndarray], Optional[float]]

#: Fixed skin threshold the blob method uses (as in the projects it imitates).
BLOB_SKIN_C = 30.0


def global_max(img: np.ndarray) -> Optional[float]:
    """The hottest pixel of the whole frame."""
    return float(img.max())


def blob_p90(img: np.ndarray) -> Optional[float]:
    """90th percentile of the hottest warm blob (pixels >= 30 deg C)."""
    mask = (img >= BLOB_SKIN_C).astype(np.uint8)
    n, labels = cv2.connectedComponents(mask, connectivity=8)
    if n <= 1:
        return None
    # The hottest blob is the one holding the hottest pixel.
    best = labels.flat[int(np.argmax(img))]
    return float(np.percentile(img[labels == best], 90))


def max_above_mean(img: np.ndarray) -> Optional[float]:
    """The maximum, when it is more than 2 deg C above the frame average (else nobody)."""
    top = float(img.max())
    return top if top > float(img.mean()) + 2.0 else None


METHODS: Dict[str, FrameMethod] = {
    "global max pixel": global_max,
    "p90 of hottest blob": blob_p90,
    "max > frame mean + 2 C": max_above_mean,
}


def presence_reading(method: FrameMethod, frames: Sequence[np.ndarray]) -> Optional[float]:
    readings: List[float] = [r for r in (method(f) for f in frames) if r is not None]
    return float(np.median(readings)) if readings else None
