"""`gate-edge collect --retention-days N`: the school keeps passages, readings and the ledger
N days after their day, and what it purges does not linger in the file."""
from __future__ import annotations

import datetime
import signal
import sqlite3
import subprocess
import sys

import pytest
from sync_support import wait_for

from edge.sync.collector_db import CollectorDB
from edge.sync.collector_retention import purge


def _day(days_ago: int) -> str:
    return (datetime.date.today() - datetime.timedelta(days=days_ago)).isoformat()


def _fill(path: str) -> None:
    db = CollectorDB(path)
    for seq, (ago, person) in enumerate([(40, "P-OLD-40"), (31, "P-OLD-31"), (29, "P-NEW-29"), (0, "P-NEW-0")], 1):
        wall = f"{_day(ago)}T07:40:00.000+08:00"
        db.ingest([{"device": "g1", "seq": seq, "wall": wall, "verdict": "fever", "person_id": person}], alert=True)
        db.ingest([{"device": "g1", "seq": seq, "check": 1, "type": "secondary_check", "value_c": 38.0 + seq / 10,
                    "source": "keypad", "wall": wall, "passage_wall": wall}], alert=False)
    db.keep_malformed("gate-edge/s1/g1/passages", "not a passages or alerts message", b"OLD-GARBAGE")
    db.conn.execute("UPDATE malformed SET received = received - 31 * 86400")
    db.keep_malformed("gate-edge/s1/g1/passages", "not a passages or alerts message", b"NEW-GARBAGE")
    db.close()


def _rows(path: str, sql: str) -> list:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def test_purge_keeps_the_last_n_days_and_leaves_nothing_in_the_file(tmp_path):
    path = str(tmp_path / "school.db")
    _fill(path)
    counts = purge(path, 30)
    assert counts == {"passages": 2, "ledger": 2, "secondary_checks": 2, "malformed": 1, "conflicts": 0}
    assert _rows(path, "SELECT person_id FROM passages ORDER BY seq") == [("P-NEW-29",), ("P-NEW-0",)]
    assert sorted(_rows(path, "SELECT person_id FROM ledger")) == [("P-NEW-0",), ("P-NEW-29",)]
    assert _rows(path, "SELECT seq FROM secondary_checks ORDER BY seq") == [(3,), (4,)]
    assert _rows(path, "SELECT payload FROM malformed") == [(b"NEW-GARBAGE",)]
    data = open(path, "rb").read()
    assert b"P-OLD" not in data and b"OLD-GARBAGE" not in data and b"P-NEW-29" in data  # secure_delete + checkpoint
    assert purge(path, 30) == dict.fromkeys(counts, 0)  # nothing more to do


def test_collect_purges_at_start_and_refuses_a_negative_retention(mosquitto, tmp_path, capsys):
    from edge.cli import main

    path = tmp_path / "school.db"
    _fill(str(path))
    with pytest.raises(SystemExit) as exited:
        main(["collect", "--broker", mosquitto.url, "--db", str(path), "--retention-days", "-1"])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert "--retention-days: expected a whole number of days (0 = keep everything), got '-1'" in err
    proc = subprocess.Popen([sys.executable, "-m", "edge", "collect", "--broker", mosquitto.url, "--db", str(path),
                             "--retention-days", "30"], stderr=subprocess.PIPE, text=True)
    try:
        wait_for(lambda: len(_rows(str(path), "SELECT 1 FROM passages")) == 2, 30, "old passages purged at start")
    finally:
        proc.send_signal(signal.SIGTERM)
        _out, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    assert "purged what is older than 30 days: 2 passages, 2 ledger, 2 secondary_checks, 1 malformed" in err


def test_zero_keeps_everything(mosquitto, tmp_path):
    path = tmp_path / "school.db"
    _fill(str(path))
    proc = subprocess.Popen([sys.executable, "-m", "edge", "collect", "--broker", mosquitto.url, "--db", str(path),
                             "--retention-days", "0"], stderr=subprocess.PIPE, text=True)
    try:
        wait_for(lambda: "New client connected" in mosquitto.log_text(), 30, "collector connected (purge done before)")
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=20)
    assert len(_rows(str(path), "SELECT 1 FROM passages")) == 4
