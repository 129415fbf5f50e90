"""InfiRay P2 / P2 Pro / Topdon TC001 over UVC (USB 0bda:5830 for the P2 Pro).

256x384 YUYV at 25 fps: the top 256x192 is a display image, the bottom 256x192 is raw
uint16 LE in 1/64 K, C = raw/64 - 273.15 (DESIGN.md section 3). Valid in the default
high-gain range (-20..150 C); frames around the shutter calibration carry FLAG_SHUTTER.
"""
from __future__ import annotations

import dataclasses
import logging
import time
from typing import Any, Optional, Tuple

import numpy as np

from drivers.base import AccuracyClass
from drivers.thermal.shutter import ShutterDetector, ShutterOptions
from drivers.thermal.uvc import Decoded, UvcOptions, UvcThermal, raw_bytes
from edge.settings.fields import setting

log = logging.getLogger(__name__)

WIDTH, HEIGHT = 256, 384  # as UVC negotiates it: two stacked 256x192 halves
RAW_ROWS = 192
FRAME_BYTES = WIDTH * HEIGHT * 2
RAW_OFFSET = RAW_ROWS * WIDTH * 2
HIGH_GAIN_C = (-20.0, 150.0)


@dataclasses.dataclass
class Options(ShutterOptions, UvcOptions):
    mirror: bool = setting(False, doc="Flip left-right (camera looking through a mirror or mounted reversed).")


def raw_to_celsius(raw: np.ndarray) -> np.ndarray:
    """1/64 K uint16 -> C float32."""
    return raw.astype(np.float32) * np.float32(1 / 64) - np.float32(273.15)


def thermal_half(frame: np.ndarray) -> Optional[np.ndarray]:
    """The bottom-half raw (192, 256) uint16 of a frame as OpenCV returns it (flat or shaped)."""
    data = raw_bytes(frame, FRAME_BYTES)
    if data is None:
        return None
    return data[RAW_OFFSET:].view("<u2").reshape(RAW_ROWS, WIDTH)


class P2ProUvc(UvcThermal):
    type_name = "p2pro_uvc"
    Options = Options
    accuracy = AccuracyClass.SCREENING
    nominal_fps = 25.0
    warmup_minutes = 30.0
    fourcc = "YUYV"
    width, height = WIDTH, HEIGHT

    def frame_size(self) -> Tuple[int, int]:
        return WIDTH, RAW_ROWS  # the raw bottom half

    def __init__(self, options: Options, context: Any, source_factory: Any = None) -> None:
        super().__init__(options, context, source_factory)
        self.shutter = ShutterDetector(options)
        self._range_warned = False

    def decode(self, raw: np.ndarray) -> Optional[Decoded]:
        half = thermal_half(raw)
        if half is None:
            return None
        celsius = raw_to_celsius(half)
        if self.options.mirror:
            celsius = celsius[:, ::-1]
        low, high = HIGH_GAIN_C
        median = float(np.median(celsius[::8, ::8]))
        if not low <= median <= high:
            # A scene median outside the high-gain range means low-gain mode or a
            # different layout, not a hot object: such frames are not temperatures.
            self.count("out_of_range")
            if not self._range_warned:
                log.warning("p2pro: scene median %.1f C outside the high-gain range %s; camera in low-gain mode?",
                            median, HIGH_GAIN_C)
                self._range_warned = True
            return None
        flags = self.shutter.check(half.tobytes(), celsius, time.monotonic())
        return np.ascontiguousarray(celsius), flags
