"""Scene simulator, part 1: sensor models, scenario knobs and the people who pass.

Everything here is plain data plus the random draws that make one person. Each person
is drawn from its own generator seeded with ``(seed, index)``, so person 7 is the same
whether a scene is rendered from the start, replayed in part or generated without end.
"""
from __future__ import annotations

import dataclasses
import math
from typing import Optional, Tuple

import numpy as np

from drivers.base import AccuracyClass
from drivers.thermal.scene_cards import card_id, unknown_card_id


@dataclasses.dataclass(frozen=True)
class SensorModel:
    name: str
    width: int
    height: int
    fps: float
    noise_c: float  # temporal noise, rms deg C per pixel and frame
    fov_h_deg: float
    fov_v_deg: float
    psf_px: float  # optics blur, Gaussian sigma in sensor pixels
    accuracy: AccuracyClass
    shutter: bool  # the camera runs periodic flat-field (shutter) calibrations

    @property
    def deg_per_px(self) -> Tuple[float, float]:
        return self.fov_h_deg / self.width, self.fov_v_deg / self.height


SENSORS = {
    "mlx90640": SensorModel("mlx90640", 32, 24, 8.0, 0.25, 55.0, 35.0, 0.5, AccuracyClass.REFERENCE_REQUIRED, False),
    "lepton35": SensorModel("lepton35", 160, 120, 8.7, 0.05, 57.0, 43.0, 0.6, AccuracyClass.REFERENCE_REQUIRED, True),
    "p2pro": SensorModel("p2pro", 256, 192, 25.0, 0.05, 56.0, 42.0, 0.7, AccuracyClass.SCREENING, True),
}


