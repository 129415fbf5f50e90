"""Roster CSV files as schools export them -> a validated roster snapshot dict.

Spreadsheet software in China saves CSV as GB18030 (GBK) or as UTF-8 with a BOM; both,
and plain UTF-8, are accepted. Every problem is collected with its row number (the
header is row 1, as the spreadsheet shows it) and the whole file is rejected, so a
half-valid roster is never applied.
"""
from __future__ import annotations

import csv
import io
import os
import re
from typing import Any, Dict, List, Optional, Tuple

from edge.cards import mask_card_id, normalize_card_id
from edge.roster import SNAPSHOT_FORMAT, RosterError, person_from_json

COLUMNS = ("person_id", "name", "role", "group", "cards", "card", "return_from", "exit_approved_until",
           "quarantine_until", "health_card", "dormitory", "resident")
REQUIRED = ("person_id", "name")
CARD_SEPARATORS = re.compile(r"[;|]")
TRUE = {"1", "true", "yes", "y", "是"}
FALSE = {"", "0", "false", "no", "n", "否"}
#: More errors than this only repeat the same mistake; the technician fixes and re-runs.
MAX_ERRORS = 20


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), else GB18030; anything else is rejected."""
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise RosterError(f"file starts with a UTF-8 BOM but is not UTF-8 ({exc.reason} at byte {exc.start})") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise RosterError(f"file is neither UTF-8 nor GB18030 (bad byte at offset {exc.start})") from None


def _resident(value: str) -> bool:
    text = value.strip().lower()
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    raise ValueError(f"resident {value!r} is not yes/no")


def _cards(row: Dict[str, str]) -> List[str]:
    cards: List[str] = []
    for column in ("cards", "card"):
        for part in CARD_SEPARATORS.split(row.get(column) or ""):
            if part.strip():
                cards.append(normalize_card_id(part.strip()))
    return cards


def _row_to_json(row: Dict[str, str]) -> Dict[str, Any]:
    return {
        "person_id": row.get("person_id", ""), "name": row.get("name", ""),
        "role": row.get("role") or "student", "group": row.get("group") or "", "cards": _cards(row),
        "return_from": row.get("return_from") or None, "exit_approved_until": row.get("exit_approved_until") or None,
        "quarantine_until": row.get("quarantine_until") or None, "health_card": row.get("health_card") or None,
        "dormitory": row.get("dormitory") or None, "resident": _resident(row.get("resident") or ""),
    }


def _header(fields: Optional[List[str]]) -> Tuple[List[str], List[str]]:
    if not fields:
        return [], ["row 1: the file is empty (expected a header row)"]
    names = [(f or "").strip().lower() for f in fields]
    errors = []
    unknown = [n for n in names if n not in COLUMNS]
    if unknown:
        errors.append(f"row 1: unknown column(s) {', '.join(repr(n) for n in unknown)}; known: {', '.join(COLUMNS)}")
    for name in REQUIRED:
        if name not in names:
            errors.append(f"row 1: required column {name!r} is missing")
    if "card" not in names and "cards" not in names:
        errors.append("row 1: a 'card' or 'cards' column is required")
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        errors.append(f"row 1: column(s) {', '.join(duplicated)} appear twice")
    return names, errors


def parse_text(text: str, site: str = "", version: int = 0) -> Dict[str, Any]:
    """CSV text -> snapshot dict; raises RosterError listing every problem with its row."""
    # strict: a quote left open to the end of the file is an error, not one long last field.
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: List[Tuple[int, List[str]]] = []
    try:
        names, errors = _header(next(reader, None))
        for values in reader:
            rows.append((reader.line_num, values))
    except csv.Error as exc:
        # The reader fails where it gave up (the end of the file for a quote never closed): the
        # record, and so the quote, began on the line after the last good one.
        began = (rows[-1][0] if rows else 1) + 1
        raise RosterError(f"line {began}: {exc} in the row that begins there (a stray double quote?)") from None
    if errors:
        raise RosterError("\n".join(errors))
    persons: List[Dict[str, Any]] = []
    seen_ids: Dict[str, int] = {}
    seen_cards: Dict[str, Tuple[int, str]] = {}
    for row_no, values in rows:
        if not any(v.strip() for v in values):
            continue
        if any(("\n" in v or "\r" in v) and "," in v for v in values):
            # A cell may hold a line break (Alt+Enter in Excel), but one holding whole rows
            # is a stray quote that swallowed them: those people would silently go missing.
            errors.append(f"row {row_no}: a field runs over several lines and holds commas (a stray double quote?)")
            continue
        if len(values) > len(names):
            errors.append(f"row {row_no}: {len(values)} fields but the header has {len(names)}")
            continue
        row = {name: (values[i].strip() if i < len(values) else "") for i, name in enumerate(names)}
        try:
            data = _row_to_json(row)
            person = person_from_json(data)
        except ValueError as exc:
            errors.append(f"row {row_no}: {exc}")
            continue
        if person.person_id in seen_ids:
            errors.append(f"row {row_no}: person_id {person.person_id} already on row {seen_ids[person.person_id]}")
        seen_ids.setdefault(person.person_id, row_no)
        for card in person.cards:
            if card in seen_cards and seen_cards[card][1] != person.person_id:
                # Masked: this text reaches the journal (check-config at every start); the row says which.
                errors.append(f"row {row_no}: card {mask_card_id(card)} already belongs to {seen_cards[card][1]} "
                              f"(row {seen_cards[card][0]})")
            seen_cards.setdefault(card, (row_no, person.person_id))
        data["cards"] = list(person.cards)
        data["role"], data["health_card"] = person.role, person.health_card
        persons.append(data)
        if len(errors) >= MAX_ERRORS:
            break
    if errors:
        more = " (stopped after the first errors)" if len(errors) >= MAX_ERRORS else ""
        raise RosterError("\n".join(errors) + more)
    if not persons:  # a header alone (an export gone wrong) would replace the roster with no one
        raise RosterError("row 2: no persons after the header: nothing is applied")
    return {"v": SNAPSHOT_FORMAT, "site": site, "version": version, "persons": persons}


def read_csv(path: str, site: str = "", version: Optional[int] = None) -> Dict[str, Any]:
    """Read a roster file; ``version`` defaults to the file's modification time (seconds)."""
    try:
        with open(path, "rb") as fh:
            data = fh.read()
        mtime = int(os.stat(path).st_mtime)
    except OSError as exc:
        raise RosterError(f"{path}: cannot read roster ({exc.strerror})") from None
    try:
        return parse_text(decode(data), site=site, version=mtime if version is None else version)
    except RosterError as exc:
        raise RosterError("\n".join(f"{path}: {line}" for line in str(exc).splitlines())) from None
