"""Roster tables in the store's SQLite file: atomic replacement, versions, coexistence."""
from __future__ import annotations

import copy
import datetime as dt
import sqlite3
from pathlib import Path
from typing import Any, Dict

import pytest

from edge.roster import Roster, RosterError
from edge.roster_csv import parse_text
from edge.roster_store import apply_snapshot, current_version, load

CSV = ("person_id,name,role,group,cards,return_from,quarantine_until,health_card,dormitory,resident\n"
       "P1,张三,student,高一(1)班,AA01;AA02,2026-03-02,,ok,1号楼,no\n"
       "P2,李四,resident,,BB01,,2026-03-09,abnormal,,yes\n")


def snap(version: int, text: str = CSV) -> Dict[str, Any]:
    return parse_text(text, site="school-1", version=version)


def test_empty_database_loads_an_empty_roster(tmp_path: Path) -> None:
    db = str(tmp_path / "gate.db")
    roster = load(db)
    assert len(roster) == 0 and roster.version == 0 and current_version(db) is None


def test_round_trip_keeps_every_field(tmp_path: Path) -> None:
    db = str(tmp_path / "gate.db")
    assert apply_snapshot(db, snap(5)) == 5
    roster = load(db)
    direct = Roster.from_snapshot(snap(5))
    assert (roster.version, roster.site) == (5, "school-1")
    assert roster.persons() == direct.persons()
    assert roster.lookup("AA02").person_id == "P1"  # type: ignore[union-attr]
    assert roster.lookup("BB01").quarantine_until == dt.date(2026, 3, 9)  # type: ignore[union-attr]
    assert roster.to_snapshot() == snap(5)


def test_newer_replaces_same_is_a_no_op_older_is_rejected(tmp_path: Path) -> None:
    db = str(tmp_path / "gate.db")
    apply_snapshot(db, snap(5))
    apply_snapshot(db, snap(6, "person_id,name,card\nP9,王五,CC01\n"))
    assert [p.person_id for p in load(db)] == ["P9"]
    assert apply_snapshot(db, snap(6)) == 6  # a retained message delivered again
    assert [p.person_id for p in load(db)] == ["P9"]
    with pytest.raises(RosterError, match="older than the stored version 6"):
        apply_snapshot(db, snap(4))
    assert current_version(db) == 6


@pytest.mark.parametrize("break_it,message", [
    (lambda s: s["persons"][1].update(cards=["AA01"]), r"card \*\*\*\* belongs to both P1 and P2"),
    (lambda s: s["persons"][1].update(return_from="2026-02-30"), r"person #2 \(P2\): return_from"),
    (lambda s: s["persons"][1].update(person_id="P1"), "person_id P1 appears twice"),
    (lambda s: s.update(version="7"), "roster version '7'"),
    (lambda s: s.update(v=2), "format 2"),
    (lambda s: s["persons"][0].update(resident="yes"), "resident must be true or false"),
])
def test_a_bad_snapshot_changes_nothing(tmp_path: Path, break_it: Any, message: str) -> None:
    db = str(tmp_path / "gate.db")
    apply_snapshot(db, snap(5))
    bad = copy.deepcopy(snap(9))
    break_it(bad)
    with pytest.raises(RosterError, match=message):
        apply_snapshot(db, bad)
    assert load(db).persons() == Roster.from_snapshot(snap(5)).persons() and current_version(db) == 5


def test_a_failure_inside_the_transaction_rolls_back(tmp_path: Path) -> None:
    db = str(tmp_path / "gate.db")
    apply_snapshot(db, snap(5))
    conn = sqlite3.connect(db)
    # Make the card insert fail after persons were already deleted and re-inserted.
    conn.execute("CREATE TRIGGER fail_cards BEFORE INSERT ON roster_cards WHEN NEW.card_id = 'ZZ99' "
                 "BEGIN SELECT RAISE(ABORT, 'disk trouble'); END")
    conn.commit()
    conn.close()
    with pytest.raises(sqlite3.IntegrityError, match="disk trouble"):
        apply_snapshot(db, snap(6, "person_id,name,card\nP7,A,YY01\nP8,B,ZZ99\n"))
    roster = load(db)
    assert roster.version == 5 and [p.person_id for p in roster] == ["P1", "P2"]
    assert roster.lookup("AA01") is not None and roster.lookup("YY01") is None


def test_tables_live_beside_other_tables_in_the_same_file(tmp_path: Path) -> None:
    db = str(tmp_path / "gate.db")
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE TABLE passages (seq INTEGER PRIMARY KEY, body TEXT)")
    conn.execute("INSERT INTO passages (body) VALUES ('x')")
    conn.commit()
    apply_snapshot(db, snap(3))
    assert conn.execute("SELECT count(*) FROM passages").fetchone() == (1,)
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"passages", "roster_persons", "roster_cards", "roster_meta"} <= tables
    assert conn.execute("SELECT value FROM roster_meta WHERE key='schema_version'").fetchone() == ("1",)
    conn.close()
    assert Roster.from_db(db).version == 3


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    db = str(tmp_path / "gate.db")
    apply_snapshot(db, snap(3))
    conn = sqlite3.connect(db)
    conn.execute("UPDATE roster_meta SET value='99' WHERE key='schema_version'")
    conn.commit()
    conn.close()
    with pytest.raises(RosterError, match="schema version 99"):
        load(db)


def test_gate_roster_takes_the_newer_of_database_and_file(tmp_path: Path) -> None:
    import os

    from edge.roster_store import gate_roster

    db = str(tmp_path / "gate.db")
    csv_path = tmp_path / "local.csv"
    csv_path.write_text("person_id,name,card\nF1,文件,FF01\n", encoding="utf-8")
    os.utime(csv_path, (1_800_000_000, 1_800_000_000))
    roster, source = gate_roster(db, None)
    assert (len(roster), roster.version, source) == (0, 0, "(no roster)")
    roster, source = gate_roster(db, str(csv_path))
    assert source == str(csv_path) and roster.version == 1_800_000_000
    apply_snapshot(db, snap(1_800_000_500))
    roster, source = gate_roster(db, str(csv_path))
    assert source == db and roster.lookup("AA01") is not None
    os.utime(csv_path, (1_800_001_000, 1_800_001_000))  # the technician edits the file afterwards
    roster, source = gate_roster(db, str(csv_path))
    assert source == str(csv_path) and roster.lookup("FF01") is not None
    assert gate_roster(db, None)[1] == db
