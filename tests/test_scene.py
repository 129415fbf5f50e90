"""Scene simulator: determinism, ground truth, optics and the scenario knobs."""
from __future__ import annotations

import dataclasses
import os

import numpy as np
import pytest

from drivers.base import FLAG_SHUTTER
from drivers.thermal.scene import Scene
from drivers.thermal.scene_cards import card_id, roster_csv, roster_rows
from drivers.thermal.scene_model import SceneConfig, make_person

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def standing(p) -> float:
    return (p.t_stand + p.t_walk_off) / 2


def test_same_seed_same_frames_in_any_order() -> None:
    cfg = SceneConfig(sensor="lepton35", seed=3, people=4, shutter_every_s=(2.0, 4.0), drift_c_per_min=0.5)
    a, b = Scene(cfg), Scene(cfg)
    times = [0.3, 2.1, 4.4, 6.0, 9.7]
    fa = [a.frame(t)[0] for t in times]
    fb = [b.frame(t)[0] for t in reversed(times)][::-1]
    for x, y in zip(fa, fb):
        assert x.dtype == np.float32 and np.array_equal(x, y)
    other = Scene(dataclasses.replace(cfg, seed=4))
    assert not np.array_equal(fa[2], other.frame(times[2])[0])
    assert a.truth() == b.truth()


def test_ground_truth_is_consistent() -> None:
    scene = Scene(SceneConfig(sensor="mlx90640", seed=2, people=30, fever_rate=0.3))
    truth = scene.truth()
    assert len(truth) == 30
    prev_leave = 0.0
    for i, p in enumerate(truth):
        assert prev_leave < p["t_enter"] < p["t_stand"] < p["t_walk_off"] < p["t_leave"]
        prev_leave = p["t_leave"]
        assert p["card"] == card_id(i)
        if p["fever"]:
            assert 37.5 <= p["core_c"] <= 39.5
        else:
            assert 35.8 <= p["core_c"] <= 37.1
        assert 0.6 <= p["distance_m"] <= 1.0
        assert abs(p["core_c"] - p["skin_offset_c"] - p["canthus_c"]) < 0.002
    for tap, p in zip(scene.taps(), truth):
        assert p["t_enter"] < tap["t"] < p["t_stand"] and tap["id"] == p["card"]


def test_fever_and_card_shares() -> None:
    cfg = SceneConfig(fever_rate=0.2, unknown_card_rate=0.1, no_card_rate=0.05, seed=9)
    people = [make_person(cfg, i, 0.0) for i in range(3000)]
    assert 0.17 < np.mean([p.fever for p in people]) < 0.23
    assert 0.03 < np.mean([p.card is None for p in people]) < 0.07
    unknown = [p for p in people if p.card is not None and not p.card_known]
    assert 0.07 < len(unknown) / len(people) < 0.13
    known_ids = {r[2] for r in roster_rows(3000)}
    assert all(p.card not in known_ids for p in unknown)


def test_face_reads_canthus_on_fine_sensor_and_low_on_coarse() -> None:
    base = SceneConfig(seed=5, people=3, noise_c=0.0, distance_m=(1.0, 1.0))
    readings = {}
    for sensor in ("p2pro", "mlx90640"):
        scene = Scene(dataclasses.replace(base, sensor=sensor))
        p = scene.person(0)
        img = scene.frame(standing(p))[0]
        readings[sensor] = float(img.max()) - p.canthus_c
        assert img.max() <= p.canthus_c + 1e-3  # area averaging never invents heat
    assert -0.6 < readings["p2pro"] <= 0.0
    assert readings["mlx90640"] < readings["p2pro"] - 0.3


def test_nobody_in_view_between_people() -> None:
    scene = Scene(SceneConfig(sensor="lepton35", seed=1, people=3, ambient_c=20.0))
    p0, p1 = scene.person(0), scene.person(1)
    gap = (p0.t_leave + p1.t_enter) / 2
    assert scene.in_view(gap) is None
    assert scene.frame(gap)[0].max() < 22.0
    assert scene.frame(standing(p1))[0].max() > 33.0


