"""Where everything goes on a screen of a given size.

Landscape gate displays (800x480 and 1024x600 7-10" panels, 1920x1080 monitors):

    +---------------------------------------------+
    |  banner: verdict title + reason, full width |   ~1/3 of the height: read from 2 m
    +--------------------+------------------------+
    |  thermal view 4:3  |  name, group           |
    |  + face box        |  body temperature      |
    |                    |  secondary check, hint |
    +--------------------+------------------------+
    |  status bar: clock, sync, devices, counts   |
    +---------------------------------------------+

Sizes derive from the height, so the three common panels get the same proportions;
other sizes (portrait excluded) work the same way.
"""
from __future__ import annotations

import dataclasses
import re
from typing import Tuple

Rect = Tuple[int, int, int, int]  # x, y, w, h

COMMON_SIZES = ((800, 480), (1024, 600), (1920, 1080))
MIN_SIZE = (320, 240)


@dataclasses.dataclass(frozen=True)
class Layout:
    width: int
    height: int
    margin: int
    banner: Rect
    thermal: Rect
    info: Rect
    status: Rect
    title_px: int  # banner title (通过 / FEVER ...)
    subtitle_px: int  # banner second line (reason, instruction)
    name_px: int
    temp_px: int
    line_px: int  # secondary check, hints, extra reasons
    status_px: int
    box_px: int  # line thickness of the face box

    def regions(self) -> Tuple[Tuple[str, Rect], ...]:
        return (("banner", self.banner), ("thermal", self.thermal), ("info", self.info), ("status", self.status))


def parse_size(text: str) -> Tuple[int, int]:
    """``"1024x600"`` -> (1024, 600); ValueError with a readable message otherwise."""
    match = re.fullmatch(r"\s*(\d+)\s*[xX]\s*(\d+)\s*", text or "")
    if not match:
        raise ValueError(f"screen size {text!r} is not WIDTHxHEIGHT, e.g. 1024x600")
    width, height = int(match.group(1)), int(match.group(2))
    if width < MIN_SIZE[0] or height < MIN_SIZE[1]:
        raise ValueError(f"screen size {width}x{height} is smaller than {MIN_SIZE[0]}x{MIN_SIZE[1]}")
    if width < height:
        raise ValueError(f"screen size {width}x{height}: only landscape screens are laid out")
    return width, height


def layout_for(width: int, height: int) -> Layout:
    s = height / 600.0
    margin = max(6, round(12 * s))
    status_h = max(28, round(44 * s))
    banner_h = round(height * 0.34)
    status = (0, height - status_h, width, status_h)
    banner = (0, 0, width, banner_h)
    body_top = banner_h + margin
    body_h = height - status_h - margin - body_top
    # The thermal view keeps the sensors' 4:3 aspect and never takes more than 45% of
    # the width, so the name and temperature always get room on the right.
    th_h = body_h
    th_w = round(th_h * 4 / 3)
    if th_w > width * 0.45:
        th_w = round(width * 0.45)
        th_h = round(th_w * 3 / 4)
    thermal = (margin, body_top + (body_h - th_h) // 2, th_w, th_h)
    info_x = margin + th_w + 2 * margin
    info = (info_x, body_top, width - info_x - margin, body_h)
    return Layout(
        width=width, height=height, margin=margin, banner=banner, thermal=thermal, info=info, status=status,
        title_px=round(banner_h * 0.46), subtitle_px=round(banner_h * 0.21),
        name_px=round(52 * s), temp_px=round(64 * s), line_px=round(30 * s), status_px=round(status_h * 0.52),
        box_px=max(2, round(3 * s)),
    )


def inside(inner: Rect, outer: Rect) -> bool:
    x, y, w, h = inner
    ox, oy, ow, oh = outer
    return x >= ox and y >= oy and x + w <= ox + ow and y + h <= oy + oh


def overlaps(a: Rect, b: Rect) -> bool:
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    return aw > 0 and ah > 0 and bw > 0 and bh > 0 and ax < bx + bw and bx < ax + aw and ay < by + bh and by < ay + ah
