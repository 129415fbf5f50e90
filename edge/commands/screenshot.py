"""``gate-edge screenshot``: render the guard's screen for a canned state to a PNG.

For the README, for checking a new display size, and for tests: no sensor, no window.
"""
from __future__ import annotations

import argparse
import logging
import sys

from edge.screen.canned import STATES

log = logging.getLogger(__name__)


def register(sub: "argparse._SubParsersAction") -> None:
    p = sub.add_parser("screenshot", help="render the guard's screen for a canned state to a PNG")
    p.add_argument("--config", metavar="FILE", help="YAML config (display section; default: the embedded config)")
    p.add_argument("--state", required=True, choices=STATES, help="what the screen shows")
    p.add_argument("--out", required=True, metavar="FILE.png", help="image to write")
    p.add_argument("--size", metavar="WxH", help="screen size, e.g. 800x480 (default: display.size)")
    p.add_argument("--language", choices=("zh", "en"), help="override display.language")
    p.add_argument("--recording", metavar="FILE.npz",
                   help="take the thermal picture from a recording (its warmest frame)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import dataclasses

    import cv2

    from edge.screen.canned import canned_view, recording_frame
    from edge.screen.layout import parse_size
    from edge.screen.render import renderer_from_settings
    from edge.settings.errors import ConfigError
    from edge.settings.loader import load_config

    try:
        display = load_config(args.config).display
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    if args.language:
        display = dataclasses.replace(display, language=args.language)
    try:
        if args.size:
            parse_size(args.size)
        frame = recording_frame(args.recording) if args.recording else None
    except (OSError, ValueError, KeyError) as exc:
        print(f"screenshot: {exc}", file=sys.stderr)
        return 2
    renderer = renderer_from_settings(display, size=args.size)
    image = renderer.render(canned_view(args.state, frame))
    try:
        written = cv2.imwrite(args.out, image)
    except cv2.error:  # OpenCV raises, not returns False, for a name with no image extension
        written = False
    if not written:
        print(f"screenshot: cannot write {args.out} (is the extension .png and the folder there?)", file=sys.stderr)
        return 1
    log.info("wrote %s (%s, %dx%d)", args.out, args.state, image.shape[1], image.shape[0])
    return 0
