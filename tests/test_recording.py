"""The public recording format: round trip, validation, event merge, `gate-edge sim`."""
from __future__ import annotations

import argparse
import json

import numpy as np
import pytest

from drivers.base import FLAG_SHUTTER, CardEvent, ThermalFrame
from drivers.thermal.scene_model import SceneConfig
from drivers.thermal.scene_record import record
from edge.commands import sim as sim_command
from edge.recording import Recording, RecordingError, events, load, save


@pytest.fixture(scope="module")
def small() -> Recording:
    return record(SceneConfig(sensor="mlx90640", seed=4, people=6, fever_rate=0.5,
                              shutter_every_s=(3.0, 5.0), blackbody_c=35.0))


def test_round_trip(tmp_path, small: Recording) -> None:
    path = str(tmp_path / "r.npz")
    save(path, small)
    back = load(path)
    assert back.frames.dtype == np.float32 and back.frames.shape == (len(small), 24, 32)
    assert back.t.dtype == np.float64 and np.array_equal(back.t, small.t)
    assert np.array_equal(back.frames, small.frames) and np.array_equal(back.ambient, small.ambient)
    assert back.truth == small.truth and back.cards == small.cards and back.meta == small.meta
    assert back.flags == [tuple(f) for f in small.flags] and any(f == FLAG_SHUTTER for _, f in back.flags)
    with np.load(path) as raw:  # the contract: plain keys, JSON strings
        assert set(raw.files) == {"frames", "t", "ambient", "cards", "truth", "flags", "meta"}
        assert json.loads(str(raw["truth"][()]))[0]["card"] == "2000000000"


def test_same_seed_same_recording() -> None:
    cfg = SceneConfig(sensor="mlx90640", seed=8, people=3)
    a, b = record(cfg), record(cfg)
    assert np.array_equal(a.frames, b.frames) and np.array_equal(a.t, b.t) and a.truth == b.truth


def test_recording_keeps_every_presence(small: Recording) -> None:
    fps = small.meta["fps"]
    for p in small.truth:
        inside = small.t[(small.t >= p["t_enter"]) & (small.t <= p["t_leave"])]
        assert len(inside) >= int((p["t_leave"] - p["t_enter"]) * fps) - 1
        after = small.t[small.t > p["t_leave"]]
        assert len(after) >= 3  # the lane needs empty frames to end the presence


def test_events_merge_cards_and_frames_in_time_order(small: Recording) -> None:
    evs = list(events(small))
    frames = [e for e in evs if isinstance(e, ThermalFrame)]
    cards = [e for e in evs if isinstance(e, CardEvent)]
    assert len(frames) == len(small) and len(cards) == len(small.cards)
    assert all(c.reader == "replay" for c in cards)
    assert [c.card_id for c in cards] == [p["card"] for p in small.truth]
    ts = [e.t for e in evs]
    assert ts == sorted(ts)
    assert sum(FLAG_SHUTTER in f.flags for f in frames) == len(small.flags)


def _write(path, **arrays) -> str:
    np.savez(path, **arrays)
    return str(path)


@pytest.mark.parametrize("arrays, message", [
    ({"t": np.zeros(2)}, "missing 'frames'"),
    ({"frames": np.zeros((2, 3, 4), np.float32)}, "missing 't'"),
    ({"frames": np.zeros((3, 4), np.float32), "t": np.zeros(3)}, "(N,H,W)"),
    ({"frames": np.zeros((2, 3, 4), np.int16), "t": np.arange(2.0)}, "float32"),
    ({"frames": np.zeros((2, 3, 4), np.float32), "t": np.arange(3.0)}, "'t' must be (2,)"),
    ({"frames": np.zeros((2, 3, 4), np.float32), "t": np.array([1.0, 1.0])}, "increase"),
    ({"frames": np.zeros((2, 3, 4), np.float32), "t": np.arange(2.0), "ambient": np.zeros(5, np.float32)}, "'ambient'"),
    ({"frames": np.zeros((2, 3, 4), np.float32), "t": np.arange(2.0), "cards": np.array("[{\"t\": 1}]")}, "lacks id"),
    ({"frames": np.zeros((2, 3, 4), np.float32), "t": np.arange(2.0), "truth": np.array("{oops")}, "not valid JSON"),
    ({"frames": np.zeros((2, 3, 4), np.float32), "t": np.arange(2.0), "flags": np.array("[[7, \"shutter\"]]")}, "'flags'"),
])
def test_invalid_recordings_are_rejected_clearly(tmp_path, arrays, message) -> None:
    path = _write(tmp_path / "bad.npz", **arrays)
    with pytest.raises(RecordingError) as err:
        load(path)
    assert message in str(err.value) and "bad.npz" in str(err.value)


def test_not_a_recording_at_all(tmp_path) -> None:
    path = tmp_path / "x.npz"
    path.write_bytes(b"hello")
    with pytest.raises(RecordingError, match="x.npz"):
        load(str(path))
    with pytest.raises(RecordingError, match="missing.npz"):
        load(str(tmp_path / "missing.npz"))


def test_sim_command_writes_a_recording(tmp_path, capsys) -> None:
    parser = argparse.ArgumentParser()
    sim_command.register(parser.add_subparsers())
    out, roster = tmp_path / "s.npz", tmp_path / "roster.csv"
    args = parser.parse_args(["sim", "--out", str(out), "--people", "5", "--fever-rate", "0.4", "--seed", "3",
                              "--sensor", "lepton35", "--ambient", "18", "--shutter", "--drift", "0.3",
                              "--blackbody", "35", "--distance", "0.8,1.2", "--two-people-rate", "0.2",
                              "--roster", str(roster)])
    assert args.func(args) == 0
    line = capsys.readouterr().out.strip()
    assert line.startswith(str(out)) and "5 people" in line and "\n" not in line
    rec = load(str(out))
    assert rec.shape == (120, 160) and rec.meta["sensor"] == "lepton35" and rec.meta["blackbody"]["setpoint_c"] == 35
    assert len(rec.truth) == 5 and all(0.8 <= p["distance_m"] <= 1.2 for p in rec.truth)
    assert roster.read_text(encoding="utf-8").splitlines()[1].endswith(",2000000000,高一(1)班")
    with pytest.raises(SystemExit):
        parser.parse_args(["sim", "--out", str(out), "--fever-rate", "1.5"])
