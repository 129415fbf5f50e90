"""``type: sim`` thermal source: the scene simulator paced in real time.

Scene time 0 is ``open()``; frame k is due at ``open + k / fps`` and carries that
monotonic time. A reader that falls behind skips frames, as a real sensor would.
The card taps of the scene are offered to the ``sim`` card reader (``next_card_tap``).
"""
from __future__ import annotations

import dataclasses
import logging
import math
import threading
import time
from typing import Optional, Tuple

from drivers.base import (
    AccuracyClass,
    BuildContext,
    DeviceState,
    ThermalFrame,
    ThermalSource,
)
from drivers.thermal.scene import Scene
from drivers.thermal.scene_model import SENSORS, SceneConfig
from edge.settings.errors import FieldError
from edge.settings.fields import setting
from edge.settings.suggest import did_you_mean

log = logging.getLogger(__name__)


@dataclasses.dataclass
class Options:
    sensor: str = setting("p2pro", doc="Sensor model: mlx90640 (32x24), lepton35 (160x120) or p2pro (256x192).")
    seed: int = setting(1, min=0, doc="Random seed: the same seed gives the same people and frames.")
    people: int = setting(0, min=0, doc="People who pass; 0 = an endless stream.")
    fever_rate: float = setting(0.05, min=0, max=1, doc="Share of people with a fever (core 37.5-39.5 C).")
    ambient_c: float = setting(22.0, min=-20, max=45, doc="Room temperature (deg C).")
    fps: Optional[float] = setting(None, min=0.1, max=60, doc="Frame rate; empty = the sensor's own.")
    noise_c: Optional[float] = setting(None, min=0.01, max=5, doc="Pixel noise (rms deg C); empty = the sensor's own. "
                                       "Never 0: the lane takes identical frames for a frozen sensor.")
    blur_px: Optional[float] = setting(None, min=0, max=5, doc="Optics blur (Gaussian sigma, pixels); empty = the sensor's own.")
    distance_min_m: float = setting(0.6, min=0.2, max=5, doc="Nearest place people stand (metres).")
    distance_max_m: float = setting(1.0, min=0.2, max=6, doc="Farthest place people stand (metres).")
    gap_min_s: float = setting(1.0, min=0, max=600, doc="Shortest time with nobody in view between two people.")
    gap_max_s: float = setting(4.0, min=0, max=600, doc="Longest time with nobody in view between two people.")
    cold_rate: float = setting(0.0, min=0, max=1, doc="Share of people arriving from the cold (skin several C low).")
    two_people_rate: float = setting(0.0, min=0, max=1, doc="Share of people with a second person beside them.")
    hot_object_rate: float = setting(0.0, min=0, max=1, doc="Share of people holding a hot cup (55-65 C) near the face.")
    shutter: bool = setting(False, doc="Simulate shutter (flat-field) events every 5-60 s, frames flagged 'shutter'.")
    drift_c_per_min: float = setting(0.0, min=-5, max=5, doc="Slow sensor drift (deg C per minute), blackbody included.")
    blackbody_c: Optional[float] = setting(None, min=30, max=42, doc="Blackbody setpoint in view (top right); empty = none.")
    unknown_card_rate: float = setting(0.0, min=0, max=1, doc="Share of people tapping a card that is in no roster.")
    no_card_rate: float = setting(0.0, min=0, max=1, doc="Share of people who tap no card.")

    def __post_init__(self) -> None:
        if self.sensor not in SENSORS:
            raise FieldError([("sensor", f"unknown sensor {self.sensor!r}{did_you_mean(self.sensor, SENSORS)} "
                                         f"(one of {', '.join(sorted(SENSORS))})")])


def scene_config(o: Options) -> SceneConfig:
    return SceneConfig(sensor=o.sensor, seed=o.seed, people=o.people, fps=o.fps, noise_c=o.noise_c,
                       psf_px=o.blur_px, ambient_c=o.ambient_c, fever_rate=o.fever_rate,
                       distance_m=(o.distance_min_m, max(o.distance_min_m, o.distance_max_m)),
                       gap_s=(o.gap_min_s, max(o.gap_min_s, o.gap_max_s)), cold_rate=o.cold_rate,
                       two_people_rate=o.two_people_rate, hot_object_rate=o.hot_object_rate,
                       shutter_every_s=(5.0, 60.0) if o.shutter else None, drift_c_per_min=o.drift_c_per_min,
                       blackbody_c=o.blackbody_c, unknown_card_rate=o.unknown_card_rate, no_card_rate=o.no_card_rate)


class SimThermal(ThermalSource):
    type_name = "sim"
    Options = Options
    accuracy = AccuracyClass.SCREENING
    warmup_minutes = 0.0

    def __init__(self, options: Options, context: BuildContext) -> None:
        super().__init__(options, context)
        self.config = scene_config(options)
        model = self.config.model
        self.accuracy = model.accuracy
        self.nominal_fps = model.fps
        self.scene: Optional[Scene] = None
        self.opened_at: Optional[float] = None
        self._next = 0
        self._lock = threading.Lock()

    def frame_size(self) -> Tuple[int, int]:
        return self.config.model.width, self.config.model.height

    def describe(self) -> str:
        m = self.config.model
        return f"sim {m.name} {m.width}x{m.height} @ {m.fps:g} Hz, seed {self.options.seed}"

    def open(self) -> None:
        with self._lock:
            self.scene = Scene(self.config)
            self.opened_at = time.monotonic()
            self._next = 0
        self._set_state(DeviceState.OK)

    def close(self) -> None:
        self._set_state(DeviceState.DOWN, "closed")

    def read(self, timeout: float) -> Optional[ThermalFrame]:
        if self.state is not DeviceState.OK or self.scene is None or self.opened_at is None:
            time.sleep(max(0.0, timeout))
            return None
        fps = self.config.model.fps
        now = time.monotonic()
        late = math.floor((now - self.opened_at) * fps)
        if late > self._next + 1:  # fell behind: drop frames like a real sensor
            self.count("dropped", late - self._next)
            self._next = late
        due = self.opened_at + self._next / fps
        if due - now > timeout:
            time.sleep(max(0.0, timeout))
            return None
        if due > now:
            time.sleep(due - now)
        t_scene = self._next / fps
        self._next += 1
        with self._lock:
            img, flags = self.scene.frame(t_scene)
        self.count("frames")
        return ThermalFrame(self.opened_at + t_scene, img, self.scene.ambient(t_scene), flags)

    def next_card_tap(self, after: float) -> Optional[Tuple[float, str]]:
        """First card tap of the scene strictly after monotonic time ``after``."""
        if self.scene is None or self.opened_at is None:
            return None
        with self._lock:
            tap = self.scene.next_tap(after - self.opened_at)
        return None if tap is None else (self.opened_at + tap[0], tap[1])
