"""`gate-edge collect`: the school-side receiver (runs until SIGTERM/SIGINT)."""
from __future__ import annotations

import argparse
import logging
import signal
import sqlite3
import sys
import threading

from edge.commands import broker_login
from edge.store_errors import unusable

log = logging.getLogger(__name__)


def register(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    p = sub.add_parser("collect", help="Receive passages and alerts from the gates into a SQLite file.")
    p.add_argument("--broker", required=True, help="mqtt://host:port or mqtts://host:port")
    p.add_argument("--db", required=True, help="Collector SQLite file (created when missing).")
    p.add_argument("--share", help="Shared-subscription group: several collectors split the load.")
    p.add_argument("--prefix", default="gate-edge", help="Topic prefix (mqtt.topic_prefix of the gates).")
    p.add_argument("--client-id", help="MQTT client id of the collector's persistent session (default: made from"
                   " this host's name and the --db path, so the same on every start).")
    p.add_argument("--retention-days", type=_days, default=0, metavar="N",
                   help="Purge passages, thermometer readings and ledger rows N days after their day (checked"
                        " at start and hourly; default 0: keep everything).")
    broker_login.add_arguments(p)
    p.set_defaults(func=run)


def _days(text: str) -> int:
    try:
        days = int(text)
    except ValueError:
        days = -1
    if days < 0:
        raise argparse.ArgumentTypeError(f"expected a whole number of days (0 = keep everything), got {text!r}")
    return days


def run(args: argparse.Namespace) -> int:
    from edge.sync.collector import Collector
    from edge.sync.collector_retention import RetentionClock

    login, error = broker_login.from_arguments(args)
    if login is None:
        print(f"gate-edge collect: {error}", file=sys.stderr)
        return 2
    try:
        collector = Collector(args.broker, args.db, share=args.share, prefix=args.prefix, client_id=args.client_id,
                              username=login.username, password=login.password, ca_file=login.ca_file)
    except ValueError as exc:  # the broker URL (scheme, port)
        print(f"gate-edge collect: --broker {args.broker}: {exc}", file=sys.stderr)
        return 2
    except (sqlite3.DatabaseError, OSError) as exc:
        raise unusable(args.db, exc, key="--db", user="") from exc
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    retention = RetentionClock(args.db, args.retention_days)
    retention.run_if_due()
    collector.start()  # connects in the background, trying again until the broker answers
    while not stop.wait(60.0):
        retention.run_if_due()
        log.info("collector: %d passages, %d duplicates dropped, %d unusable kept in the malformed table,"
                 " %d conflicting kept in the conflicts table", collector.db.inserted, collector.db.duplicates,
                 collector.db.malformed, collector.db.conflicts)
    collector.stop()
    return 0
