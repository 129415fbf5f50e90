"""Detects shutter / flat-field (NUC) events in a radiometric stream.

Cameras with a shutter (InfiRay P2, Lepton) recalibrate every few seconds to a minute
and do not say so in the UVC stream. Around the event the stream shows one of:

* a frozen image: the same raw frame repeated while the shutter is closed;
* a flat field: the closed shutter suddenly fills the view with one uniform
  temperature (a scene that is flat all along, an empty plain wall, is no event);
* a global step: after the correction every pixel moves by about the same offset.

A person walking in changes only part of the image, so the step test asks that almost
all pixels moved together. Flagged frames and a short hold-off after them carry
``FLAG_SHUTTER`` so screening skips them. The statistics use a 1-in-16 pixel sample:
this runs at 25 fps on a Pi.
"""
from __future__ import annotations

import dataclasses
from typing import FrozenSet, Optional

import numpy as np

from drivers.base import FLAG_SHUTTER
from edge.settings.fields import setting

_NONE: FrozenSet[str] = frozenset()
_SHUTTER: FrozenSet[str] = frozenset({FLAG_SHUTTER})


@dataclasses.dataclass
class ShutterOptions:
    shutter_detect: bool = setting(True, doc="Flag frames around shutter/flat-field events (screening skips them).")
    shutter_holdoff: float = setting(1.0, min=0.0, max=10.0,
                                     doc="Seconds after a shutter event whose frames are still flagged.")
    shutter_flat_c: float = setting(0.15, min=0.0, max=5.0,
                                    doc="A frame whose pixel spread (std, C) is below this is the closed shutter.")
    shutter_step_c: float = setting(0.6, min=0.05, max=20.0,
                                    doc="A global offset (C) between two frames above this is a recalibration step.")


class ShutterDetector:
    #: Share of pixels that must move together for a global step.
    STEP_SHARE = 0.9

    def __init__(self, options: ShutterOptions) -> None:
        self.options = options
        self._prev_raw: Optional[bytes] = None
        self._prev_sample: Optional[np.ndarray] = None
        self._prev_std = 0.0
        self._hold_until = -1.0
        self.events = 0

    def check(self, raw: bytes, celsius: np.ndarray, t: float) -> FrozenSet[str]:
        """Flags for the frame with raw bytes ``raw`` and image ``celsius`` at time ``t``."""
        opts = self.options
        if not opts.shutter_detect:
            return _NONE
        sample = celsius[::4, ::4]
        event = self._event(raw, sample)
        self._prev_raw, self._prev_sample = raw, sample
        if event:
            self.events += 1
            self._hold_until = t + opts.shutter_holdoff
            return _SHUTTER
        return _SHUTTER if t <= self._hold_until else _NONE

    def _event(self, raw: bytes, sample: np.ndarray) -> bool:
        if self._prev_raw is not None and raw == self._prev_raw:
            return True  # frozen while the shutter is closed
        std, prev_std = float(sample.std()), self._prev_std
        self._prev_std = std
        if std < self.options.shutter_flat_c and prev_std >= 2 * self.options.shutter_flat_c:
            return True
        prev = self._prev_sample
        if prev is None or prev.shape != sample.shape:
            return False
        diff = sample - prev
        offset = float(np.median(diff))
        if abs(offset) < self.options.shutter_step_c:
            return False
        together = np.abs(diff - offset) < self.options.shutter_step_c / 2
        return float(together.mean()) >= self.STEP_SHARE
