"""`gate-edge collect`: the school-side receiver (runs until SIGTERM/SIGINT)."""
from __future__ import annotations

import argparse
import logging
import os
import signal
import sqlite3
import sys
import threading

from edge.store_errors import unusable

log = logging.getLogger(__name__)


def register(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    p = sub.add_parser("collect", help="Receive passages and alerts from the gates into a SQLite file.")
    p.add_argument("--broker", required=True, help="mqtt://host:port or mqtts://host:port")
    p.add_argument("--db", required=True, help="Collector SQLite file (created when missing).")
    p.add_argument("--share", help="Shared-subscription group: several collectors split the load.")
    p.add_argument("--prefix", default="gate-edge", help="Topic prefix (mqtt.topic_prefix of the gates).")
    p.add_argument("--client-id", help="MQTT client id (default: collector-GROUP); keep it stable.")
    p.add_argument("--username", help="Broker user name.")
    p.add_argument("--password-env", help="Environment variable holding the broker password.")
    p.add_argument("--ca", help="CA file for TLS.")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from edge.sync.collector import Collector

    password = os.environ.get(args.password_env, "") if args.password_env else ""
    if args.ca and not os.access(args.ca, os.R_OK):
        print(f"gate-edge collect: --ca {args.ca}: cannot read the CA file", file=sys.stderr)
        return 2
    try:
        collector = Collector(args.broker, args.db, share=args.share, prefix=args.prefix, client_id=args.client_id,
                              username=args.username or "", password=password, ca_file=args.ca)
    except ValueError as exc:  # the broker URL (scheme, port)
        print(f"gate-edge collect: --broker {args.broker}: {exc}", file=sys.stderr)
        return 2
    except (sqlite3.DatabaseError, OSError) as exc:
        raise unusable(args.db, exc, key="--db", user="") from exc
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    try:
        collector.start()
    except OSError as exc:
        log.error("cannot reach broker %s: %s", args.broker, exc)
        return 1
    while not stop.wait(60.0):
        log.info("collector: %d passages, %d duplicates dropped, %d unusable kept in the malformed table",
                 collector.db.inserted, collector.db.duplicates, collector.db.malformed)
    collector.stop()
    return 0
