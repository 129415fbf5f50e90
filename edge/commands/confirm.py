"""``gate-edge confirm PASSAGE_ID 37.9``: store the guard's clinical thermometer reading.

A fever verdict opens a secondary check (the device does not diagnose); the reading taken
with a clinical thermometer is stored with the passage and synced with it. PASSAGE_ID is
the passage's seq, or ``DEVICE:SEQ`` as shown on the screen and in the ledger.
"""
from __future__ import annotations

import argparse
import logging
import os
import sys
from typing import Optional, Tuple

from edge.clinical import READING_MAX_C, READING_MIN_C, parse_reading
from edge.settings.loader import load_config

log = logging.getLogger(__name__)


def register(sub: "argparse._SubParsersAction") -> None:
    p = sub.add_parser("confirm", help="store a clinical thermometer reading as the secondary check of a passage")
    p.add_argument("passage", metavar="PASSAGE_ID", help="passage seq, or DEVICE:SEQ")
    p.add_argument("value_c", metavar="CELSIUS", help="clinical reading in deg C: 37.9, 37,9 or 379")
    p.add_argument("--config", metavar="FILE", help="YAML config (default: the embedded demo config)")
    p.add_argument("--source", default="cli", help="where the reading comes from (default: cli)")
    p.set_defaults(func=run)


def parse_passage(text: str, device_id: str) -> Tuple[Optional[int], str]:
    """(seq, error): seq is None when the id is malformed or names another device."""
    device, sep, seq_text = text.rpartition(":")
    if sep and device != device_id:
        return None, f"passage {text} belongs to device {device!r}, this is {device_id!r}"
    try:
        seq = int(seq_text)
    except ValueError:
        return None, f"passage id {text!r}: expected a number or DEVICE:NUMBER"
    if seq < 1:
        return None, f"passage id {text!r}: numbers start at 1"
    return seq, ""


def parse_value(text: str) -> Tuple[Optional[float], str]:
    """(value, error), by the keypad's rule (edge.clinical): 37.9, 37,9 and 379 are 37.9."""
    value = parse_reading(text)
    if value is None:
        return None, (f"{text!r} is not a clinical reading between {READING_MIN_C:g} and {READING_MAX_C:g} deg C"
                      " (37.9, 37,9 or 379): check the thermometer reading")
    return value, ""


def run(args: argparse.Namespace) -> int:
    config = load_config(args.config)  # a ConfigError is reported by edge.cli (exit 2)
    seq, error = parse_passage(args.passage, config.device.id)
    value, value_error = parse_value(args.value_c)
    if seq is None or value is None:
        print(f"confirm: {error or value_error}", file=sys.stderr)
        return 2
    from edge.store import Store  # imported late: argument errors must not need the database

    if not os.path.exists(config.store.path):
        print(f"confirm: no database at {config.store.path}", file=sys.stderr)
        return 1
    store = Store(config.store.path, config.device).open()
    try:
        passage = store.passage(seq)
        store.add_secondary_check(seq, value, args.source)
    except KeyError:
        print(f"confirm: no passage {config.device.id}:{seq} in {config.store.path}", file=sys.stderr)
        return 1
    finally:
        store.close()
    measured = passage.get("body_c") if passage else None
    was = f", gate measured {measured:.1f}" if isinstance(measured, (int, float)) else ""
    verdict = "at or above the fever line" if value >= config.screening.fever_c else "below the fever line"
    print(f"passage {config.device.id}:{seq}: clinical {value:.1f} deg C stored ({verdict}{was})")
    return 0
