"""gate-edge confirm: the guard's clinical reading stored with the passage, queued for sync."""
from __future__ import annotations

import argparse
import json
import sqlite3

import pytest

from edge.commands import confirm
from edge.record import PassageRecord
from edge.settings.loader import load_config
from edge.store import Store
from edge.verdict import Verdict


def main(argv):
    parser = argparse.ArgumentParser(prog="gate-edge")
    confirm.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(argv)
    return args.func(args)


@pytest.fixture
def gate(tmp_path):
    db = tmp_path / "gate.db"
    cfg = tmp_path / "gate.yaml"
    cfg.write_text(f"device:\n  id: gate-7\nthermal: {{type: sim}}\nstore:\n  path: {db}\n")
    config = load_config(str(cfg))
    store = Store(str(db), config.device).open()
    rec = PassageRecord(t=1.0, wall=1_700_000_000.0, clock_ok=True, verdict=Verdict.FEVER, reasons=("fever",),
                        card=None, card_reader=None, person_id="p1", skin_c=37.2, body_c=37.8,
                        measurement={"calibration_version": "config:+0.60"}, policy={})
    seq = store.record_passage(rec)
    store.close()
    return cfg, db, seq


def test_confirm_stores_the_reading_and_queues_it(gate, capsys):
    cfg, db, seq = gate
    assert main(["confirm", f"gate-7:{seq}", "37,9", "--config", str(cfg)]) == 0
    assert "37.9" in capsys.readouterr().out
    assert main(["confirm", str(seq), "36.8", "--config", str(cfg), "--source", "keypad"]) == 0
    assert main(["confirm", str(seq), "381", "--config", str(cfg)]) == 0  # as on the keypad: no dot typed
    conn = sqlite3.connect(str(db))
    rows = conn.execute("SELECT seq, value_c, source FROM secondary_checks ORDER BY rowid").fetchall()
    assert rows == [(seq, 37.9, "cli"), (seq, 36.8, "keypad"), (seq, 38.1, "cli")]
    kinds = [k for (k,) in conn.execute("SELECT payload FROM outbox ORDER BY rowid").fetchall()]
    assert sum('"secondary_check"' in (p or "") for p in kinds) == 3
    # Each names its passage's own time: the school tells it from another passage with this seq.
    wall_iso = conn.execute("SELECT wall_iso FROM passages WHERE seq=?", (seq,)).fetchone()[0]
    assert {json.loads(p)["passage_wall"] for p in kinds if p and '"secondary_check"' in p} == {wall_iso}


@pytest.mark.parametrize("passage, value, code, message", [
    ("gate-9:1", "37.5", 2, "belongs to device 'gate-9'"),
    ("abc", "37.5", 2, "expected a number"),
    ("1", "47", 2, "not a clinical reading between 34 and 43"),
    ("1", "warm", 2, "not a clinical reading"),
    ("1", "nan", 2, "not a clinical reading"),
    ("99", "37.5", 1, "no passage gate-7:99"),
])
def test_bad_input_is_refused(gate, capsys, passage, value, code, message):
    cfg, db, _ = gate
    assert main(["confirm", passage, value, "--config", str(cfg)]) == code
    assert message in capsys.readouterr().err
    assert sqlite3.connect(str(db)).execute("SELECT COUNT(*) FROM secondary_checks").fetchone() == (0,)
