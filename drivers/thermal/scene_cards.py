"""Card ids of simulated people and the demo roster that knows them.

Person ``i`` carries card ``2000000000 + i`` (10 digits, the printed EM4100 style), so a
recording, the simulated reader and ``config/roster.demo.csv`` agree without sharing state.
"""
from __future__ import annotations

import csv
import io
from typing import List, Tuple

KNOWN_BASE = 2_000_000_000
UNKNOWN_BASE = 3_000_000_000
ROSTER_SIZE = 2000
GROUPS = ("高一(1)班", "高一(2)班", "高二(1)班", "高二(2)班", "高三(1)班", "高三(2)班", "教职工")
ROSTER_HEADER = ("person_id", "name", "card", "group")


def card_id(index: int) -> str:
    return f"{KNOWN_BASE + index:010d}"


def unknown_card_id(seed: int, index: int) -> str:
    """A card that is in no roster (visitors, lost cards): outside the known range."""
    return f"{UNKNOWN_BASE + (seed % 1000) * 1_000_000 + index:010d}"


def roster_rows(count: int = ROSTER_SIZE) -> List[Tuple[str, str, str, str]]:
    rows = []
    for i in range(count):
        staff = i % 25 == 24  # one in 25 is a teacher or staff member
        name = f"教师{i + 1:04d}" if staff else f"学生{i + 1:04d}"
        group = GROUPS[-1] if staff else GROUPS[i % (len(GROUPS) - 1)]
        rows.append((f"P{i + 1:05d}", name, card_id(i), group))
    return rows


def roster_csv(count: int = ROSTER_SIZE) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(ROSTER_HEADER)
    writer.writerows(roster_rows(count))
    return buf.getvalue()


def write_roster(path: str, count: int = ROSTER_SIZE) -> None:
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(roster_csv(count))
