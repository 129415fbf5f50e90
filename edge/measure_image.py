"""Image operations of the per-frame analysis: people blobs, face region, hotspot.

All functions work on one (H, W) float32 deg C frame and are written for speed: the
lane calls them for every frame (<= 2 ms at 256x192 on a small board).
"""
from __future__ import annotations

import dataclasses
from typing import List, Optional, Tuple

import cv2
import numpy as np

# 8-neighbourhood without the centre: dilating with it gives each pixel's hottest neighbour.
_RING = np.array([[1, 1, 1], [1, 0, 1], [1, 1, 1]], dtype=np.uint8)
_BOX5 = np.ones((5, 5), dtype=np.uint8)
#: Face pixels per pixel of inner canthus: more hottest pixels would mix in cooler skin.
CANTHUS_SHARE = 500
#: Largest blobs examined per frame (people plus whatever else is warm).
MAX_BLOBS = 6


@dataclasses.dataclass(frozen=True)
class Blob:
    x: int
    y: int
    w: int
    h: int
    area: int
    label: int
    top_c: float  # hottest pixel, at most the hot-object limit


def background_c(img: np.ndarray) -> float:
    """Scene background: a low quantile of a strided sample (a person rarely fills 3/4)."""
    step = max(1, min(img.shape) // 24)
    sample = img[::step, ::step].ravel()
    k = sample.size // 4
    return float(np.partition(sample, k)[k])


def warm_blobs(img: np.ndarray, threshold: float, min_area: int, hot_c: float,
               exclude: Optional[Tuple[int, int, int, int]] = None) -> Tuple[List[Blob], np.ndarray]:
    """Connected regions warmer than ``threshold`` that look like people, largest first.

    A region mostly hotter than ``hot_c`` is an object (kettle, heater), not a person.
    """
    mask = (img >= threshold).astype(np.uint8)
    if exclude is not None:
        x, y, w, h = exclude
        mask[y:y + h, x:x + w] = 0
    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    if n <= 1:
        return [], labels
    areas = stats[:, cv2.CC_STAT_AREA]
    hot = img > hot_c
    hot_counts = np.bincount(labels[hot], minlength=n) if hot.any() else None
    blobs: List[Blob] = []
    for label in np.argsort(-areas[1:]) + 1:
        area = int(areas[label])
        if area < min_area or len(blobs) >= MAX_BLOBS:
            break
        if hot_counts is not None and hot_counts[label] * 2 > area:
            continue
        x, y, w, h = (int(v) for v in stats[label, :4])
        # Capped: a cup in the hand must not make the face look cool next to it.
        top = min(hot_c, float(img[y:y + h, x:x + w][labels[y:y + h, x:x + w] == label].max()))
        blobs.append(Blob(x, y, w, h, area, int(label), top))
    return blobs, labels


def people_blobs(blobs: List[Blob], head_gap_c: float) -> List[Blob]:
    """The blobs that hold a face: within ``head_gap_c`` of the hottest one. A torso cut
    off from its head by a cool neck or scarf is clothes-warm only and is not a person."""
    if not blobs:
        return blobs
    best = max(b.top_c for b in blobs)
    return [b for b in blobs if b.top_c >= best - head_gap_c]


def count_heads(roi: np.ndarray, skin_thr: float, min_area: int) -> int:
    """Separate regions of face-warm skin far enough apart to be two heads over one merged
    body (the cheeks either side of a cool nose are one head)."""
    mask = (roi >= skin_thr).astype(np.uint8)
    n, _, stats, centroids = cv2.connectedComponentsWithStats(mask, connectivity=8)
    big = [i for i in range(1, n) if stats[i, cv2.CC_STAT_AREA] >= min_area]
    if len(big) <= 1:
        return len(big)
    main = max(big, key=lambda i: stats[i, cv2.CC_STAT_AREA])
    reach = 1.5 * stats[main, cv2.CC_STAT_WIDTH]
    return 1 + sum(1 for i in big if i != main and abs(centroids[i][0] - centroids[main][0]) > reach)


def face_rows(img: np.ndarray, blob: Blob, labels: np.ndarray, background: float) -> Tuple[int, int]:
    """(first row, rows) of the face in a person blob.

    Skin is the part of the blob closer to its hottest pixel than to the background (hair
    and clothes are cooler), so the face starts at the first skin row, not at the top of
    the hair, which comes and goes at the edge of the warm threshold. It is about 1.3 times
    as tall as its top rows are wide; below that come the neck and the shoulders.
    """
    sub = img[blob.y:blob.y + blob.h, blob.x:blob.x + blob.w]
    skin = (labels[blob.y:blob.y + blob.h, blob.x:blob.x + blob.w] == blob.label) & (sub >= 0.5 * (background + blob.top_c))
    widths = skin.sum(axis=1)
    # A few warm hair pixels above the forehead are not where the face starts.
    present = np.flatnonzero(widths >= max(1, int(widths.max()) // 4))
    if present.size == 0:
        return blob.y, blob.h
    first = int(present[0])
    top = widths[first:first + max(1, (int(present[-1]) - first + 1) // 3)]
    face_w = float(np.median(top[top > 0]))
    return blob.y + first, max(1, min(blob.h - first, int(round(1.3 * face_w))))


def hotspot(roi: np.ndarray, mask: np.ndarray, k_max: int, spike_c: float, background: float,
            hot_c: Optional[float] = None) -> Tuple[float, int, int, float]:
    """(mean of the hottest pixels, pixels used, face pixels, contrast) inside ``mask`` of ``roi``.

    A pixel hotter than all its neighbours by more than ``spike_c`` is clipped to that
    bound first, so one defective or noisy pixel cannot make a fever. Face pixels are the
    masked pixels closer to the hotspot than to the ``background`` (edge pixels mixing with
    the background do not count); the number of hottest pixels used grows with the face
    (the two inner canthi cover about one face pixel in 500) up to ``k_max``. The contrast is the hotspot minus the face's median:
    a face just in from the cold has warm canthi in a cold face.
    """
    neighbours = cv2.dilate(roi, _RING, borderType=cv2.BORDER_REPLICATE)
    if hot_c is not None and neighbours.max() > hot_c:
        # The blurred rim of a hot object (a cup raised to the mouth) reads like a fever:
        # leave out everything within two pixels of anything hotter than skin can be.
        near_hot = cv2.dilate((roi > hot_c).astype(np.uint8), _BOX5) > 0
        mask = mask & ~near_hot
    clipped = np.minimum(roi, neighbours + spike_c)
    values = clipped[mask]
    if values.size == 0:
        return float("nan"), 0, 0, 0.0
    top = float(values.max())
    face_values = values[values >= 0.5 * (background + top)]
    face = int(face_values.size)
    k = max(1, min(k_max, face // CANTHUS_SHARE))
    hottest = np.partition(face_values, face - k)[face - k:]
    skin = float(hottest.mean())
    return skin, k, face, skin - float(np.median(face_values))
