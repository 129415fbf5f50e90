"""Frame -> face region -> one reading with quality flags.

CONTRACT (the lane depends on exactly this):

    analyzer = FrameAnalyzer(settings: ScreeningSettings, accuracy: AccuracyClass)
    fa: FrameAnalysis = analyzer.analyze(frame: ThermalFrame)

``analyze`` must be cheap (<= 2 ms median at 256x192) and pure apart from caches.
"""
from __future__ import annotations

import dataclasses
import logging
import math
from typing import FrozenSet, Optional, Set, Tuple

import numpy as np

from drivers.base import FLAG_SHUTTER, FLAG_WARMUP, AccuracyClass, ThermalFrame
from edge.measure_image import background_c, count_heads, face_rows, hotspot, people_blobs, warm_blobs
from edge.settings.screening import ScreeningSettings

log = logging.getLogger(__name__)

#: Share of the frame a warm region must cover to count as a person (far people included).
PERSON_FRACTION = 0.0015
#: Default face size for a reading, as a share of the frame: a face at about 1.4 m on a
#: 56 deg lens. Farther, the canthus shares its pixels with cooler skin and reads low.
FACE_FRACTION = 0.013
#: Whatever the resolution: fewer face pixels than this hold no pure canthus pixel.
MIN_FACE_PIXELS = 16
#: Skin within this of the face maximum is a head when counting people (hands are cooler).
HEAD_BAND_C = 2.0
#: A warm region whose hottest pixel is this much below the hottest face is not a face.
HEAD_GAP_C = 4.0
#: The cold-face contrast needs a face with an inside, not only edge pixels mixed with the background.
COLD_FACE_PIXELS = 40
#: Room temperature at which ``cold_contrast_c`` applies as it is.
ROOM_C = 22.0
#: An ambient reading outside this range is a garbage word, not a room or a sensor board
#: (a 65 C "ambient" once turned a 38.6 C canthus into a PASS through ambient_coeff).
AMBIENT_PLAUSIBLE_C = (-20.0, 60.0)


@dataclasses.dataclass(frozen=True)
class FrameAnalysis:
    t: float
    people: int  # warm blobs big enough to be a person
    face_box: Optional[Tuple[int, int, int, int]]  # x, y, w, h in sensor pixels
    face_pixels: int  # skin pixels in the face/head region
    skin_c: Optional[float]  # raw hotspot reading of this frame (no corrections)
    skin_n: int  # pixels used for skin_c
    issues: FrozenSet[str]  # reason codes from edge.reasons: several_people, too_far, too_close, shutter, ...
    ambient_c: Optional[float] = None
    reference_c: Optional[float] = None  # blackbody region mean when configured

    @property
    def present(self) -> bool:
        return self.people > 0


