"""``gate-edge replay``: run the real lane on a recording, one JSON line per passage."""
from __future__ import annotations

import argparse
import json
import sys

from edge.recording import RecordingError, load
from edge.settings.loader import load_config


def register(sub: "argparse._SubParsersAction") -> None:
    p = sub.add_parser("replay", help="run the lane on a recording (.npz) as fast as possible")
    p.add_argument("recording", metavar="FILE.npz")
    p.add_argument("--config", metavar="FILE", help="YAML config (default: the embedded default)")
    p.add_argument("--json", action="store_true", help="one JSON object per passage (default: one text line)")
    p.add_argument("--raw-cards", action="store_true",
                   help="card numbers unmasked in --json (to match a simulated recording's truth; a real gate's "
                        "recording holds real ID numbers)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from edge.clock import local_time_in
    from edge.outputs import format_passage
    from edge.record import masked_card
    from edge.replay import run_recording
    from edge.settings.files import START_CHECKS

    config = load_config(args.config, START_CHECKS)  # a ConfigError is reported by edge.cli (exit 2)
    try:
        rec = load(args.recording)
    except (RecordingError, OSError) as exc:
        print(f"{args.recording}: {exc}", file=sys.stderr)
        return 2
    for seq, (record, _person) in enumerate(run_recording(rec, config), start=1):
        if args.json:
            print(json.dumps({
                "seq": seq, "t": round(record.t, 3), "card": record.card if args.raw_cards else masked_card(record),
                "person_id": record.person_id,
                "skin_c": _round(record.skin_c), "body_c": _round(record.body_c),
                "verdict": record.verdict.value, "reasons": list(record.reasons),
                "calibration": record.measurement.get("calibration_version"),
            }, ensure_ascii=False))
        else:
            print(format_passage(record, local_time=local_time_in(config.device.timezone)))
    return 0


def _round(value):
    return None if value is None else round(value, 2)
