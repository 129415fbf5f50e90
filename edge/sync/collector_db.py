"""The school-side database: passages and alerts of every gate, de-duplicated, with a ledger.

De-duplication on (device, seq) happens in the same transaction as the insert. A record
the tables cannot take is kept as it came in `malformed`. A record whose (device, seq) is
already stored with other content is not a resend: the gate's database was replaced by an
older copy, or by one numbered from 1 like the one before (edge.store now starts a new
database's numbers apart from any other), so it is kept in `conflicts`, never dropped as a
duplicate.
"""
from __future__ import annotations

import datetime
import json
import logging
import sqlite3
import time
from typing import Any, Dict, List, NamedTuple, Optional

import sqlite_utils

from edge.private_file import make_private
from edge.sqlite_tx import immediate

log = logging.getLogger(__name__)


def create_schema(conn: sqlite3.Connection) -> None:
    """Collector tables (sqlite-utils builds them; ingest uses plain SQL for transaction control)."""
    db = sqlite_utils.Database(conn)
    db["passages"].create({"device": str, "seq": int, "site": str, "boot": str, "wall": str, "day": str,
                           "verdict": str, "person_id": str, "body_c": float, "alert": int, "record": str},
                          pk=("device", "seq"), not_null={"device", "seq", "record"}, if_not_exists=True)
    db["secondary_checks"].create({"device": str, "seq": int, "check_id": int, "value_c": float, "source": str,
                                   "wall": str}, pk=("device", "seq", "check_id"), if_not_exists=True)
    db["ledger"].create({"person_id": str, "day": str, "passages": int, "fevers": int, "denials": int,
                         "last_wall": str, "retries": int, "faults": int}, pk=("person_id", "day"),
                         if_not_exists=True)
    if conn.execute("PRAGMA user_version").fetchone()[0] < LEDGER_RULES:
        with immediate(conn):  # (looked at again inside: two collectors may open it at once)
            if conn.execute("PRAGMA user_version").fetchone()[0] < LEDGER_RULES:
                for column in ("retries", "faults"):
                    if column not in {row[1] for row in conn.execute("PRAGMA table_info(ledger)")}:
                        conn.execute(f"ALTER TABLE ledger ADD COLUMN {column} INTEGER NOT NULL DEFAULT 0")
                rebuild_ledger(conn)
                conn.execute(f"PRAGMA user_version = {LEDGER_RULES}")
    db["malformed"].create({"id": int, "received": float, "topic": str, "reason": str, "payload": bytes},
                           pk="id", not_null={"received", "topic", "reason", "payload"}, if_not_exists=True)
    db["conflicts"].create({"id": int, "received": float, "device": str, "seq": int, "alert": int, "record": str},
                           pk="id", not_null={"received", "device", "seq", "record"}, if_not_exists=True)


#: The ledger's rules (PRAGMA user_version): a database kept under older rules has its
#: ledger made again when opened. 1: retries and faults apart, no made-up persons.
LEDGER_RULES = 1


def rebuild_ledger(conn: sqlite3.Connection) -> None:
    """The ledger made again from the stored passages by today's rules, in the caller's
    transaction. SQLite groups and counts (a school's history may be millions of passages:
    1M in about 30 s once, memory flat); whose row and whether the clock counted are asked of the
    same Python functions ingest uses, so both give the same ledger (and a record holding
    NaN, which Python's JSON takes and SQLite's json_extract refuses, is no obstacle). A
    passage's day is the one stored with it (the day it arrived is not known for old
    unsynchronized ones)."""
    parsed: Dict[str, Any] = {"text": None, "record": {}}

    def record(text: str) -> Dict[str, Any]:  # (both functions see each row in turn: parse once)
        if text != parsed["text"]:
            try:
                value = json.loads(text)
            except ValueError:
                value = {}
            parsed["text"], parsed["record"] = text, value if isinstance(value, dict) else {}
        return parsed["record"]

    conn.create_function("gate_ledger_key", 1, lambda text: _ledger_key(record(text)), deterministic=True)
    conn.create_function("gate_clock_counts", 1, lambda text: int(bool(record(text).get("clock_ok", True))),
                         deterministic=True)
    conn.execute("DELETE FROM ledger")
    conn.execute(
        "INSERT INTO ledger (person_id, day, passages, fevers, denials, last_wall, retries, faults)"
        " SELECT who, day, COUNT(*), SUM(verdict = 'fever'), SUM(verdict = 'deny'),"
        " MAX(CASE WHEN clock THEN wall END), SUM(verdict = 'retry'), SUM(verdict = 'fault')"
        " FROM (SELECT gate_ledger_key(record) AS who, gate_clock_counts(record) AS clock, day, verdict, wall"
        " FROM passages) WHERE who IS NOT NULL GROUP BY who, day")


