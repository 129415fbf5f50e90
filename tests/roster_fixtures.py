"""A roster for the simulated scene in which every policy denial occurs for known cards.

Person ``i`` of the sim scene carries card ``f"{2000000000 + i:010d}"``
(drivers.thermal.scene_cards). Every other person passes in every mode: they live in
:data:`DORMITORY`, are residents of the family area and hold an exit approval, so only
the persons in :data:`DENIALS` are denied, each for exactly one reason.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Dict, List, Tuple

from drivers.thermal.scene_cards import card_id, roster_rows

DORMITORY = "1号楼"
COLUMNS = ("person_id", "name", "role", "group", "cards", "return_from", "exit_approved_until",
           "quarantine_until", "health_card", "dormitory", "resident")
#: person index -> (modes in which the person is denied, reason code)
DENIALS: Dict[int, Tuple[Tuple[str, ...], str]] = {
    1: (("entry",), "return_not_open"),
    2: (("entry", "dorm", "family_area"), "quarantine"),
    3: (("entry", "dorm"), "health_card_missing"),
    4: (("entry", "dorm"), "health_card_abnormal"),
    5: (("exit",), "exit_not_approved"),
    6: (("dorm",), "not_dorm_resident"),
    7: (("family_area",), "not_area_resident"),
}


def denial_rows(today: dt.date, count: int = 40) -> List[Dict[str, str]]:
    """Rows for the first ``count`` scene persons; ``today`` is the replay's local date."""
    rows = []
    for i, (person_id, name, card, group) in enumerate(roster_rows(count)):
        row = {"person_id": person_id, "name": name, "role": "staff" if group == "教职工" else "student",
               "group": group, "cards": card, "return_from": (today - dt.timedelta(days=3)).isoformat(),
               "exit_approved_until": (today + dt.timedelta(days=30)).isoformat(), "quarantine_until": "",
               "health_card": "ok", "dormitory": DORMITORY, "resident": "yes"}
        code = DENIALS.get(i, ((), ""))[1]
        if code == "return_not_open":
            row["return_from"] = (today + dt.timedelta(days=1)).isoformat()
        elif code == "quarantine":
            row["quarantine_until"] = today.isoformat()  # the last day of quarantine still denies
        elif code.startswith("health_card_"):
            row["health_card"] = code[len("health_card_"):]
        elif code == "exit_not_approved":
            row["exit_approved_until"] = (today - dt.timedelta(days=1)).isoformat()
        elif code == "not_dorm_resident":
            row["dormitory"] = "2号楼"
        elif code == "not_area_resident":
            row["resident"] = "no"
        rows.append(row)
    return rows


def denial_roster_csv(today: dt.date, count: int = 40) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(denial_rows(today, count))
    return buf.getvalue()


def expected_denials(mode: str) -> Dict[str, str]:
    """card id -> reason code for every person denied in ``mode`` (others pass)."""
    return {card_id(i): code for i, (modes, code) in DENIALS.items() if mode in modes}