@dataclasses.dataclass
class SceneConfig:
    """Every knob of a scene. Rates are shares of people (0..1); times in seconds."""

    sensor: str = "p2pro"
    seed: int = 0
    people: int = 0  # 0 = endless
    fps: Optional[float] = None  # None = the sensor's own rate
    noise_c: Optional[float] = None  # None = the sensor's own
    psf_px: Optional[float] = None  # None = the sensor's own
    ambient_c: float = 22.0
    fever_rate: float = 0.05
    normal_core: Tuple[float, float] = (36.6, 0.25)  # mean, sd; clipped to normal_clip
    normal_clip: Tuple[float, float] = (35.8, 37.1)
    fever_core: Tuple[float, float] = (37.5, 39.5)  # uniform
    canthus_offset: Tuple[float, float] = (0.40, 0.08)  # core - canthus, mean and sd
    distance_m: Tuple[float, float] = (0.6, 1.0)  # where people stand still
    gap_s: Tuple[float, float] = (1.0, 4.0)  # nobody in view between two people
    approach_s: float = 1.2
    dwell_s: Tuple[float, float] = (1.5, 3.0)
    leave_s: float = 0.8
    cold_rate: float = 0.0
    cold_deficit_c: Tuple[float, float] = (2.5, 3.5)  # forehead below normal right after coming in
    cold_recovery_s: float = 80.0  # time constant: 33.2 -> 35.8 C in 3 min, 36.1 in 5 (DESIGN.md 4)
    cold_indoors_s: Tuple[float, float] = (0.0, 40.0)  # already indoors when reaching the gate
    two_people_rate: float = 0.0
    hot_object_rate: float = 0.0
    hot_object_c: Tuple[float, float] = (55.0, 65.0)
    shutter_every_s: Optional[Tuple[float, float]] = None  # None = no shutter events
    shutter_s: float = 0.4
    drift_c_per_min: float = 0.0
    bias_c: float = 0.0  # constant absolute error of the sensor
    blackbody_c: Optional[float] = None  # setpoint; None = no blackbody in view
    blackbody_box: Optional[Tuple[int, int, int, int]] = None  # x, y, w, h; None = top right
    unknown_card_rate: float = 0.0
    no_card_rate: float = 0.0
    card_tap_s: float = -0.4  # tap time relative to standing still

    @property
    def model(self) -> SensorModel:
        base = SENSORS[self.sensor]
        return dataclasses.replace(
            base, fps=self.fps or base.fps,
            noise_c=base.noise_c if self.noise_c is None else self.noise_c,
            psf_px=base.psf_px if self.psf_px is None else self.psf_px)

    def blackbody_region(self) -> Tuple[int, int, int, int]:
        if self.blackbody_box is not None:
            return self.blackbody_box
        m = self.model
        size = max(3, m.width // 16)
        return m.width - size - max(1, m.width // 40), max(1, m.height // 40), size, size


@dataclasses.dataclass
class Person:
    """One person's plan and physiology. Temperatures in deg C, lengths in metres."""

    index: int
    card: Optional[str]
    card_known: bool
    t_enter: float
    t_stand: float
    t_walk_off: float
    t_leave: float
    t_tap: Optional[float]
    core_c: float
    fever: bool
    canthus_offset_c: float
    forehead_drop_c: float  # below the canthus
    cheek_drop_c: float  # below the forehead
    hair_c: float
    clothes_c: float
    distance_m: float
    x_stand_m: float  # lateral position when standing (+ = right in the image)
    y_face_m: float  # face centre below the sensor's axis (+ = lower)
    side: int  # -1 enters from the left, +1 from the right
    cold: bool
    cold_deficit_c: float  # at t_enter
    cold_indoors_s: float
    hot_object_c: Optional[float]
    companion: Optional["Person"]

    def skin_deficit(self, t: float) -> float:
        if not self.cold:
            return 0.0
        return self.cold_deficit_c * math.exp(-max(0.0, t - self.t_enter) / self.cold_recovery_s)

    cold_recovery_s: float = 80.0

    @property
    def canthus_c(self) -> float:
        return self.core_c - self.canthus_offset_c

    def truth(self) -> dict:
        out = {"t_enter": round(self.t_enter, 4), "t_leave": round(self.t_leave, 4),
               "core_c": round(self.core_c, 3), "card": self.card, "person": self.index,
               "t_stand": round(self.t_stand, 4), "t_walk_off": round(self.t_walk_off, 4),
               "fever": self.fever, "canthus_c": round(self.canthus_c, 3),
               "skin_offset_c": round(self.canthus_offset_c, 3), "distance_m": round(self.distance_m, 3),
               "cold": self.cold, "two_people": self.companion is not None,
               "hot_object": self.hot_object_c is not None, "card_known": self.card_known}
        if self.cold:
            out["cold_deficit_c_at_stand"] = round(self.skin_deficit(self.t_stand), 3)
        if self.hot_object_c is not None:
            out["hot_object_c"] = round(self.hot_object_c, 2)
        return out


def _core(cfg: SceneConfig, rng: np.random.Generator) -> Tuple[float, bool]:
    if rng.random() < cfg.fever_rate:
        return float(rng.uniform(*cfg.fever_core)), True
    return float(np.clip(rng.normal(*cfg.normal_core), *cfg.normal_clip)), False


def _physiology(cfg: SceneConfig, rng: np.random.Generator) -> dict:
    core, fever = _core(cfg, rng)
    # The forehead loses more heat to a cold room than the canthus (DESIGN.md 4).
    ambient_extra = max(0.0, 22.0 - cfg.ambient_c) * 0.06 - max(0.0, cfg.ambient_c - 26.0) * 0.05
    return dict(core_c=core, fever=fever,
                canthus_offset_c=float(max(0.05, rng.normal(*cfg.canthus_offset))),
                forehead_drop_c=float(rng.uniform(0.5, 1.2) + ambient_extra),
                cheek_drop_c=float(rng.uniform(0.6, 1.6) + ambient_extra),
                hair_c=cfg.ambient_c + float(rng.uniform(2.0, 5.0)),
                clothes_c=cfg.ambient_c + float(rng.uniform(1.5, 4.5)))


def make_person(cfg: SceneConfig, index: int, t_enter: float) -> Person:
    rng = np.random.default_rng([cfg.seed, 1, index])
    phys = _physiology(cfg, rng)
    dwell = float(rng.uniform(*cfg.dwell_s))
    t_stand = t_enter + cfg.approach_s
    t_walk_off = t_stand + dwell
    t_leave = t_walk_off + cfg.leave_s
    u_card, u_none = rng.random(), rng.random()
    known = u_card >= cfg.unknown_card_rate
    card: Optional[str] = card_id(index) if known else unknown_card_id(cfg.seed, index)
    if u_none < cfg.no_card_rate:
        card, known = None, False
    cold = rng.random() < cfg.cold_rate
    indoors = float(rng.uniform(*cfg.cold_indoors_s))
    deficit = float(rng.uniform(*cfg.cold_deficit_c)) * math.exp(-indoors / cfg.cold_recovery_s) if cold else 0.0
    hot = float(rng.uniform(*cfg.hot_object_c)) if rng.random() < cfg.hot_object_rate else None
    companion = None
    side = 1 if rng.random() < 0.5 else -1
    if rng.random() < cfg.two_people_rate:
        cphys = _physiology(cfg, rng)
        cdist = float(rng.uniform(*cfg.distance_m)) + float(rng.uniform(0.0, 0.4))
        companion = Person(index=-1, card=None, card_known=False, t_enter=t_enter + 0.3, t_stand=t_stand + 0.3,
                           t_walk_off=t_walk_off - 0.2, t_leave=t_leave - 0.2, t_tap=None,
                           x_stand_m=float(rng.choice([-1, 1]) * rng.uniform(0.3, 0.5)),
                           y_face_m=float(rng.normal(0.0, 0.05)), distance_m=cdist, side=-side, cold=False,
                           cold_deficit_c=0.0, cold_indoors_s=0.0, hot_object_c=None, companion=None, **cphys)
    return Person(index=index, card=card, card_known=known, t_enter=t_enter, t_stand=t_stand,
                  t_walk_off=t_walk_off, t_leave=t_leave,
                  t_tap=None if card is None else t_stand + cfg.card_tap_s,
                  distance_m=float(rng.uniform(*cfg.distance_m)), x_stand_m=float(rng.normal(0.0, 0.04)),
                  y_face_m=float(rng.normal(0.0, 0.05)), side=side, cold=cold, cold_deficit_c=deficit,
                  cold_indoors_s=indoors, hot_object_c=hot, companion=companion,
                  cold_recovery_s=cfg.cold_recovery_s, **phys)


def gap_after(cfg: SceneConfig, index: int) -> float:
    """Seconds with nobody in view after person ``index`` (before person 0: index -1)."""
    return float(np.random.default_rng([cfg.seed, 2, index + 1]).uniform(*cfg.gap_s))
