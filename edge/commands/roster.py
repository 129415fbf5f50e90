"""``gate-edge roster``: import a roster CSV, show it, check a card, publish it to the gates."""
from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import os
import sqlite3
import sys
import time
from collections import Counter
from typing import Optional, TextIO, Tuple

from edge import reasons
from edge.cards import mask_card_id, normalize_card_id
from edge.clock import kernel_clock_synchronized
from edge.commands import broker_login
from edge.commands.broker_login import BrokerLogin
from edge.policy import Policy
from edge.roster import Roster, RosterError
from edge.roster_csv import read_csv
from edge.settings.loader import load_config
from edge.settings.root import GateConfig
from edge.store_errors import unusable


def register(sub: "argparse._SubParsersAction") -> None:
    p = sub.add_parser("roster", help="import, show, check or publish the school roster")
    rsub = p.add_subparsers(dest="roster_command", metavar="ACTION")
    rsub.required = True
    imp = rsub.add_parser("import", help="import a roster CSV (UTF-8, UTF-8 with BOM or GB18030) into the database")
    imp.add_argument("file", metavar="FILE.csv")
    show = rsub.add_parser("show", help="summarise the roster this gate decides from")
    show.add_argument("--persons", action="store_true", help="also list every person (cards masked)")
    check = rsub.add_parser("check", help="what this gate would decide for a card, and why")
    check.add_argument("card", metavar="CARD")
    check.add_argument("--at", metavar="ISO_TIME", help="decide as of this time (default: now)")
    pub = rsub.add_parser("publish", help="sign a roster CSV and publish it (retained) to every gate of the site")
    pub.add_argument("file", metavar="FILE.csv")
    pub.add_argument("--broker", required=True, metavar="URL", help="mqtt://host:port or mqtts://host:port")
    pub.add_argument("--key", required=True, metavar="FILE", help="file holding the site's roster signing key")
    pub.add_argument("--site", help="site id (default: device.site of --config; one of the two is required)")
    broker_login.add_arguments(pub)
    for q in (imp, show, check, pub):
        q.add_argument("--config", metavar="FILE", help="YAML config (default: the embedded demo config)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    config = load_config(args.config)  # a ConfigError is reported by edge.cli (exit 2)
    try:
        if args.roster_command == "import":
            return do_import(config, args.file, sys.stdout)
        if args.roster_command == "show":
            return do_show(config, args.persons, sys.stdout)
        if args.roster_command == "check":
            return do_check(config, args.card, args.at, sys.stdout)
        if args.site is None and args.config is None:
            # The embedded demo config's site would take it: a retained roster no gate of the
            # school subscribes to, and exit 0.
            print(f"roster publish: say which site the roster is for: --site SITE, or --config with the gates'"
                  f" YAML (device.site); without them it would go to the demo site"
                  f" '{config.device.site}'", file=sys.stderr)
            return 2
        login, error = broker_login.from_arguments(args)
        if login is None:
            print(f"roster publish: {error}", file=sys.stderr)
            return 2
        return do_publish(config, args.file, args.broker, args.key, args.site, sys.stdout, login)
    except (RosterError, ValueError) as exc:
        print(exc, file=sys.stderr)
        return 2
    except sqlite3.DatabaseError as exc:  # the gate's database, damaged or not ours to write
        raise unusable(config.store.path, exc) from exc


def gate_roster(config: GateConfig) -> Tuple[Roster, str]:
    """The roster the daemon would decide from (edge.assembly.load_gate_roster): a roster file
    that cannot be read leaves the stored one, said on stderr."""
    from edge.roster_store import gate_roster as newest

    try:
        os.stat(config.store.path)
    except FileNotFoundError:
        pass  # no database yet: the roster file is all the gate has
    except OSError as exc:
        # Not "no stored roster": answered from an empty one, every card would look denied.
        raise RosterError(f"{config.store.path}: cannot read the gate's database ({exc.strerror}): run this as the"
                          " user the gate runs as, or as root") from None
    try:
        return newest(config.store.path, config.policy.roster_file, config.device.site)
    except (RosterError, OSError) as exc:
        print(f"roster file not usable ({exc}): deciding from the stored roster, as the gate does", file=sys.stderr)
        return newest(config.store.path, None, config.device.site)


def do_import(config: GateConfig, path: str, out: TextIO = sys.stdout) -> int:
    from edge.roster_store import apply_snapshot, current_version

    db = config.store.path
    os.makedirs(os.path.dirname(os.path.abspath(db)), exist_ok=True)
    # Time-based versions stay comparable with rosters published by the school office.
    version = max((current_version(db) or 0) + 1, int(time.time()))
    snapshot = read_csv(path, site=config.device.site, version=version)
    applied = apply_snapshot(db, snapshot)
    print(f"{path}: {len(snapshot['persons'])} persons imported as roster version {applied} into {db}", file=out)
    return 0


def do_show(config: GateConfig, persons: bool, out: TextIO = sys.stdout) -> int:
    roster, source = gate_roster(config)
    print(f"roster version {roster.version} from {source}: {len(roster)} persons", file=out)
    for label, counter in (("role", Counter(p.role for p in roster)), ("group", Counter(p.group for p in roster))):
        print(f"  by {label}: " + ", ".join(f"{k or '-'} {n}" for k, n in sorted(counter.items())), file=out)
    for field in ("return_from", "quarantine_until", "exit_approved_until"):
        count = sum(1 for p in roster if getattr(p, field) is not None)
        print(f"  with {field}: {count}", file=out)
    flags = Counter(p.health_card for p in roster if p.health_card not in (None, "ok"))
    print(f"  health card missing {flags['missing']}, abnormal {flags['abnormal']}", file=out)
    if persons:
        for p in roster:
            cards = " ".join(mask_card_id(c) for c in p.cards)
            print(f"  {p.person_id}\t{p.name}\t{p.role}\t{p.group}\t{cards}", file=out)
    return 0


def _parse_at(at: Optional[str], policy: Policy) -> dt.datetime:
    if at is None:
        return dt.datetime.now(dt.timezone.utc)
    when = dt.datetime.fromisoformat(at)
    if when.tzinfo is None and policy.timezone is not None:
        when = when.replace(tzinfo=policy.timezone)
    return when


def do_check(config: GateConfig, card: str, at: Optional[str] = None, out: TextIO = sys.stdout) -> int:
    """Exit code 0 if the card would pass, 1 if denied."""
    roster, source = gate_roster(config)
    policy = Policy(config.policy, config.device)
    card_id = normalize_card_id(card)
    person = roster.lookup(card_id)
    now = _parse_at(at, policy)
    # Without --at the answer is for now, on this machine's clock, as the gate would decide:
    # an unsynchronized clock sends exit approvals to the guard (date_unverified).
    clock_ok = at is not None or kernel_clock_synchronized()
    decision = policy.decide(person, None, now, roster_loaded=len(roster) > 0, roster_version=roster.version,
                             clock_ok=clock_ok)
    print(f"gate {config.device.gate} ({policy.mode}), roster version {roster.version} from {source}, "
          f"day {policy.today(now).isoformat()}" + ("" if clock_ok else " (clock not synchronized)"), file=out)
    if person is None:
        print(f"card {card_id}: not in the roster", file=out)
    else:
        print(f"card {card_id}: {person.person_id} {person.name} ({person.role}, {person.group or '-'})", file=out)
    print(("PASS" if decision.allowed else "DENY") + (" with flags" if decision.soft else ""), file=out)
    for code in decision.reasons:
        kind = "soft" if code in decision.soft else "hard"
        print(f"  {code} [{kind}]: {reasons.text(code, 'zh')} / {reasons.text(code, 'en')}", file=out)
    for key in ("return_from", "quarantine_until"):
        if key in decision.facts:
            print(f"  {key}: {decision.facts[key]}", file=out)
    return 0 if decision.allowed else 1


def _topic_prefix(config: GateConfig) -> str:
    if config.mqtt is not None:
        return config.mqtt.topic_prefix
    from edge.settings.mqtt import MqttSettings

    return next(f.default for f in dataclasses.fields(MqttSettings) if f.name == "topic_prefix")


def do_publish(config: GateConfig, path: str, broker: str, key_file: str, site: Optional[str],
               out: TextIO = sys.stdout, login: BrokerLogin = BrokerLogin()) -> int:
    from edge.sync.roster_sign import parse_key, publish_roster

    site = site or config.device.site
    snapshot = read_csv(path, site=site, version=int(time.time()))
    try:
        with open(key_file, encoding="utf-8") as fh:
            key = parse_key(fh.readline())
    except OSError as exc:
        print(f"{key_file}: cannot read the key ({exc.strerror})", file=sys.stderr)
        return 2
    if not key:
        print(f"{key_file}: the key is empty", file=sys.stderr)
        return 2
    try:
        publish_roster(snapshot, broker, key, site, _topic_prefix(config), login.username, login.password,
                       ca_file=login.ca_file)
    except (OSError, TimeoutError) as exc:
        print(f"{broker}: roster not published ({exc})", file=sys.stderr)
        return 1
    print(f"{path}: roster version {snapshot['version']} ({len(snapshot['persons'])} persons) published "
          f"for site {site}", file=out)
    return 0
