"""Turning a finite scene into a recording (edge/recording.py format).

Only the frames that matter are kept: every frame from shortly before a person enters
until a few frames after they leave, plus the first frames of the scene. The empty
stretches between people are skipped (scene time is kept, so card taps and ground truth
stay exact); the frames kept after each person are enough for the lane to see the
presence end. This keeps a 200-person 256x192 recording under 1 GB.
"""
from __future__ import annotations

import logging
import math
from typing import List

import numpy as np

from drivers.thermal.scene import Scene
from drivers.thermal.scene_model import SceneConfig
from edge.recording import Recording

log = logging.getLogger(__name__)

RECORD_FPS = {"p2pro": 4.0, "lepton35": 4.0}  # the native rates make files of several GB
BEFORE_FRAMES = 1
AFTER_FRAMES = 3  # the lane ends a presence after 3 empty frames (lane.leave_frames); 4 are kept
START_FRAMES = 4


def recording_fps(sensor: str, fps: float = 0.0) -> float:
    from drivers.thermal.scene_model import SENSORS
    return fps if fps > 0 else RECORD_FPS.get(sensor, SENSORS[sensor].fps)


def frame_times(scene: Scene, fps: float) -> np.ndarray:
    people = scene.people()
    end = scene.end_time()
    keep: List[np.ndarray] = [np.arange(START_FRAMES)]
    for p in people:
        k0 = max(0, math.floor(p.t_enter * fps) - BEFORE_FRAMES)
        k1 = min(math.ceil(end * fps), math.ceil(p.t_leave * fps) + AFTER_FRAMES)
        keep.append(np.arange(k0, k1 + 1))
    ks = np.unique(np.concatenate(keep))
    return ks / fps


def record(config: SceneConfig, fps: float = 0.0) -> Recording:
    """Render a finite scene (``config.people`` > 0) at ``fps`` (0 = recording_fps)."""
    if config.people <= 0:
        raise ValueError("a recording needs a finite number of people")
    fps = recording_fps(config.sensor, fps)
    scene = Scene(config)
    times = frame_times(scene, fps)
    m = scene.model
    frames = np.empty((len(times), m.height, m.width), np.float32)
    flags = []
    for i, t in enumerate(times):
        frames[i], fl = scene.frame(float(t))
        flags.extend((i, f) for f in sorted(fl))
    meta = {"sensor": m.name, "fps": fps, "sensor_fps": m.fps, "seed": config.seed, "people": config.people,
            "ambient_c": config.ambient_c, "noise_c": m.noise_c, "psf_px": m.psf_px,
            "accuracy": m.accuracy.value, "generator": "gate-edge sim"}
    if config.blackbody_c is not None:
        x, y, w, h = config.blackbody_region()
        meta["blackbody"] = {"x": x, "y": y, "w": w, "h": h, "setpoint_c": config.blackbody_c}
    return Recording(frames=frames, t=times.astype(np.float64),
                     ambient=np.array([scene.ambient(float(t)) for t in times], np.float32),
                     cards=scene.taps(), truth=scene.truth(), flags=flags, meta=meta)
