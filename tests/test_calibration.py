"""Calibration files and offset fitting."""
from __future__ import annotations

import datetime
import json

import numpy as np
import pytest

from edge.calibration import (CalibrationError, load_calibration, new_calibration, offset_from_pairs,
                              reference_reading, save_calibration)


def test_round_trip_with_version(tmp_path):
    now = datetime.datetime(2026, 11, 28, 16, 40, tzinfo=datetime.timezone.utc)
    cal = new_calibration(0.6234, "pairs", 12, 0.18, "pairs.csv", now=now)
    assert cal.version.startswith("cal-20261128T164000Z-")
    path = tmp_path / "cal.json"
    save_calibration(cal, str(path))
    loaded = load_calibration(str(path))
    assert loaded == cal
    assert json.loads(path.read_text())["format"] == 1
    other = new_calibration(0.7, "pairs", 12, 0.18, "pairs.csv", now=now)
    assert other.version != cal.version


@pytest.mark.parametrize("content, message", [
    ("{", "invalid JSON"),
    ('{"offset_c": 1}', "format"),
    ('{"format": 1, "offset_c": "x", "version": "v"}', "offset_c"),
    ('{"format": 1, "offset_c": 9, "version": "v"}', "outside"),
])
def test_bad_files_are_refused_with_a_message(tmp_path, content, message):
    path = tmp_path / "cal.json"
    path.write_text(content)
    with pytest.raises(CalibrationError, match=message):
        load_calibration(str(path))


@pytest.mark.parametrize("field,value", [("offset_c", 1.4), ("size_coeff_c", 0.3), ("ambient_coeff_c", 0.05),
                                         ("created", "2026-11-29T08:00:00Z"), ("method", "blackbody")])
def test_a_file_edited_by_hand_is_refused(tmp_path, field, value):
    """A changed offset must not go into the records under the old calibration's version."""
    cal = new_calibration(0.6234, "pairs", 24, 0.18, "pairs.csv", size_coeff_c=0.12, size_ref_px=410.37,
                          ambient_coeff_c=0.021)
    path = tmp_path / "cal.json"
    save_calibration(cal, str(path))
    assert load_calibration(str(path)) == cal
    data = json.loads(path.read_text())
    data[field] = value
    path.write_text(json.dumps(data))
    with pytest.raises(CalibrationError, match=f"do not match its version {cal.version}"):
        load_calibration(str(path))


def test_missing_file(tmp_path):
    with pytest.raises(CalibrationError, match="cannot read"):
        load_calibration(str(tmp_path / "nope.json"))


def test_offset_from_pairs_is_robust_to_one_misreading():
    bases = [35.0, 35.2, 34.9, 35.1, 35.0]
    clinical = [36.5, 36.7, 36.4, 36.6, 39.9]  # last one misread
    offset, residual = offset_from_pairs(bases, clinical)
    assert offset == pytest.approx(1.5)
    assert residual > 0.5
    with pytest.raises(CalibrationError):
        offset_from_pairs([35.0, 35.1], [36.5, 36.6])


def _blackbody_frames(reading: float, n: int = 20) -> np.ndarray:
    rng = np.random.default_rng(1)
    frames = np.full((n, 48, 64), 21.0, dtype=np.float32) + rng.normal(0, 0.05, (n, 48, 64)).astype(np.float32)
    frames[:, 5:15, 40:56] = reading + rng.normal(0, 0.03, (n, 10, 16))
    return frames


def test_reference_reading_with_region_and_found():
    frames = _blackbody_frames(34.6)
    value, sd, region = reference_reading(frames, 35.0, (42, 7, 8, 4))
    assert value == pytest.approx(34.6, abs=0.03) and sd < 0.05 and region == (42, 7, 8, 4)
    value, _, (x, y, w, h) = reference_reading(frames, 35.0)
    assert value == pytest.approx(34.6, abs=0.03)
    assert 40 <= x and x + w <= 56 and 5 <= y and y + h <= 15
    with pytest.raises(CalibrationError, match="no steady area"):
        reference_reading(frames, 40.0)
    with pytest.raises(CalibrationError, match="outside"):
        reference_reading(frames, 35.0, (60, 0, 10, 10))


def test_fit_pairs_finds_size_and_ambient_terms():
    import math

    from edge.calibration import fit_pairs

    rng = np.random.default_rng(5)
    bases, clinical, faces, ambients = [], [], [], []
    for i in range(40):
        face = float(rng.uniform(500, 4000))
        ambient = 22.0 if i % 2 else 8.0
        core = float(rng.uniform(36.2, 37.0))
        reading = core - 0.6 - 0.15 * math.log(2000 / face) - 0.03 * (22.0 - ambient) + float(rng.normal(0, 0.02))
        bases.append(reading)
        clinical.append(core)
        faces.append(face)
        ambients.append(ambient)
    fit = fit_pairs(bases, clinical, faces, ambients)
    assert fit.size_coeff_c == pytest.approx(0.15, abs=0.03)
    assert fit.ambient_coeff_c == pytest.approx(0.03, abs=0.01)
    assert fit.residual_sd_c < 0.05
    # one room temperature only: no ambient term
    assert fit_pairs(bases[1::2], clinical[1::2], faces[1::2], ambients[1::2]).ambient_coeff_c is None
