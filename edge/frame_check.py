"""Frames no real sensor sends: a frozen module repeating its last frame, a frame of one
value everywhere, a frame of sentinel words. They arrive on time and carry a valid checksum,
so without this look the lane would count the sensor as working: a person in a frozen
frame stays "in view" and measured, and the next card takes that stale reading (a PASS
for someone the gate never saw). The lane treats them as no frame at all, so a sensor that
sends only these goes DOWN after lane.thermal_silence_s and the guard screens by hand.

A brief freeze is normal (a Lepton's or P2 Pro's shutter holds the image for well under a
second); the silence timeout is what separates it from a hung sensor.
"""
from __future__ import annotations

import collections
from typing import Deque, Optional

import numpy as np

from drivers.base import ThermalFrame

#: Readings outside this range are no scene a gate sees (int16 sentinels, unscaled raw words).
PLAUSIBLE_C = (-40.0, 300.0)
#: A frame with more than this share of its pixels implausible is not a picture.
MAX_IMPLAUSIBLE_SHARE = 0.5


#: Frames looked back on for a repeat: a hung module may cycle through a few buffers.
RECENT = 4


class FrameCheck:
    def __init__(self) -> None:
        self._recent: Deque[np.ndarray] = collections.deque(maxlen=RECENT)

    def problem(self, frame: ThermalFrame) -> Optional[str]:
        """Why ``frame`` is not a picture of the scene, or None when it may be one."""
        pixels = frame.celsius
        repeat = any(p.shape == pixels.shape and np.array_equal(p, pixels) for p in self._recent)
        self._recent.append(pixels)
        if repeat:
            return "frozen: the same frame again"
        low, high = PLAUSIBLE_C
        with np.errstate(invalid="ignore"):
            usable = np.isfinite(pixels) & (pixels >= low) & (pixels <= high)
        if usable.mean() < 1.0 - MAX_IMPLAUSIBLE_SHARE:
            return f"implausible: most pixels outside {low:g}..{high:g} C"
        values = pixels[usable]
        if values.size and float(values.max()) == float(values.min()):
            return "implausible: one value everywhere"
        return None
