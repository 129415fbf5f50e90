"""``gate-edge run``: the daemon."""
from __future__ import annotations

import argparse
import sys

from edge.settings.loader import load_config


def register(sub: "argparse._SubParsersAction") -> None:
    p = sub.add_parser("run", help="run the gate lane (the daemon)")
    p.add_argument("--config", metavar="FILE", help="YAML config (default: the embedded demo config)")
    p.add_argument("--headless", action="store_true", help="no screen window")
    p.add_argument("--for", dest="run_for", type=float, metavar="SECONDS", help="stop after this many seconds")
    p.add_argument("--print-passages", action="store_true", help="print one line per passage on stdout")
    p.add_argument("--validate-config", action="store_true", help="check the config and exit (0 ok, 2 errors)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.validate_config:
        from edge.commands.check_config import check

        return check(args.config, out=sys.stdout, err=sys.stderr)
    from edge.settings.files import START_CHECKS

    # A ConfigError is reported by edge.cli (exit 2); the start checks open what the daemon
    # would stop on (the calibration file), so a broken one is a config error, not a traceback.
    config = load_config(args.config, START_CHECKS)
    from edge.daemon import Daemon  # imported late: --validate-config must not need OpenCV & co.

    return Daemon(config, args.config, args.headless, args.run_for, console=args.print_passages).run()
