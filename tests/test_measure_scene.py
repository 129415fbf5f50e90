"""FrameAnalyzer on scene-simulator frames: presence as the lane sees it, per sensor class."""
from __future__ import annotations

import pytest

from drivers.base import ThermalFrame
from drivers.thermal.scene import Scene
from drivers.thermal.scene_model import SceneConfig
from edge.measure import FrameAnalyzer
from edge.settings.screening import BlackbodySettings, ScreeningSettings


def _analyzer(scene: Scene) -> FrameAnalyzer:
    x, y, w, h = scene.config.blackbody_region()
    bb = BlackbodySettings(x=x + 1, y=y + 1, w=max(1, w - 2), h=max(1, h - 2), setpoint_c=35.0)
    return FrameAnalyzer(ScreeningSettings(blackbody=bb), scene.model.accuracy)


@pytest.mark.parametrize("sensor", ["p2pro", "lepton35", "mlx90640"])
@pytest.mark.parametrize("ambient", [0.0, 22.0, 30.0])
def test_presence_follows_the_people(sensor, ambient):
    scene = Scene(SceneConfig(sensor=sensor, people=2, seed=4, ambient_c=ambient, blackbody_c=35.0))
    analyzer = _analyzer(scene)
    first, second = scene.people()
    for t in (first.t_enter - 0.3, (first.t_leave + second.t_enter) / 2):  # nobody in view
        fa = analyzer.analyze(ThermalFrame(t, scene.frame(t)[0], ambient))
        assert fa.people == 0 and "reference_missing" not in fa.issues
    for p in (first, second):
        t = (p.t_stand + p.t_walk_off) / 2
        fa = analyzer.analyze(ThermalFrame(t, scene.frame(t)[0], ambient))
        assert fa.people == 1, (sensor, ambient, fa)
        # 32x24 pixels mix the canthus with cold skin: readings are far lower in a cold room.
        assert fa.skin_c is not None and abs(fa.skin_c - p.canthus_c) < (3.0 if sensor == "mlx90640" else 1.0)


def test_companion_is_several_people_and_shutter_is_flagged():
    scene = Scene(SceneConfig(sensor="p2pro", people=1, seed=2, two_people_rate=1.0, blackbody_c=35.0,
                              shutter_every_s=(1.0, 1.0), shutter_s=0.4))
    analyzer = _analyzer(scene)
    p = scene.people()[0]
    seen = {"several_people": 0, "shutter": 0}
    t = p.t_stand + 0.3
    while t < p.t_walk_off - 0.3:
        img, flags = scene.frame(t)
        fa = analyzer.analyze(ThermalFrame(t, img, 22.0, flags))
        for issue in seen:
            seen[issue] += issue in fa.issues
        t += 0.04
    assert seen["several_people"] > 0 and seen["shutter"] > 0
