"""The sim and replay thermal drivers and the sim card reader, through the registry."""
from __future__ import annotations

import time

import numpy as np
import pytest

from drivers.base import (
    AccuracyClass,
    BuildContext,
    CardEvent,
    DeviceState,
    EndOfRecording,
)
from drivers.registry import build, driver_class
from drivers.thermal.replay import ReplayThermal
from drivers.thermal.scene_cards import card_id
from drivers.thermal.scene_model import SceneConfig
from drivers.thermal.scene_record import record
from drivers.thermal.sim import SimThermal
from edge.recording import RecordingError, save


def sim_thermal(**kw) -> SimThermal:
    cls = driver_class("thermal", "sim")
    return build("thermal", "sim", cls.Options(**kw), BuildContext("thermal"))  # type: ignore[return-value]


def card_reader(thermal) -> object:
    cls = driver_class("card", "sim")
    return build("card", "sim", cls.Options(), BuildContext("card", thermal=thermal))


def test_accuracy_follows_the_sensor() -> None:
    assert sim_thermal(sensor="p2pro").accuracy is AccuracyClass.SCREENING
    assert sim_thermal(sensor="mlx90640").accuracy is AccuracyClass.REFERENCE_REQUIRED
    assert sim_thermal(sensor="lepton35").accuracy is AccuracyClass.REFERENCE_REQUIRED
    with pytest.raises(ValueError, match="unknown sensor"):
        sim_thermal(sensor="flir")


def test_sim_paces_frames_in_real_time() -> None:
    src = sim_thermal(sensor="mlx90640", fps=2.0, seed=1)
    src.open()
    try:
        first = src.read(timeout=1.0)
        assert first is not None and first.celsius.shape == (24, 32)
        assert src.read(timeout=0.01) is None  # the next frame is 0.5 s away
        second = src.read(timeout=2.0)
        assert second is not None
        assert second.t - first.t == pytest.approx(0.5)
        assert time.monotonic() >= second.t
    finally:
        src.close()
    assert src.state is DeviceState.DOWN


def test_card_reader_taps_with_the_simulated_people() -> None:
    src = sim_thermal(sensor="mlx90640", fps=10.0, seed=2, gap_min_s=0.0, gap_max_s=0.05)
    reader = card_reader(src)
    src.open()
    reader.open()
    try:
        event = None
        deadline = time.monotonic() + 5.0
        while event is None and time.monotonic() < deadline:
            event = reader.read(timeout=0.5)
        assert isinstance(event, CardEvent) and event.reader == "sim" and event.card_id == card_id(0)
        person = src.scene.person(0)
        assert event.t == pytest.approx(src.opened_at + person.t_tap)
        assert person.t_enter < event.t - src.opened_at < person.t_stand
        assert time.monotonic() >= event.t
    finally:
        reader.close()
        src.close()


def test_card_reader_needs_a_simulated_thermal_source() -> None:
    with pytest.raises(ValueError, match="needs thermal type 'sim' or 'replay'"):
        card_reader(None)


@pytest.fixture(scope="module")
def recording_path(tmp_path_factory) -> str:
    path = str(tmp_path_factory.mktemp("rec") / "two.npz")
    save(path, record(SceneConfig(sensor="mlx90640", seed=6, people=2, gap_s=(0.2, 0.4))))
    return path


def test_replay_plays_the_recording_and_its_cards(recording_path) -> None:
    from edge.recording import load
    rec = load(recording_path)
    speed = 20.0
    opts = ReplayThermal.Options(path=recording_path, speed=speed)
    src = build("thermal", "replay", opts, BuildContext("thermal"))
    reader = card_reader(src)
    src.open()
    reader.open()
    frames, cards = [], []
    deadline = time.monotonic() + 10.0
    try:
        while time.monotonic() < deadline:
            try:
                frame = src.read(timeout=0.2)
            except EndOfRecording:
                break
            if frame is not None:
                frames.append(frame)
        while len(cards) < 2 and time.monotonic() < deadline:
            event = reader.read(timeout=0.2)
            if event is not None:
                cards.append(event)
    finally:
        reader.close()
        src.close()
    assert len(frames) == len(rec)
    assert np.array_equal(frames[5].celsius, rec.frames[5])
    np.testing.assert_allclose(np.diff([f.t for f in frames]), np.diff(rec.t) / speed, atol=1e-9)
    assert [c.card_id for c in cards] == [p["card"] for p in rec.truth]
    for c, tap in zip(cards, rec.cards):
        assert c.t == pytest.approx(src.opened_at + (tap["t"] - rec.t[0]) / speed)


def test_replay_loops(recording_path) -> None:
    src = ReplayThermal(ReplayThermal.Options(path=recording_path, speed=100.0, loop=True), BuildContext("thermal"))
    src.open()
    n = len(src.recording)
    seen = []
    deadline = time.monotonic() + 10.0
    while len(seen) < n + 3 and time.monotonic() < deadline:
        frame = src.read(timeout=0.2)
        if frame is not None:
            seen.append(frame)
    src.close()
    assert len(seen) == n + 3
    assert np.array_equal(seen[n].celsius, seen[0].celsius) and seen[n].t > seen[n - 1].t


def test_replay_of_a_bad_file_goes_down(tmp_path) -> None:
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"nope")
    src = ReplayThermal(ReplayThermal.Options(path=str(bad)), BuildContext("thermal"))
    with pytest.raises(RecordingError):
        src.open()
    assert src.state is DeviceState.DOWN and "bad.npz" in src.state_detail