class FrameAnalyzer:
    def __init__(self, settings: ScreeningSettings, accuracy: AccuracyClass) -> None:
        self.settings = settings
        self.accuracy = accuracy
        self._shape: Optional[Tuple[int, int]] = None
        self._min_person = 2
        self._min_face = MIN_FACE_PIXELS
        self._max_face = 1
        self._ref: Optional[Tuple[int, int, int, int]] = None
        self._exclude: Optional[Tuple[int, int, int, int]] = None
        self._last_ref: Optional[float] = None
        self.ambient_rejected = 0  # frames whose ambient reading was ignored as implausible

    @property
    def min_face_pixels(self) -> int:
        return self._min_face

    def _geometry(self, shape: Tuple[int, int]) -> None:
        s = self.settings
        height, width = shape
        n = height * width
        self._shape = shape
        self._min_person = max(2, int(round(PERSON_FRACTION * n)))
        self._min_face = s.min_face_pixels or max(MIN_FACE_PIXELS, int(round(FACE_FRACTION * n)))
        self._max_face = max(self._min_face + 1, int(s.max_face_fraction * n))
        self._ref = self._exclude = None
        bb = s.blackbody
        if bb is not None:
            x0, y0 = min(bb.x, width), min(bb.y, height)
            x1, y1 = min(bb.x + bb.w, width), min(bb.y + bb.h, height)
            if x1 <= x0 or y1 <= y0:
                log.error("blackbody region %d,%d %dx%d is outside the %dx%d frame", bb.x, bb.y, bb.w, bb.h, width, height)
            else:
                self._ref = (x0, y0, x1 - x0, y1 - y0)
                # The source's housing around the region is warm too: keep it out of people.
                m = max(2, (x1 - x0) // 2, (y1 - y0) // 2)
                ex0, ey0 = max(0, x0 - m), max(0, y0 - m)
                self._exclude = (ex0, ey0, min(width, x1 + m) - ex0, min(height, y1 + m) - ey0)

    def _reference(self, img: np.ndarray) -> Tuple[Optional[float], bool]:
        bb = self.settings.blackbody
        if bb is None or self._ref is None:
            return None, bb is None
        x, y, w, h = self._ref
        region = img[y:y + h, x:x + w]
        mean = float(region.mean())
        ok = (abs(mean - bb.setpoint_c) <= bb.tolerance_c and float(region.std()) <= bb.max_spread_c
              and (self._last_ref is None or abs(mean - self._last_ref) <= bb.max_step_c))
        self._last_ref = mean
        return mean, ok

    def _ambient(self, value: Optional[float]) -> Optional[float]:
        """The frame's ambient reading, or None when it is no plausible temperature: then no
        ambient correction is made from it (as for a sensor that reports none)."""
        low, high = AMBIENT_PLAUSIBLE_C
        if value is None or (math.isfinite(value) and low <= value <= high):
            return value
        if self.ambient_rejected == 0:
            log.warning("thermal sensor reports an ambient of %s C: ignored (expected %g..%g C)", value, low, high)
        self.ambient_rejected += 1
        return None

    def analyze(self, frame: ThermalFrame) -> FrameAnalysis:
        s = self.settings
        img = frame.celsius if frame.celsius.dtype == np.float32 else frame.celsius.astype(np.float32)
        if img.shape != self._shape:
            self._geometry(img.shape)
        issues: Set[str] = set()
        ambient = self._ambient(frame.ambient_c)
        if FLAG_SHUTTER in frame.flags:
            issues.add("shutter")
        if FLAG_WARMUP in frame.flags:
            issues.add("warming_up")
        reference_c, ref_ok = self._reference(img)
        if not ref_ok:
            issues.add("reference_missing")
        # Relative to the scene so that 0 and 30 deg C entrances both work; capped so that
        # a person filling the frame (background estimate = skin) is still seen.
        background = background_c(img)
        threshold = min(background + s.person_delta_c, s.cold_skin_c)
        blobs, labels = warm_blobs(img, threshold, self._min_person, s.max_skin_c, self._exclude)
        blobs = people_blobs(blobs, HEAD_GAP_C)
        if not blobs:
            return FrameAnalysis(frame.t, 0, None, 0, None, 0, frozenset(issues), ambient, reference_c)
        blob = blobs[0]
        y0, rows = face_rows(img, blob, labels, background)
        roi = img[y0:y0 + rows, blob.x:blob.x + blob.w]
        mask = labels[y0:y0 + rows, blob.x:blob.x + blob.w] == blob.label
        # The box the guard sees: the head's columns in the face rows, not the whole
        # person (shoulders make the blob two to three times as wide as the face).
        cols = np.flatnonzero(mask.any(axis=0))
        box = (blob.x + int(cols[0]), y0, int(cols[-1] - cols[0]) + 1, rows) if cols.size else (blob.x, y0, blob.w, rows)
        skin, used, face, contrast = hotspot(roi, mask, s.hottest_pixels, s.spike_c, background, s.max_skin_c)
        people = len(blobs)
        if people == 1 and face >= self._min_face and not math.isnan(skin):
            # People standing side by side merge into one warm region; their heads do not.
            upper = img[blob.y:y0 + max(rows, blob.h // 2), blob.x:blob.x + blob.w]
            heads = count_heads(upper, max(threshold, skin - HEAD_BAND_C), max(2, face // 5, self._min_face // 3))
            people = max(people, heads)
        if people > 1:
            issues.add("several_people")
        if face < self._min_face:
            issues.add("too_far")
        elif face > self._max_face or y0 == 0:  # the face fills the frame or is cut off at the top
            issues.add("too_close")
        if skin > s.max_skin_c:
            issues.add("implausible")
        elif s.cold_contrast_c is not None and face >= max(COLD_FACE_PIXELS, 2 * self._min_face):
            # A cold room cools the face around the canthi too: allow more contrast there.
            limit = s.cold_contrast_c + s.cold_contrast_slope * max(0.0, ROOM_C - background)
            if contrast > limit:
                issues.add("too_cold")
        return FrameAnalysis(frame.t, people, box, face, None if math.isnan(skin) else skin, used,
                             frozenset(issues), ambient, reference_c)
