"""``gate-edge status``: what the gate holds and how it is doing, read-only."""
from __future__ import annotations

import argparse
import json
import sys
from typing import Any, Dict, List, Optional, TextIO

from edge.settings.loader import load_config
from edge.status_read import NoDatabase, read_database, read_state


def register(sub: "argparse._SubParsersAction") -> None:
    p = sub.add_parser("status", help="backlog, last passage, device states and roster version (read-only)")
    p.add_argument("--config", metavar="FILE", help="YAML config (default: the embedded demo config)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=run)


def run(args: argparse.Namespace, out: TextIO = sys.stdout) -> int:
    config = load_config(args.config)
    try:
        db = read_database(config.store.path, config.device.timezone)
    except NoDatabase as exc:
        print(f"gate-edge status: {exc}", file=sys.stderr)
        return 1
    state = read_state(config.store.path)
    if args.json:
        json.dump({"device": config.device.id, "site": config.device.site, **db, "state": state}, out,
                  indent=2, sort_keys=True, default=str)
        out.write("\n")
        return 0
    out.write("\n".join(render(config.device.site, config.device.id, db, state, config.policy.roster_file,
                                config.policy.no_roster_effect(), sends=config.mqtt is not None)) + "\n")
    return 0


def _age(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    if seconds < 172800:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"


def _roster_line(stored: Optional[str], health: Dict[str, Any], roster_file: Optional[str],
                 no_roster: str = "every card is denied (no_roster)", as_of: Optional[str] = None) -> str:
    """The stored version, and what the gate decides from when that is another roster (the
    CSV file of policy.roster_file is newer, or the stored one is not loaded yet), or none.
    ``as_of``: the daemon is not running, so that is what it decided from then, not now."""
    line = f"roster       stored version {stored or 'none'}"
    lane = health.get("roster_version")
    when = f" ({as_of})" if as_of else ""
    if lane is not None and str(lane) != str(stored):
        line += f"; the gate {'decided' if as_of else 'decides'} from version {lane}{when}"
    elif lane is None and health:
        line += f"; the gate {'had' if as_of else 'has'} no roster{when}: {no_roster}"
    elif lane is None and roster_file:
        line += f"; the gate also reads {roster_file} (version = its modification time; the newer wins)"
    return line


def _backlog_line(backlog: Dict[str, Any], sends: bool) -> str:
    """What waits for the school; a gate without ``mqtt:`` sends nothing, so neither "empty:
    everything reached the school" nor an age of unsent records would be true there."""
    if not sends:
        queued = backlog["messages"]
        return ("backlog      none: offline-only gate (no mqtt: section), records stay on this gate"
                + (f"; {queued} queued, sent only if an mqtt: section is added" if queued else ""))
    if backlog["messages"]:
        return (f"backlog      {backlog['messages']} unsent ({backlog['alerts']} alerts,"
                f" {backlog['unsynced_fevers']} fevers); oldest #{backlog['oldest_unsent_seq']},"
                f" {_age(backlog['oldest_unsent_s'])} old")
    return "backlog      empty: everything reached the school"


def render(site: str, device: str, db: Dict[str, Any], state: Dict[str, Any],
           roster_file: Optional[str] = None, no_roster: str = "every card is denied (no_roster)",
           sends: bool = True) -> List[str]:
    """The text of ``gate-edge status``. ``sends``: the config has an ``mqtt:`` section.

    The lines from the daemon's state file (roster decision, devices, sync, faults, retention)
    are its view when it last wrote the file; when it is not running they carry ``as_of``
    ("at stop", "last reported 95 s ago"), so that a stopped gate's 'sync online' or
    'thermal ok' is not read as the state now."""
    today = dict(db["today"])
    date = today.pop("date")
    backlog = db["backlog"]
    last = db["last_passage"]
    lines = [
        f"gate {site}/{device}   daemon: {state['daemon']}",
        f"database     {db['database']}  ({db['db_bytes']['file'] / 1e6:.1f} MB on disk,"
        f" {db['db_bytes']['data'] / 1e6:.1f} MB data, {db['passages_total']} passages kept)",
        f"today {date}  {sum(today.values())} passages: "
        + (", ".join(f"{v} {k}" for k, v in sorted(today.items())) or "none"),
        "last passage " + ("none" if last is None else
                           f"#{last['seq']} {last['time']} {last['verdict']}"
                           + ("" if last["clock_ok"] else " (clock not synchronized)")),
    ]
    lines.append(_backlog_line(backlog, sends))
    health = state.get("health", {})
    as_of: Optional[str] = None if state.get("live", True) else state.get("as_of")
    lines.append(_roster_line(db["roster_version"], health, roster_file, no_roster, as_of))
    if health:
        was = f"{as_of}: " if as_of else ""
        devices = ", ".join(f"{role} {s}" for role, s in sorted(health.get("devices", {}).items()))
        lines.append(f"devices      {was}{devices or 'unknown'}")
        lines.append(f"sync         {was}{health.get('sync', 'unknown')}")
        if health.get("store_fault"):
            lines.append(f"STORE FAULT  {was}{health['store_fault']} (passages "
                         + ("were waiting in memory)" if as_of else "wait in memory)"))
        if health.get("store_dropped"):
            lines.append(f"STORE LOSS   {was}{health['store_dropped']} routine passages (pass, deny, retry) let go"
                         " unstored since start (the store stayed unwritable; fevers, faults and readings are kept)")
        ret = health.get("retention") or {}
        if ret.get("runs"):
            lines.append(f"retention    {was}{ret.get('purged_old', 0)} purged, {ret.get('dropped_synced', 0)}"
                         f" + {ret.get('dropped_unsynced', 0)} unsynced dropped for the size cap,"
                         f" {ret.get('vacuums', 0)} vacuums since start")
        if ret.get("last_error"):
            lines.append(f"RETENTION    {was}last run failed: {ret['last_error']}")
    return lines
