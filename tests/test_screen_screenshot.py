"""``gate-edge screenshot``: canned states and recordings to PNG."""
from __future__ import annotations

import argparse

import cv2
import numpy as np
import pytest

from edge.commands import screenshot
from edge.screen.canned import canned_view, recording_frame, synthetic_frame


def run(*argv: str) -> int:
    parser = argparse.ArgumentParser()
    screenshot.register(parser.add_subparsers())
    args = parser.parse_args(["screenshot", *argv])
    return args.func(args)


@pytest.mark.parametrize("state,size", [("fever", "800x480"), ("warmup", "1920x1080"), ("deny", None)])
def test_writes_png_of_the_state(tmp_path, state, size) -> None:
    out = tmp_path / f"{state}.png"
    argv = ["--state", state, "--out", str(out)] + (["--size", size] if size else [])
    assert run(*argv) == 0
    image = cv2.imread(str(out))
    w, h = (int(v) for v in (size or "1024x600").split("x"))
    assert image.shape == (h, w, 3)


def test_from_a_recording(tmp_path) -> None:
    cold, _ = synthetic_frame(30.0, (24, 32))
    warm, _ = synthetic_frame(37.5, (24, 32))
    rec = tmp_path / "rec.npz"
    np.savez(rec, frames=np.stack([cold, warm, cold]).astype(np.float32), t=np.arange(3, dtype=np.float64))
    frame, box = recording_frame(str(rec))
    assert np.array_equal(frame, warm) and box is not None and box[2] > 0
    assert canned_view("pass", (frame, box)).thermal is frame
    assert run("--state", "pass", "--out", str(tmp_path / "p.png"), "--recording", str(rec)) == 0


def test_bad_input_is_exit_2(tmp_path, capsys) -> None:
    bad = tmp_path / "bad.npz"
    np.savez(bad, t=np.arange(3))
    assert run("--state", "pass", "--out", str(tmp_path / "x.png"), "--recording", str(bad)) == 2
    assert run("--state", "pass", "--out", str(tmp_path / "x.png"), "--size", "tiny") == 2
    assert "WIDTHxHEIGHT" in capsys.readouterr().err
    assert run("--state", "pass", "--out", str(tmp_path / "nodir" / "x.png")) == 1
    assert run("--state", "pass", "--out", str(tmp_path / "x")) == 1  # (no extension: OpenCV raised)
    assert capsys.readouterr().err.count("is the extension .png and the folder there?") == 2
