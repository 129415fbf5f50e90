"""The parts of the screen that change only when the passage or the status changes:
banner, info panel, status bar. Drawn into a cached layer by edge.screen.render."""
from __future__ import annotations

from typing import List, Optional, Tuple

import cv2
import numpy as np

from edge.record import shown_c
from edge.screen import labels
from edge.screen.labels import BGR, word
from edge.screen.layout import Layout, Rect
from edge.screen.text import TextRenderer
from edge.screen.view import ScreenView, StatusBar
from edge.verdict import Verdict

DEVICE_ORDER = ("thermal", "card", "light")
READABLE = 0.6  # info lines shrink to fit down to this share of their size, then get cut


class Painter:
    """Draws text into an image, records each text box by region and the text layer."""

    def __init__(self, image: np.ndarray, texts: TextRenderer) -> None:
        self.image = image
        self.texts = texts
        self.mask = np.zeros(image.shape[:2], dtype=np.uint8)
        self.boxes: List[Tuple[str, Rect, str]] = []  # (region, ink box, text)

    def text(self, region: str, text: str, size: int, color: BGR, x: int, y: int) -> int:
        """Draw at line-box top-left (x, y); returns the drawn width."""
        if not text:
            return 0
        box = self.texts.draw(self.image, text, size, color, x, y, mask=self.mask)
        if box[2] > 0 and box[3] > 0:
            self.boxes.append((region, box, self.texts.displayable(text)))
        return self.texts.width(text, size)

    def centered(self, region: str, text: str, size: int, color: BGR, rect: Rect, y: int) -> None:
        room = rect[2] - 2 * max(4, rect[2] // 40)
        size = self.texts.fit(text, size, room, min_size=max(10, int(size * READABLE)))
        text = self.texts.truncate(text, size, room)
        x = rect[0] + (rect[2] - self.texts.width(text, size)) // 2
        self.text(region, text, size, color, x, y)

    def fill(self, rect: Rect, color: BGR) -> None:
        x, y, w, h = rect
        if w > 0 and h > 0:
            # cv2 fills 40x faster than numpy broadcasting a colour over the last axis.
            cv2.rectangle(self.image, (x, y), (x + w - 1, y + h - 1), color, thickness=-1)


def draw_banner(p: Painter, layout: Layout, view: ScreenView, language: str) -> Tuple[str, ...]:
    """Fill the banner; returns reason texts left for the info panel."""
    banner = labels.banner_for(view.verdict, view.warming_up, view.status.devices.get("thermal", "ok") == "ok")
    title, sub, rest = labels.banner_lines(banner, view.reasons, language)
    if banner.key == "warmup" and view.status.warmup_min:
        left = max(1, round(view.status.warmup_min))
        sub = f"{sub}  还需 {left} 分钟" if language == "zh" else f"{sub}, {left} min left"
    p.fill(layout.banner, banner.color)
    _bx, by, bw, bh = layout.banner
    room = bw - 2 * max(4, bw // 40)
    # A banner with no second line (PASS) gets a bigger title in the room left free.
    title_max = layout.title_px if sub else int(layout.title_px * 1.3)
    title_px = p.texts.fit(title, title_max, room, min_size=int(layout.title_px * READABLE))
    sub_px = p.texts.fit(sub, layout.subtitle_px, room, min_size=int(layout.subtitle_px * READABLE)) if sub else 0
    title_h = p.texts.line_height(title_px)
    sub_h = p.texts.line_height(sub_px) if sub else 0
    top = by + (bh - title_h - sub_h) // 2
    p.centered("banner", title, title_px, banner.ink, layout.banner, top)
    if sub:
        p.centered("banner", sub, sub_px, banner.ink, layout.banner, top + title_h)
    return rest


def draw_info(p: Painter, layout: Layout, view: ScreenView, language: str, rest: Tuple[str, ...]) -> None:
    x, y, w, h = layout.info
    bottom = y + h
    lines: List[Tuple[str, int, BGR]] = []
    who = "  ".join(part for part in (view.name, view.group) if part)
    if who and p.texts.width(who, int(layout.name_px * READABLE)) > w and view.name and view.group:
        # Too long for one line at a readable size: the group goes on its own line.
        lines.append((view.name, layout.name_px, labels.WHITE))
        lines.append((view.group, layout.line_px, labels.WHITE))
    elif who:
        lines.append((who, layout.name_px, labels.WHITE))
    if view.body_c is not None:
        color = {Verdict.FEVER: labels.BAD_RED, Verdict.PASS: labels.OK_GREEN}.get(view.verdict, labels.WHITE)
        lines.append((f"{word('body', language)} {shown_c(view.body_c)}°C", layout.temp_px, color))
    lines.extend(_secondary_lines(view, language, layout.line_px))
    if view.awaiting_ack:
        lines.append((word("ack_hint", language), layout.line_px, labels.WARN_YELLOW))
    for text in rest:
        lines.append((text, layout.line_px, labels.GREY))
    for text, size, color in lines:
        smallest = max(10, int(size * READABLE))
        size = p.texts.fit(text, size, w, min_size=smallest)
        text = p.texts.truncate(text, size, w)
        line_h = p.texts.line_height(size)
        if y + line_h > bottom:
            break  # never spill into the status bar
        p.text("info", text, size, color, x, y)
        y += line_h + layout.margin // 2


def _secondary_lines(view: ScreenView, language: str, size: int) -> List[Tuple[str, int, BGR]]:
    sec = view.secondary
    label = word("secondary", language)
    out: List[Tuple[str, int, BGR]] = []
    if sec.typed:
        out.append((f"{label}: {sec.typed}_", size, labels.WARN_YELLOW))
    elif sec.value_c is not None:
        # As typed (37.95 stays 37.95: it is what was stored), with at least one decimal.
        value = f"{sec.value_c:.2f}".rstrip("0") if round(sec.value_c, 1) != sec.value_c else f"{sec.value_c:.1f}"
        out.append((f"{label} {value}°C {word('stored', language)}", size, labels.OK_GREEN))
    elif view.verdict is Verdict.FEVER and not view.awaiting_card:
        out.append((word("type_hint", language), size, labels.WHITE))
    if sec.error:
        out.append((word(sec.error, language), size, labels.BAD_RED))
    return out


def draw_status(p: Painter, layout: Layout, status: StatusBar, language: str) -> None:
    p.fill(layout.status, labels.STATUS_BG)
    segments = status_segments(status, language)
    x, y, w, h = layout.status
    gap = max(8, layout.status_px)
    total = sum(p.texts.width(t, layout.status_px) for t, _ in segments) + gap * (len(segments) - 1)
    size = layout.status_px
    right = x + w - layout.margin
    if total > w - 2 * layout.margin:
        size = max(10, int(size * max(0.7, (w - 2 * layout.margin) / total)))
        gap = max(6, size * 2 // 3)
    pen = x + layout.margin
    top = y + (h - p.texts.line_height(size)) // 2
    for text, color in segments:  # most important first: what does not fit is left off
        if pen + p.texts.width(text, size) > right:
            break
        pen += p.text("status", text, size, color, pen, top) + gap


def status_segments(status: StatusBar, language: str) -> List[Tuple[str, BGR]]:
    seg: List[Tuple[str, BGR]] = []
    if status.clock:
        seg.append((status.clock, labels.WHITE))
    for flag in status.flags:  # a full disk matters more than today's counts
        seg.append((word(flag, language), labels.BAD_RED))
    sync_color = {"online": labels.OK_GREEN, "refused": labels.BAD_RED, "offline": labels.BAD_RED}.get(
        status.sync, labels.GREY)
    sync = word(status.sync, language)
    if status.backlog:
        sync += f" {word('backlog', language)} {status.backlog}"
    seg.append((sync, sync_color))
    roles = sorted(status.devices, key=lambda r: (DEVICE_ORDER.index(r) if r in DEVICE_ORDER else 9, r))
    for role in roles:
        state = status.devices[role]
        name = word(role, language)
        if state == "ok":
            seg.append((name, labels.OK_GREEN))
        else:
            color = labels.WARN_YELLOW if state == "reconnecting" else labels.BAD_RED
            seg.append((f"{name}:{word(state, language)}", color))
    if status.warmup_min:
        seg.append((f"{word('warmup', language)} {_minutes(status.warmup_min, language)}", labels.WARN_YELLOW))
    if status.ambient_c is not None:
        seg.append((f"{word('ambient', language)} {status.ambient_c:.1f}°C", labels.WHITE))
    seg.append((f"{word('passages', language)} {status.passages}", labels.WHITE))
    seg.append((f"{word('fevers', language)} {status.fevers}", labels.BAD_RED if status.fevers else labels.WHITE))
    seg.append((f"{word('denials', language)} {status.denials}", labels.WHITE))
    return seg


def _minutes(value: Optional[float], language: str) -> str:
    return f"{max(1, round(value or 0))} {word('minutes', language)}"
