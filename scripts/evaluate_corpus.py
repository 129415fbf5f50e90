"""The evaluation corpus: sensor classes, conditions and recordings with ground truth.

Recordings come from the scene simulator (drivers/thermal/scene.py). Every sensor class
gets a calibration recording (normal conditions, its own seed) and one recording per
condition. Between calibration and test the sensor's absolute error moves by up to its
accuracy class (day-to-day drift in the field): a blackbody corrects that, nothing else does.
"""
from __future__ import annotations

import dataclasses
from typing import Dict, Optional, Tuple

import numpy as np

from drivers.base import AccuracyClass
from drivers.thermal.scene import Scene
from drivers.thermal.scene_model import SENSORS as MODELS
from drivers.thermal.scene_model import SceneConfig
from edge.settings.screening import BlackbodySettings, ScreeningSettings

from evaluate_run import Rec  # type: ignore[import-not-found]

BB_SETPOINT_C = 35.0
FEVER_RATE = 0.3  # enough febrile people per recording for a sensitivity figure


@dataclasses.dataclass(frozen=True)
class Sensor:
    label: str
    model: str  # scene simulator sensor
    error_c: float  # how far the absolute error may move between calibration and use
    blackbody: bool  # the evaluated installation has a blackbody in view
    threshold_mode: str = "absolute"

    @property
    def accuracy(self) -> AccuracyClass:
        return MODELS[self.model].accuracy


SENSORS: Dict[str, Sensor] = {
    "p2pro": Sensor("p2pro 256x192 + blackbody", "p2pro", 0.3, True),
    "lepton35": Sensor("lepton35 160x120 + blackbody", "lepton35", 2.0, True),
    "mlx90640": Sensor("mlx90640 32x24, no reference", "mlx90640", 1.0, False),
    "mlx90640-rel": Sensor("mlx90640 32x24, relative threshold", "mlx90640", 1.0, False, "relative"),
}

SENSORS_BY_MODEL = {spec.model: spec.error_c for spec in SENSORS.values()}

# condition -> scene knobs on top of the defaults; "normal" is where retry must stay <= 5 %
CONDITIONS: Dict[str, Dict[str, object]] = {
    "normal": {},
    "ambient 0 C": {"ambient_c": 0.0},
    "ambient 10 C": {"ambient_c": 10.0},
    "ambient 30 C": {"ambient_c": 30.0},
    "cold arrival": {"cold_rate": 1.0},
    "far 1.5-2.5 m": {"distance_m": (1.5, 2.5)},
    "two people": {"two_people_rate": 1.0},
    "hot objects": {"hot_object_rate": 1.0},
    "shutter": {"shutter_every_s": (2.0, 5.0)},
    "drift": {"drift_c_per_min": 0.5},
}

#: Conditions a sensor class cannot have (the MLX90640 has no shutter).
NOT_APPLICABLE = {("mlx90640", "shutter"), ("mlx90640-rel", "shutter")}


def scene_config(sensor: str, condition: str, people: int, seed: int, bias_c: float) -> SceneConfig:
    spec = SENSORS[sensor]
    knobs = dict(CONDITIONS[condition])
    cfg = SceneConfig(sensor=spec.model, seed=seed, people=people, fever_rate=FEVER_RATE, gap_s=(0.8, 2.0),
                      bias_c=bias_c, blackbody_c=BB_SETPOINT_C if spec.blackbody else None, **knobs)  # type: ignore[arg-type]
    return cfg


def blackbody_settings(cfg: SceneConfig) -> BlackbodySettings:
    x, y, w, h = cfg.blackbody_region()
    m = max(1, w // 4)  # the inner part: the source's edges blur into the wall
    # The reference may read as far off as the sensor's own error before it counts as missing.
    tolerance = max(3.0, 2.0 * SENSORS_BY_MODEL.get(cfg.sensor, 1.5))
    return BlackbodySettings(x=x + m, y=y + m, w=w - 2 * m, h=h - 2 * m, setpoint_c=BB_SETPOINT_C, tolerance_c=tolerance)


def pipeline_settings(sensor: str, offset_c: float = 0.0, calibration_file: Optional[str] = None,
                      ) -> Tuple[ScreeningSettings, AccuracyClass]:
    spec = SENSORS[sensor]
    cfg = scene_config(sensor, "normal", 1, 0, 0.0)
    settings = ScreeningSettings(offset_c=offset_c, calibration_file=calibration_file,
                                 blackbody=blackbody_settings(cfg) if spec.blackbody else None,
                                 threshold_mode=spec.threshold_mode)  # type: ignore[arg-type]
    return settings, spec.accuracy


def test_bias(sensor: str, seed: int) -> float:
    """The sensor's absolute error on the day of a test recording (calibration day: 0)."""
    return float(np.random.default_rng([seed, 77]).uniform(-1.0, 1.0)) * SENSORS[sensor].error_c


def make_recording(sensor: str, condition: str, people: int, seed: int, bias_c: Optional[float] = None) -> Rec:
    cfg = scene_config(sensor, condition, people, seed, test_bias(sensor, seed) if bias_c is None else bias_c)
    scene = Scene(cfg)
    fps = scene.model.fps
    n = int(scene.end_time() * fps)
    frames = np.empty((n, scene.model.height, scene.model.width), dtype=np.float32)
    flags = []
    times = np.arange(n) / fps
    for i, t in enumerate(times):
        frames[i], f = scene.frame(float(t))
        flags.append(f)
    ambient = np.full(n, cfg.ambient_c, dtype=np.float32)
    return Rec(frames, times, scene.truth(), ambient, flags)
