"""``gate-edge sim``: write a simulated recording (README "Recording format").

The recording keeps only the frames around each person (empty stretches are skipped,
scene time is kept). p2pro and lepton35 recordings default to 4 frames/s instead of the
cameras' 25 and 8.7: a 200-person p2pro file then stays under 1 GB and the lane still sees
6-12 still frames per person; ``--fps`` overrides it.
"""
from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from typing import Optional, Tuple

log = logging.getLogger(__name__)


def _pair(text: str) -> Tuple[float, float]:
    try:
        lo, hi = (float(v) for v in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected MIN,MAX (e.g. 0.6,1.0), got {text!r}") from None
    if hi < lo:
        raise argparse.ArgumentTypeError(f"MIN must not exceed MAX in {text!r}")
    return lo, hi


def _share(text: str) -> float:
    value = float(text)
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"a share between 0 and 1, got {text}")
    return value


def register(sub: "argparse._SubParsersAction") -> None:
    p = sub.add_parser("sim", help="write a simulated recording (.npz) with ground truth")
    p.add_argument("--out", required=True, metavar="FILE.npz", help="recording to write")
    p.add_argument("--people", type=int, default=50, help="people who pass (default 50)")
    p.add_argument("--fever-rate", type=_share, default=0.05, metavar="R", help="share with a fever (default 0.05)")
    p.add_argument("--seed", type=int, default=1, metavar="S", help="random seed (default 1)")
    p.add_argument("--sensor", choices=("mlx90640", "lepton35", "p2pro"), default="p2pro")
    p.add_argument("--ambient", type=float, default=22.0, metavar="C", help="room temperature (default 22)")
    p.add_argument("--fps", type=float, default=0.0,
                   help="recording frame rate (default 4 for p2pro and lepton35, 8 for mlx90640)")
    p.add_argument("--noise", type=_noise, metavar="C",
                   help="pixel noise rms, at least 0.01 (default: the sensor's; a noise-free recording replays "
                        "as a frozen sensor)")
    p.add_argument("--blur", type=float, metavar="PX", help="optics blur sigma in pixels (default: the sensor's)")
    p.add_argument("--distance", type=_pair, default=(0.6, 1.0), metavar="MIN,MAX", help="metres (default 0.6,1.0)")
    p.add_argument("--gap", type=_pair, default=(1.0, 4.0), metavar="MIN,MAX", help="seconds between people")
    p.add_argument("--cold-rate", type=_share, default=0.0, metavar="R", help="share arriving from the cold")
    p.add_argument("--two-people-rate", type=_share, default=0.0, metavar="R", help="share with a second person")
    p.add_argument("--hot-object-rate", type=_share, default=0.0, metavar="R", help="share holding a hot cup")
    p.add_argument("--shutter", type=_pair, nargs="?", const=(5.0, 60.0), metavar="MIN,MAX",
                   help="shutter events every MIN..MAX s (default when given: 5,60)")
    p.add_argument("--drift", type=float, default=0.0, metavar="C_PER_MIN", help="sensor drift, deg C per minute")
    p.add_argument("--bias", type=float, default=0.0, metavar="C", help="constant sensor error, deg C")
    p.add_argument("--blackbody", type=float, metavar="SETPOINT", help="blackbody in view at this temperature")
    p.add_argument("--blackbody-box", metavar="X,Y,W,H", help="blackbody place in pixels (default: top right)")
    p.add_argument("--unknown-card-rate", type=_share, default=0.0, metavar="R", help="share with unregistered cards")
    p.add_argument("--no-card-rate", type=_share, default=0.0, metavar="R", help="share tapping no card")
    p.add_argument("--roster", metavar="FILE.csv", help="also write the demo roster CSV that knows the cards")
    p.set_defaults(func=run)


def _box(text: Optional[str]) -> Optional[Tuple[int, int, int, int]]:
    if text is None:
        return None
    parts = [int(v) for v in text.split(",")]
    if len(parts) != 4 or parts[2] < 1 or parts[3] < 1:
        raise ValueError(f"--blackbody-box wants X,Y,W,H with W,H >= 1, got {text!r}")
    return parts[0], parts[1], parts[2], parts[3]


def run(args: argparse.Namespace) -> int:
    from drivers.thermal.scene_cards import write_roster
    from drivers.thermal.scene_model import SceneConfig
    from drivers.thermal.scene_record import record
    from edge.recording import save

    if args.people < 1:
        print("gate-edge sim: --people must be at least 1", file=sys.stderr)
        return 2
    try:
        config = SceneConfig(sensor=args.sensor, seed=args.seed, people=args.people, noise_c=args.noise,
                             psf_px=args.blur, ambient_c=args.ambient, fever_rate=args.fever_rate,
                             distance_m=args.distance, gap_s=args.gap, cold_rate=args.cold_rate,
                             two_people_rate=args.two_people_rate, hot_object_rate=args.hot_object_rate,
                             shutter_every_s=args.shutter, drift_c_per_min=args.drift, bias_c=args.bias,
                             blackbody_c=args.blackbody, blackbody_box=_box(args.blackbody_box),
                             unknown_card_rate=args.unknown_card_rate, no_card_rate=args.no_card_rate)
    except ValueError as exc:
        print(f"gate-edge sim: {exc}", file=sys.stderr)
        return 2
    started = time.monotonic()
    rec = record(config, args.fps)
    save(args.out, rec)
    if args.roster:
        write_roster(args.roster)
    out = args.out if args.out.endswith(".npz") else args.out + ".npz"
    fevers = sum(1 for p in rec.truth or [] if p["fever"])
    h, w = rec.shape
    print(f"{out}: {args.people} people ({fevers} fever), {len(rec)} frames {w}x{h} {args.sensor} "
          f"@ {rec.meta['fps']:g} Hz, {float(rec.t[-1]):.0f} s scene, {len(rec.cards or [])} card taps, "
          f"{os.path.getsize(out) / 1e6:.0f} MB in {time.monotonic() - started:.1f} s")
    return 0


def _noise(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0.01 <= value <= 5.0:  # (NaN fails too)
        raise argparse.ArgumentTypeError(f"expected a pixel noise between 0.01 and 5 deg C, got {text!r}")
    return value