_SCALAR = (str, int, float, type(None))
_COLUMNS = ("site", "boot", "wall", "verdict", "person_id", "body_c", "card_hash", "value_c", "source", "check")
_INT64 = 2 ** 63


def _storable(value: Any) -> bool:
    """A value SQLite can bind: an integer within 64 bits, text that is valid UTF-8 (JSON
    may carry a lone surrogate such as \\ud800), a float, None."""
    if isinstance(value, bool) or not isinstance(value, _SCALAR):
        return False
    if isinstance(value, int):
        return -_INT64 <= value < _INT64
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return False
    return True


def record_problem(r: Dict[str, Any]) -> Optional[str]:
    """Why a record cannot go into the tables (None: it can)."""
    if not isinstance(r.get("device"), str) or not r["device"] or not _storable(r["device"]):
        return "device is not a non-empty string"
    if not isinstance(r.get("seq"), int) or not _storable(r["seq"]):
        return "seq is not a 64-bit integer"
    wrong = [k for k in _COLUMNS if not _storable(r.get(k))]
    return f"{', '.join(wrong)} not a string or number" if wrong else None


class Ingested(NamedTuple):
    """What one message added: records new to the tables, and records kept in `conflicts`
    (an alert among them is still an alert the office must hear of)."""
    new: List[Dict[str, Any]]
    conflicts: List[Dict[str, Any]]


def _text(r: Dict[str, Any]) -> str:
    return json.dumps(r, separators=(",", ":"))


def _ledger_key(r: Dict[str, Any]) -> Optional[str]:
    """Whose ledger row a passage counts in: the roster's person, or an unknown card's keyed
    hash. A passage with neither (no card on a lane that needs none, a visitor registered
    by the guard's key) is nobody's in particular: in the passages table, not the ledger,
    where all of them would have made one person."""
    if r.get("person_id"):
        return str(r["person_id"])
    if r.get("card_hash") and r.get("card_masked"):
        return f"card:{r['card_hash']}"
    return None


def _day(r: Dict[str, Any], wall: str) -> str:
    """The gate's local date of a passage. A date from a clock that was not synchronized
    can be far off (a Pi starts on its last saved date, or 1970): then the day it reached
    the collector, in the gate's own UTC offset."""
    if r.get("clock_ok", True):
        return wall[:10]
    try:
        offset = datetime.datetime.fromisoformat(wall).tzinfo
    except ValueError:
        offset = None
    return datetime.datetime.now(offset or datetime.timezone.utc).date().isoformat()


