"""FLIR Lepton 3.x on a PureThermal board over UVC (1e4e:0100).

FourCC ``Y16 ``, 160x120 radiometric TLinear in centikelvin, C = (v - 27315)/100; with
telemetry enabled the frame is 160x122 and the two telemetry rows are stripped
(DESIGN.md section 3). Absolute accuracy is only +-5 C: a reference is required.
"""
from __future__ import annotations

import dataclasses
import time
from typing import Any, Literal, Optional, Tuple

import numpy as np

from drivers.base import AccuracyClass
from drivers.thermal.shutter import ShutterDetector, ShutterOptions
from drivers.thermal.uvc import Decoded, UvcOptions, UvcThermal
from edge.settings.fields import setting

WIDTH, ROWS = 160, 120
TELEMETRY_ROWS = 2


@dataclasses.dataclass
class Options(ShutterOptions, UvcOptions):
    telemetry: Literal["bottom", "top"] = setting(
        "bottom", doc="Where the 2 telemetry rows sit in a 160x122 frame (PureThermal firmware: bottom).")
    mirror: bool = setting(False, doc="Flip left-right.")


def centikelvin_to_celsius(raw: np.ndarray) -> np.ndarray:
    return (raw.astype(np.float32) - np.float32(27315)) / np.float32(100)


def image_rows(frame: np.ndarray, telemetry: str = "bottom") -> Optional[np.ndarray]:
    """The (120, 160) uint16 image of a Y16 frame as OpenCV returns it; telemetry rows stripped."""
    data = np.ascontiguousarray(frame)
    for rows in (ROWS, ROWS + TELEMETRY_ROWS):
        if data.nbytes == rows * WIDTH * 2:
            image = data.reshape(-1).view(np.uint8).view("<u2").reshape(rows, WIDTH)
            if rows == ROWS:
                return image
            return image[TELEMETRY_ROWS:] if telemetry == "top" else image[:ROWS]
    return None


class LeptonUvc(UvcThermal):
    type_name = "lepton_uvc"
    Options = Options
    accuracy = AccuracyClass.REFERENCE_REQUIRED
    nominal_fps = 8.7
    warmup_minutes = 30.0
    fourcc = "Y16 "
    width, height = WIDTH, ROWS

    def frame_size(self) -> Tuple[int, int]:
        return WIDTH, ROWS  # telemetry rows stripped

    def __init__(self, options: Options, context: Any, source_factory: Any = None) -> None:
        super().__init__(options, context, source_factory)
        self.shutter = ShutterDetector(options)

    def decode(self, raw: np.ndarray) -> Optional[Decoded]:
        image = image_rows(raw, self.options.telemetry)
        if image is None:
            return None
        celsius = centikelvin_to_celsius(image)
        if self.options.mirror:
            celsius = np.ascontiguousarray(celsius[:, ::-1])
        return celsius, self.shutter.check(image.tobytes(), celsius, time.monotonic())
