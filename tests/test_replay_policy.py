"""Issue 6 end to end: a recording replayed through the real lane under a roster in
which every denial reason occurs; each is recorded, with its code, in the passages."""
from __future__ import annotations

import datetime as dt

import pytest

from drivers.thermal.scene_model import SceneConfig
from drivers.thermal.scene_record import record
from edge.replay import run_recording
from edge.roster import Roster
from edge.settings.loader import load_config_text
from edge.verdict import Verdict
from roster_fixtures import DORMITORY, denial_roster_csv, expected_denials

# Replay time is the recording's own seconds: wall 0 = 1970-01-01 08:00 in Asia/Shanghai.
REPLAY_DAY = dt.date(1970, 1, 1)


@pytest.fixture(scope="module")
def recording():
    # 12 people, the first 8 are the roster's denial cases; a share taps unregistered cards.
    return record(SceneConfig(sensor="lepton35", seed=4, people=12, fever_rate=0.0, unknown_card_rate=0.25))


@pytest.fixture(scope="module")
def roster(tmp_path_factory):
    path = tmp_path_factory.mktemp("roster") / "roster.csv"
    path.write_text(denial_roster_csv(REPLAY_DAY), encoding="utf-8")
    return Roster.from_csv(str(path))


@pytest.mark.parametrize("mode,direction", [("entry", "entry"), ("exit", "exit"), ("dorm", "entry"),
                                            ("family_area", "entry")])
def test_every_denial_reason_is_recorded_with_its_code(recording, roster, mode, direction):
    text = (f"device: {{direction: {direction}}}\nthermal: {{type: sim}}\ncard: {{type: sim}}\n"
            f"policy: {{mode: {mode}, dormitory: '{DORMITORY}'}}\n")
    config = load_config_text(text, "replay.yaml")
    passages = run_recording(recording, config, roster=roster)
    measured = [rec.measurement for rec, _ in passages if "n_frames" in rec.measurement]
    assert measured and all(m["sensor"]["type"] == "recording" for m in measured)  # as every record says
    by_card = {rec.card: rec for rec, _ in passages if rec.card}
    expected = expected_denials(mode)
    known = {t["card"] for t in recording.truth if t["card_known"]}
    checked = 0
    for card, code in expected.items():
        if card not in known:
            continue  # that person tapped an unregistered card in this scene
        rec = by_card[card]
        assert rec.verdict is Verdict.DENY and code in rec.reasons, (card, rec.reasons)
        assert rec.skin_c is not None, "denied people are measured and recorded too"
        checked += 1
    assert checked >= 1
    unknown = [t["card"] for t in recording.truth if t["card"] and not t["card_known"]]
    assert unknown, "the scene must contain an unregistered card"
    for card in unknown:
        assert by_card[card].verdict is Verdict.DENY and "card_unknown" in by_card[card].reasons
    denied_codes = {c for rec, _ in passages for c in rec.reasons}
    assert all(code in denied_codes for card, code in expected.items() if card in known)