class CollectorDB:
    def __init__(self, path: str) -> None:
        make_private(path)  # temperatures, fevers and the per-person ledger of every gate
        self.conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30.0)
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=FULL")
        self.conn.execute("PRAGMA secure_delete=ON")  # what retention purges does not linger in free pages
        create_schema(self.conn)
        self.duplicates = 0
        self.inserted = 0
        self.malformed = 0  # messages and records kept in the malformed table
        self.conflicts = 0  # records kept in the conflicts table
        self.last_problem = ""

    def ingest(self, records: List[Dict[str, Any]], alert: bool, topic: str = "") -> Ingested:
        """Insert new records (one transaction). A record the tables cannot take goes into
        `malformed` in the same transaction, one that conflicts with a stored record into
        `conflicts`; a resend changes nothing."""
        done = Ingested([], [])
        bad: List[str] = []
        with immediate(self.conn):
            for r in records:
                problem = record_problem(r)
                if problem is not None:
                    bad.append(problem)
                    self._keep(topic, problem, _text(r).encode("utf-8"))
                elif self._one(r, alert):
                    done.new.append(r)
                elif self._conflict(r, alert):
                    done.conflicts.append(r)
        self.inserted += len(done.new)
        self.conflicts += len(done.conflicts)
        self.duplicates += len(records) - len(done.new) - len(bad) - len(done.conflicts)
        self._kept(bad)
        return done

    def keep_malformed(self, topic: str, reason: str, payload: bytes) -> None:
        """A message that is not a passages/alerts message at all, kept as it came."""
        with immediate(self.conn):
            self._keep(topic, reason, payload)
        self._kept([reason])

    def _keep(self, topic: str, reason: str, payload: bytes) -> None:
        self.conn.execute("INSERT INTO malformed (received, topic, reason, payload) VALUES (?,?,?,?)",
                          (time.time(), topic, reason, payload))

    def _kept(self, problems: List[str]) -> None:  # counted once committed
        if problems:
            self.malformed += len(problems)
            self.last_problem = problems[0]

    def _conflict(self, r: Dict[str, Any], alert: bool) -> bool:
        """Not inserted: True when it is another record under a used key (a passage's
        (device, seq), a clinical reading's (device, seq, check)), newly kept in `conflicts`;
        False for a resend (of a stored or of a kept record)."""
        text = _text(r)
        if r.get("type") == "secondary_check":
            stored = self.conn.execute(
                "SELECT value_c, source, wall FROM secondary_checks WHERE device=? AND seq=? AND check_id=?",
                (r["device"], r["seq"], r.get("check") or 0)).fetchone()
            same = not self._check_of_another_passage(r) and (
                stored is None or stored == (r.get("value_c"), r.get("source"), str(r.get("wall", ""))))
        else:
            stored = self.conn.execute("SELECT record FROM passages WHERE device=? AND seq=?",
                                       (r["device"], r["seq"])).fetchone()
            same = stored is None or stored[0] == text
        if same or self.conn.execute("SELECT 1 FROM conflicts WHERE device=? AND seq=? AND record=?",
                                     (r["device"], r["seq"], text)).fetchone() is not None:
            return False
        self.conn.execute("INSERT INTO conflicts (received, device, seq, alert, record) VALUES (?,?,?,?,?)",
                          (time.time(), r["device"], r["seq"], int(alert), text))
        log.warning("collector: gate %s sent %s %s again with other content (its database was replaced?):"
                    " kept in the conflicts table", r["device"], r.get("type", "passage"), r["seq"])
        return True

    def _check_of_another_passage(self, r: Dict[str, Any]) -> bool:
        """A clinical reading whose passage (by its wall time) is not the one stored under
        its (device, seq): it belongs to a passage kept in conflicts. (Readings from gates
        before passage_wall was sent cannot be told apart.)"""
        if not r.get("passage_wall"):
            return False
        stored = self.conn.execute("SELECT wall FROM passages WHERE device=? AND seq=?",
                                   (r["device"], r["seq"])).fetchone()
        return stored is not None and stored[0] != r["passage_wall"]

    def _one(self, r: Dict[str, Any], alert: bool) -> int:
        wall = str(r.get("wall", ""))
        if r.get("type") == "secondary_check":
            if self._check_of_another_passage(r):
                return 0  # (to conflicts: attached here it would give a stored passage another's reading)
            cur = self.conn.execute("INSERT OR IGNORE INTO secondary_checks VALUES (?,?,?,?,?,?)",
                                    (r["device"], r["seq"], r.get("check") or 0, r.get("value_c"),
                                     r.get("source"), wall))
            return cur.rowcount
        day = _day(r, wall)
        cur = self.conn.execute(
            "INSERT OR IGNORE INTO passages VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (r["device"], r["seq"], r.get("site"), r.get("boot"), wall, day, r.get("verdict"),
             r.get("person_id"), r.get("body_c"), int(alert), _text(r)))
        if cur.rowcount != 1:
            return 0
        person = _ledger_key(r)
        if person is not None:
            verdict = r.get("verdict")
            self.conn.execute(
                "INSERT INTO ledger (person_id, day, passages, fevers, denials, last_wall, retries, faults)"
                " VALUES (?,?,1,?,?,?,?,?) ON CONFLICT(person_id, day) DO UPDATE SET passages=passages+1,"
                " fevers=fevers+excluded.fevers, denials=denials+excluded.denials, retries=retries+excluded.retries,"
                " faults=faults+excluded.faults,"
                " last_wall=COALESCE(max(last_wall, excluded.last_wall), last_wall, excluded.last_wall)",
                (person, day, int(verdict == "fever"), int(verdict == "deny"),
                 wall if r.get("clock_ok", True) else None,  # (an unsynchronized date says nothing)
                 int(verdict == "retry"), int(verdict == "fault")))
        return 1

    def count(self) -> int:
        return int(self.conn.execute("SELECT COUNT(*) FROM passages").fetchone()[0])

    def close(self) -> None:
        self.conn.close()
