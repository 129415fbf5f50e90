"""Roster CSV import: encodings, columns, and errors with their row numbers."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from edge.roster import Roster, RosterError
from edge.roster_csv import parse_text, read_csv

FULL = ("person_id,name,role,group,cards,return_from,exit_approved_until,quarantine_until,health_card,dormitory,resident\n"
        "P1,张三,student,高一(1)班,de:ad:be:ef;0006762840,2026-03-02,,2026-03-05,ok,1号楼,否\n"
        "P2,李老师,staff,教职工,12345678|AB-CD,,2026-04-01,,missing,,是\n")


def write(tmp_path: Path, text: str, encoding: str = "utf-8", name: str = "roster.csv") -> str:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return str(path)


def test_full_columns_parse_into_persons() -> None:
    roster = Roster.from_snapshot(parse_text(FULL, site="s1", version=7))
    assert (roster.version, roster.site, len(roster)) == (7, "s1", 2)
    p1 = roster.lookup("DEADBEEF")
    assert p1 is not None and p1 is roster.lookup("0006762840") and p1 is roster.lookup("de-ad-be-ef")
    assert p1.cards == ("DEADBEEF", "0006762840")
    assert (p1.return_from, p1.quarantine_until, p1.exit_approved_until) == (dt.date(2026, 3, 2), dt.date(2026, 3, 5), None)
    assert (p1.health_card, p1.dormitory, p1.resident, p1.group) == ("ok", "1号楼", False, "高一(1)班")
    p2 = roster.lookup("ABCD")
    assert p2 is not None and (p2.role, p2.health_card, p2.resident, p2.dormitory) == ("staff", "missing", True, None)
    assert p2.exit_approved_until == dt.date(2026, 4, 1)


def test_minimal_and_demo_columns(tmp_path: Path) -> None:
    minimal = Roster.from_csv(write(tmp_path, "person_id,name,card\nP1,A,2000000000\n"))
    assert minimal.lookup("2000000000").name == "A"  # type: ignore[union-attr]
    demo = Roster.from_csv(str(Path(__file__).resolve().parents[1] / "config" / "roster.demo.csv"))
    assert len(demo) >= 100 and demo.lookup("2000000000") is not None


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_encodings(tmp_path: Path, encoding: str) -> None:
    path = write(tmp_path, FULL, encoding)
    raw = Path(path).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") == (encoding == "utf-8-sig")
    snap = read_csv(path, version=3)
    assert snap["persons"][0]["name"] == "张三" and snap["persons"][1]["group"] == "教职工"
    assert snap["persons"][0]["person_id"] == "P1"  # the BOM is not part of the first header


def test_version_defaults_to_file_mtime(tmp_path: Path) -> None:
    path = write(tmp_path, FULL)
    import os

    os.utime(path, (1_800_000_000, 1_800_000_000))
    assert read_csv(path)["version"] == 1_800_000_000


@pytest.mark.parametrize("text,message", [
    ("person_id,name,card,shoe_size\nP1,A,1,42\n", "row 1: unknown column(s) 'shoe_size'"),
    ("name,card\nA,1\n", "row 1: required column 'person_id' is missing"),
    ("person_id,name\nP1,A\n", "row 1: a 'card' or 'cards' column is required"),
    ("", "row 1: the file is empty"),
    ("person_id,name,card\n", "row 2: no persons after the header"),
    ("person_id,name,card\n,,\n\n", "row 2: no persons after the header"),
    ("person_id,name,card,return_from\nP1,A,1,2026-03-01\nP2,B,2,2026/03/01\n", "row 3: return_from: bad date '2026/03/01'"),
    ("person_id,name,card,quarantine_until\nP1,A,1,2026-02-30\n", "row 2: quarantine_until: bad date '2026-02-30'"),
    # The card is masked: check-config prints this at every start, into the journal.
    ("person_id,name,card\nP1,A,2000000001\nP2,B,3\nP3,C,0:1|2000000001\n",
     "row 4: card ******0001 already belongs to P1 (row 2)"),
    ("person_id,name,card\nP1,A,1\nP1,B,2\n", "row 3: person_id P1 already on row 2"),
    ("person_id,name,card,health_card\nP1,A,1,bad\n", "row 2: health_card 'bad' is not one of ok, missing, abnormal"),
    ("person_id,name,card,role\nP1,A,1,pilot\n", "row 2: role 'pilot' is not one of"),
    ("person_id,name,card,resident\nP1,A,1,maybe\n", "row 2: resident 'maybe' is not yes/no"),
    ("person_id,name,card\n,A,1\n", "row 2: person_id is empty"),
    ("person_id,name,card\nP1,A,1,extra\n", "row 2: 4 fields but the header has 3"),
    ("person_id,name,cards\nP1,A,5;5\n", "row 2: the same card is listed twice"),
])
def test_errors_name_their_row(text: str, message: str) -> None:
    with pytest.raises(RosterError) as info:
        parse_text(text)
    assert message in str(info.value) and "2000000001" not in str(info.value)


def test_every_error_is_reported_and_file_named(tmp_path: Path) -> None:
    path = write(tmp_path, "person_id,name,card,return_from\nP1,A,1,\nP2,B,1,\nP3,C,3,2026-13-01\nP4,D,4,x\n", "gb18030")
    with pytest.raises(RosterError) as info:
        read_csv(path)
    lines = str(info.value).splitlines()
    assert [line.split(": ")[1] for line in lines] == ["row 3", "row 4", "row 5"]
    assert all(line.startswith(path) for line in lines)


def test_row_numbers_count_quoted_newlines(tmp_path: Path) -> None:
    text = 'person_id,name,card,group\nP1,A,1,"two\nlines"\nP2,B,2,x\nP3,C,1,y\n'
    with pytest.raises(RosterError, match=r"row 5: card \* already belongs to P1"):
        parse_text(text)


def test_undecodable_file_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(b"person_id,name,card\nP1,\x81\x20,1\n")  # 0x81 0x20 is not GB18030 either
    with pytest.raises(RosterError, match="neither UTF-8 nor GB18030"):
        read_csv(str(path))


def test_missing_file_is_a_roster_error(tmp_path: Path) -> None:
    with pytest.raises(RosterError, match="cannot read roster"):
        read_csv(str(tmp_path / "absent.csv"))


@pytest.mark.parametrize("rows, message", [
    # A stray quote opens a field that swallows the next rows up to the next quote.
    ('P1,"Zhang San,7A,C001\nP2,Li Si,7A,C002\nP3,Wang Wu,7A,C003\nP4,Zhao" Liu,7B,C004\n', "stray double quote"),
    ('P1,"Zhang San,7A,C001\nP2,Li Si,7A,C002\nP3,Wang Wu",7A,C003\n', "runs over several lines"),
    ('P1,Zhang San,7A,C001\nP2,"Li Si,7A,C002\nP3,Wang Wu,7A,C003\n', "stray double quote"),  # open to the end
])
def test_a_stray_quote_is_an_error_not_people_missing(rows: str, message: str) -> None:
    with pytest.raises(RosterError, match=message):
        parse_text("person_id,name,group,card\n" + rows + "P5,Sun Qi,7B,C005\n", site="s1", version=1)


@pytest.mark.parametrize("head", ["", "P0,Zhou Ba,7A,C000\n"])
def test_a_quote_left_open_is_reported_at_the_line_it_opened_on(head: str) -> None:
    """Audit 11b: it was reported at the file's last line, where the reader gave up."""
    line = 3 if head else 2
    with pytest.raises(RosterError) as err:
        parse_text("person_id,name,group,card\n" + head + 'P1,"Zhang San,7A,C001\nP2,Li Si,7A,C002\n', site="s1")
    assert str(err.value) == (f"line {line}: unexpected end of data in the row that begins there"
                              " (a stray double quote?)")
