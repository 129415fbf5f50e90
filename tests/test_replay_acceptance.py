"""Issue 2 acceptance: replay of a 200-person p2pro recording at normal ambient.

Every person with core >= 37.5 C gets `fever`; at least 95% of people with core <= 37.0
get `pass`; two runs give identical output.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from edge.recording import load

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def recording(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("replay") / "p2pro-200.npz"
    subprocess.run([sys.executable, "-m", "edge", "sim", "--out", str(path), "--people", "200", "--fever-rate", "0.1",
                    "--seed", "11", "--sensor", "p2pro", "--ambient", "22"], check=True, cwd=ROOT, timeout=300,
                   capture_output=True)
    return path


def _replay(path: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "edge", "replay", str(path), "--json", "--raw-cards"], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_fever_sensitivity_pass_rate_and_determinism(recording):
    first, second = _replay(recording), _replay(recording)  # side by side: two cores
    out1, err1 = first.communicate(timeout=300)
    out2, _ = second.communicate(timeout=300)
    assert first.returncode == 0, err1
    assert out1 == out2 and out1.strip()
    passages = [json.loads(line) for line in out1.splitlines()]
    for p in passages:
        assert {"seq", "t", "card", "person_id", "skin_c", "body_c", "verdict", "reasons"} <= set(p)
    by_card = {p["card"]: p for p in passages}
    truth = load(str(recording)).truth
    fevers = [t for t in truth if t["core_c"] >= 37.5]
    normal = [t for t in truth if t["core_c"] <= 37.0]
    assert fevers and normal
    missed = [t for t in fevers if by_card.get(t["card"], {}).get("verdict") != "fever"]
    assert missed == []
    passed = sum(1 for t in normal if by_card.get(t["card"], {}).get("verdict") == "pass")
    assert passed / len(normal) >= 0.95


def test_replay_json_masks_card_numbers_unless_asked(tmp_path):
    """A real gate's recording holds real ID numbers; replay output gets pasted into reports."""
    path = tmp_path / "six.npz"
    subprocess.run([sys.executable, "-m", "edge", "sim", "--out", str(path), "--people", "6", "--seed", "3",
                    "--sensor", "mlx90640", "--unknown-card-rate", "0.5"], check=True, cwd=ROOT, timeout=300,
                   capture_output=True)
    cards = {t["card"] for t in load(str(path)).truth if t["card"]}
    assert cards
    masked = subprocess.run([sys.executable, "-m", "edge", "replay", str(path), "--json"], cwd=ROOT, timeout=300,
                            capture_output=True, text=True)
    assert masked.returncode == 0, masked.stderr
    shown = {json.loads(line)["card"] for line in masked.stdout.splitlines()} - {None}
    assert shown and not any(card in masked.stdout for card in cards)
    assert all(c.startswith("******") and len(c) == 10 for c in shown)
    raw = subprocess.run([sys.executable, "-m", "edge", "replay", str(path), "--json", "--raw-cards"], cwd=ROOT,
                         timeout=300, capture_output=True, text=True)
    assert raw.returncode == 0, raw.stderr
    unmasked = {json.loads(line)["card"] for line in raw.stdout.splitlines()} - {None}
    assert unmasked and unmasked <= cards