def test_blackbody_reads_setpoint_and_drifts_with_the_sensor() -> None:
    cfg = SceneConfig(sensor="p2pro", seed=1, people=2, noise_c=0.0, blackbody_c=35.0, drift_c_per_min=1.2)
    scene = Scene(cfg)
    x, y, w, h = cfg.blackbody_region()
    for t in (0.0, 30.0):
        img = scene.frame(t)[0]
        assert float(np.mean(img[y + 3:y + h - 3, x + 3:x + w - 3])) == pytest.approx(35.0 + 1.2 * t / 60, abs=0.02)


def test_shutter_events_are_flagged() -> None:
    cfg = SceneConfig(sensor="p2pro", seed=1, people=2, shutter_every_s=(5.0, 6.0), shutter_s=0.4)
    scene = Scene(cfg)
    times = np.arange(0, 20, 0.05)
    flagged = [t for t in times if FLAG_SHUTTER in scene.frame(float(t))[1]]
    assert 3 <= len(flagged) <= 3 * 9
    assert not any(FLAG_SHUTTER in Scene(dataclasses.replace(cfg, shutter_every_s=None)).frame(float(t))[1]
                   for t in times[::10])


def test_cold_arrival_hot_cup_and_second_person() -> None:
    cfg = SceneConfig(sensor="p2pro", seed=11, people=2, noise_c=0.0)
    normal = Scene(cfg)
    cold = Scene(dataclasses.replace(cfg, cold_rate=1.0))
    p = normal.person(0)
    assert cold.truth()[0]["cold"] and cold.truth()[0]["cold_deficit_c_at_stand"] > 1.0
    assert cold.frame(standing(p))[0].max() < normal.frame(standing(p))[0].max() - 0.5
    cup = Scene(dataclasses.replace(cfg, hot_object_rate=1.0))
    assert cup.truth()[0]["hot_object"]
    assert cup.frame(standing(p))[0].max() > 50.0
    pair = Scene(dataclasses.replace(cfg, two_people_rate=1.0))
    assert pair.truth()[0]["two_people"]
    img = pair.frame(standing(pair.person(0)))[0]
    warm_cols = np.flatnonzero((img > 32.0).any(axis=0))
    assert warm_cols.max() - warm_cols.min() > img.shape[1] // 4


def test_demo_roster_file_matches_the_generator() -> None:
    rows = roster_rows()
    assert len(rows) == 2000 and rows[0][2] == card_id(0) and rows[-1][2] == card_id(1999)
    with open(os.path.join(ROOT, "config", "roster.demo.csv"), encoding="utf-8") as f:
        assert f.read() == roster_csv()


def test_endless_scene_forgets_who_left_and_stays_the_same_scene() -> None:
    """Weeks of demo must not grow memory: people long gone are dropped, and what is
    still shown (people, taps, shutter events) is what a fresh scene shows."""
    from drivers.thermal import scene as scene_module

    cfg = SceneConfig(sensor="mlx90640", seed=5, people=0, shutter_every_s=(5.0, 8.0))
    long_run, fresh = Scene(cfg), Scene(cfg)
    for t in np.arange(0.0, 4000.0, 2.0):
        long_run.frame(float(t))
    assert len(long_run._people) <= scene_module.KEEP_PEOPLE + 8
    assert len(long_run._shutters) <= scene_module.FORGET_AFTER_S / 5.0 + 3
    for t in (3990.1, 3995.3, 3999.9):
        a, fa = long_run.frame(t)
        b, fb = fresh.frame(t)
        assert np.array_equal(a, b) and fa == fb
    assert long_run.next_tap(3900.0) == fresh.next_tap(3900.0)
    with pytest.raises(IndexError):
        long_run.person(0)
