"""gate-edge calibrate: pairs CSV and blackbody recording -> versioned calibration file."""
from __future__ import annotations

import argparse
import json
import math

import numpy as np
import pytest

from edge.calibration import load_calibration
from edge.commands import calibrate
from edge.recording import Recording, save


def main(argv):
    """The calibrate subcommand as gate-edge runs it (only this one registered)."""
    parser = argparse.ArgumentParser(prog="gate-edge")
    calibrate.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(argv)
    return args.func(args)


def _pairs(path, rows, header="skin_c,clinical_c"):
    path.write_text(header + "\n" + "\n".join(",".join(str(v) for v in r) for r in rows) + "\n")


def test_pairs_give_a_versioned_offset(tmp_path, capsys):
    csv = tmp_path / "pairs.csv"
    _pairs(csv, [(35.5 + 0.1 * i, 36.2 + 0.1 * i) for i in range(6)])
    out = tmp_path / "cal.json"
    assert main(["calibrate", "--pairs", str(csv), "--out", str(out)]) == 0
    cal = load_calibration(str(out))
    assert cal.offset_c == pytest.approx(0.7) and cal.method == "pairs" and cal.n == 6
    assert cal.version.startswith("cal-") and cal.version in capsys.readouterr().out
    assert cal.size_coeff_c == 0.0  # too few pairs for a face-size term


def test_pairs_with_face_sizes_fit_the_size_term(tmp_path):
    rows = []
    for i in range(14):
        face = 600 * (1.25 ** i)
        reading = 36.0 - 0.2 * math.log(3000 / face)  # small faces read low
        rows.append((round(reading, 4), 36.6, round(face)))
    csv = tmp_path / "pairs.csv"
    _pairs(csv, rows, "skin_c,clinical_c,face_pixels")
    out = tmp_path / "cal.json"
    assert main(["calibrate", "--pairs", str(csv), "--out", str(out)]) == 0
    cal = load_calibration(str(out))
    assert cal.size_coeff_c == pytest.approx(0.2, abs=0.02)
    assert cal.offset_c + cal.size_coeff_c * math.log(cal.size_ref_px / 3000) == pytest.approx(0.6, abs=0.03)


@pytest.mark.parametrize("content, message", [
    ("skin_c,clinical_c\n35.5,36.1\n", "at least 3"),
    ("skin_c,temp\n35.5,36.1\n", "clinical_c"),
    ("skin_c,clinical_c\n35.5,36.1\n35.6,abc\n35.5,36.0\n", "pairs.csv:3"),
    ("skin_c,clinical_c\n35.5,36.1\n35.6,30.0\n35.5,36.0\n", "outside 34-43"),
])
def test_bad_pairs_are_refused(tmp_path, capsys, content, message):
    csv = tmp_path / "pairs.csv"
    csv.write_text(content)
    assert main(["calibrate", "--pairs", str(csv), "--out", str(tmp_path / "cal.json")]) == 1
    assert message in capsys.readouterr().err
    assert not (tmp_path / "cal.json").exists()


def test_blackbody_recording(tmp_path):
    rng = np.random.default_rng(2)
    frames = (np.full((30, 48, 64), 21.0) + rng.normal(0, 0.05, (30, 48, 64))).astype(np.float32)
    frames[:, 4:14, 44:58] = 34.7  # the sensor reads the 35.0 source 0.3 low
    rec_path = tmp_path / "bb.npz"
    save(str(rec_path), Recording(frames=frames, t=np.arange(30) / 8.0))
    out = tmp_path / "cal.json"
    assert main(["calibrate", "--blackbody", str(rec_path), "--setpoint", "35", "--region", "47,6,8,6",
                 "--out", str(out)]) == 0
    data = json.loads(out.read_text())
    assert data["method"] == "blackbody"
    assert data["parts"]["sensor_c"] == pytest.approx(0.3, abs=0.02)
    assert data["offset_c"] == pytest.approx(0.3 + data["parts"]["physiological_c"], abs=0.02)
    # without a region the source is found
    assert main(["calibrate", "--blackbody", str(rec_path), "--setpoint", "35", "--out", str(out)]) == 0
    assert json.loads(out.read_text())["parts"]["sensor_c"] == pytest.approx(0.3, abs=0.02)


def test_blackbody_needs_a_setpoint(tmp_path, capsys):
    assert main(["calibrate", "--blackbody", str(tmp_path / "x.npz"), "--out", str(tmp_path / "c.json")]) == 2
    assert "--setpoint" in capsys.readouterr().err
