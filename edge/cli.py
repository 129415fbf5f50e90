"""``gate-edge`` command line: dispatches to the modules in edge.commands."""
from __future__ import annotations

import argparse
import importlib
import logging
import sys
from typing import List, Optional

from edge import __version__
from edge.settings.errors import ConfigError
from edge.store_errors import StoreUnusable

# Subcommand modules under edge.commands, in the order --help lists them.
COMMANDS = (
    "run",
    "status",
    "check_config",
    "sim",
    "replay",
    "screenshot",
    "calibrate",
    "confirm",
    "doctor",
    "roster",
    "collect",
)

LOG_FORMAT = "%(levelname)s %(name)s: %(message)s"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gate-edge", description="School gate screening appliance.")
    parser.add_argument("--version", action="version", version=f"gate-edge {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in COMMANDS:
        importlib.import_module(f"edge.commands.{name}").register(sub)
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    # journald adds its own timestamps; stderr without them stays readable there.
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO, format=LOG_FORMAT, stream=sys.stderr)
    try:
        return int(args.func(args) or 0)
    except ConfigError as exc:
        # Technician-facing: FILE:LINE: key.path: message lines, no traceback.
        print(exc, file=sys.stderr)
        return 2
    except StoreUnusable as exc:
        print(f"gate-edge: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
