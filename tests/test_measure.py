"""FrameAnalyzer on synthetic frames: people count, face, hotspot and the per-frame gates."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from drivers.base import FLAG_SHUTTER, AccuracyClass, ThermalFrame
from edge.measure import FrameAnalyzer
from edge.measure_synth import Person, frame
from edge.settings.screening import BlackbodySettings, ScreeningSettings

P2PRO, LEPTON, MLX = (192, 256), (120, 160), (24, 32)


def analyzer(**kw: object) -> FrameAnalyzer:
    return FrameAnalyzer(ScreeningSettings(**kw), AccuracyClass.SCREENING)  # type: ignore[arg-type]


@pytest.mark.parametrize("shape", [P2PRO, LEPTON, MLX])
@pytest.mark.parametrize("ambient", [0.0, 20.0, 30.0])
def test_empty_scene_has_nobody(shape, ambient):
    fa = analyzer().analyze(frame(shape, [], ambient_c=ambient, seed=3))
    assert fa.people == 0 and not fa.present
    assert fa.skin_c is None and fa.face_box is None


@pytest.mark.parametrize("shape", [P2PRO, LEPTON, MLX])
@pytest.mark.parametrize("ambient", [0.0, 20.0, 30.0])
def test_one_person_at_one_metre_reads_near_the_canthus(shape, ambient):
    fa = analyzer().analyze(frame(shape, [Person(canthus_c=35.9, distance_m=1.0)], ambient_c=ambient))
    assert fa.people == 1
    assert fa.issues == frozenset()
    assert fa.skin_c is not None and 34.9 <= fa.skin_c <= 36.1
    x, y, w, h = fa.face_box
    assert 0 <= x < shape[1] and 0 <= y < shape[0] and w > 0 and h > 0
    assert w <= 1.5 * h  # a face-shaped box around the head, not the shoulders' width
    assert fa.skin_n >= 1 and fa.face_pixels >= fa.skin_n


def test_far_person_is_present_but_too_far():
    fa = analyzer().analyze(frame(P2PRO, [Person(distance_m=4.0)]))
    assert fa.people == 1 and "too_far" in fa.issues


def test_min_face_pixels_setting_overrides_the_resolution_default():
    assert "too_far" not in analyzer(min_face_pixels=50).analyze(frame(P2PRO, [Person(distance_m=4.0)])).issues


def test_person_filling_the_frame_is_too_close():
    fa = analyzer().analyze(frame(MLX, [Person(distance_m=0.5)]))
    assert fa.people >= 1 and "too_close" in fa.issues


@pytest.mark.parametrize("shape", [P2PRO, LEPTON, MLX])
def test_two_people_side_by_side(shape):
    fa = analyzer().analyze(frame(shape, [Person(x_frac=0.3), Person(x_frac=0.72, canthus_c=36.4)]))
    assert fa.people == 2 and "several_people" in fa.issues


def test_single_hot_pixel_does_not_move_the_reading():
    an = analyzer()
    clean = frame(P2PRO, [Person(canthus_c=36.0)])
    fa0 = an.analyze(clean)
    x, y, w, h = fa0.face_box
    img = clean.celsius.copy()
    img[y + h // 2, x + w // 2] = 45.0
    fa1 = an.analyze(dataclasses.replace(clean, celsius=img))
    assert abs(fa1.skin_c - fa0.skin_c) < 0.3


def test_hot_object_alone_is_not_a_person():
    an = analyzer()
    assert an.analyze(frame(P2PRO, [], hot_object=(0.2, 0.7, 65.0))).people == 0


def test_hot_cup_at_the_face_does_not_raise_the_reading():
    an = analyzer()
    clean = an.analyze(frame(P2PRO, [Person(canthus_c=36.0)]))
    fa = an.analyze(frame(P2PRO, [Person(canthus_c=36.0)], hot_object=(0.56, 0.36, 65.0)))
    assert fa.people == 1 and fa.skin_c is not None
    assert abs(fa.skin_c - clean.skin_c) < 0.3


def test_cold_face_with_warm_canthi_is_too_cold():
    an = analyzer()
    assert "too_cold" not in an.analyze(frame(P2PRO, [Person(canthus_c=36.0, face_drop_c=1.2)])).issues
    fa = an.analyze(frame(P2PRO, [Person(canthus_c=35.5, face_drop_c=4.5)]))
    assert fa.people == 1 and "too_cold" in fa.issues
    assert "too_cold" not in analyzer(cold_contrast_c=None).analyze(frame(P2PRO, [Person(canthus_c=35.5, face_drop_c=4.5)])).issues


def test_shutter_flag_is_an_issue():
    fa = analyzer().analyze(frame(P2PRO, [Person()], flags=[FLAG_SHUTTER]))
    assert fa.people == 1 and "shutter" in fa.issues


def test_float64_frames_are_accepted():
    f = frame(LEPTON, [Person()])
    fa = analyzer().analyze(ThermalFrame(f.t, f.celsius.astype(np.float64)))
    assert fa.people == 1 and fa.skin_c is not None


def _with_blackbody(img: np.ndarray, value: float) -> np.ndarray:
    img = img.copy()
    img[10:22, 230:246] = value
    return img


BB = BlackbodySettings(x=232, y=12, w=12, h=8, setpoint_c=35.0)


def test_blackbody_region_is_read_and_not_counted_as_a_person():
    an = analyzer(blackbody=BB)
    empty = frame(P2PRO, [])
    fa = an.analyze(dataclasses.replace(empty, celsius=_with_blackbody(empty.celsius, 34.6)))
    assert fa.people == 0 and "reference_missing" not in fa.issues
    assert fa.reference_c == pytest.approx(34.6, abs=0.05)


def test_missing_or_jumping_blackbody_is_flagged():
    an = analyzer(blackbody=BB)
    f = frame(P2PRO, [Person()])
    assert "reference_missing" in an.analyze(f).issues  # region at ambient: source off
    an.analyze(dataclasses.replace(f, celsius=_with_blackbody(f.celsius, 35.0)))
    jumped = an.analyze(dataclasses.replace(f, celsius=_with_blackbody(f.celsius, 36.5)))
    assert "reference_missing" in jumped.issues
