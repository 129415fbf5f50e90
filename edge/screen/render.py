"""ScreenView -> BGR image.

Two layers: the static layer (banner, info panel, status bar) is rebuilt only when its
content changes, which is a few times a second at most (the clock); every frame then
only paints the live thermal view into its rectangle. That keeps a frame at a few
milliseconds on a small board.
"""
from __future__ import annotations

import dataclasses
import logging
from typing import List, Optional, Tuple

import cv2
import numpy as np

from edge.screen import labels, panels
from edge.screen.fonts import FontFinder
from edge.screen.layout import Layout, Rect, layout_for, parse_size
from edge.screen.text import TextRenderer
from edge.screen.view import ScreenView
from edge.settings.display import DisplaySettings

log = logging.getLogger(__name__)

THERMAL_RANGE_C = (20.0, 40.0)


@dataclasses.dataclass(frozen=True)
class Rendered:
    """A frame plus what tests inspect: the text layer and every text box by region."""

    image: np.ndarray
    text_mask: np.ndarray
    boxes: Tuple[Tuple[str, Rect, str], ...]
    layout: Layout


class Renderer:
    def __init__(self, width: int, height: int, texts: TextRenderer, language: str = "zh",
                 thermal_range: Tuple[float, float] = THERMAL_RANGE_C, colormap: int = cv2.COLORMAP_INFERNO) -> None:
        self.layout = layout_for(width, height)
        self.texts = texts
        self.language = language
        lo, hi = thermal_range
        if hi <= lo:
            raise ValueError(f"thermal colour range {lo}..{hi}: the upper end must be above the lower")
        self.thermal_range = (float(lo), float(hi))
        self.colormap = colormap
        self._static_key: Optional[Tuple[object, ...]] = None
        self._static: Optional[panels.Painter] = None
        self.static_builds = 0

    def render(self, view: ScreenView) -> np.ndarray:
        """The frame to show (a new array the caller may keep)."""
        painter = self._static_layer(view)
        image = painter.image.copy()
        self._draw_thermal(image, view, None, None)
        return image

    def render_layers(self, view: ScreenView) -> Rendered:
        painter = self._static_layer(view)
        image, mask = painter.image.copy(), painter.mask.copy()
        boxes: List[Tuple[str, Rect, str]] = list(painter.boxes)
        self._draw_thermal(image, view, mask, boxes)
        return Rendered(image, mask, tuple(boxes), self.layout)

    def _static_layer(self, view: ScreenView) -> panels.Painter:
        key = view.static_key() + (view.thermal is None,)
        if self._static is not None and key == self._static_key:
            return self._static
        lay = self.layout
        painter = panels.Painter(np.empty((lay.height, lay.width, 3), dtype=np.uint8), self.texts)
        painter.fill((0, 0, lay.width, lay.height), labels.BACKGROUND)
        rest = panels.draw_banner(painter, lay, view, self.language)
        panels.draw_info(painter, lay, view, self.language, rest)
        panels.draw_status(painter, lay, view.status, self.language)
        painter.fill(lay.thermal, labels.BLACK)
        if view.thermal is None:
            text = labels.word("no_thermal", self.language)
            size = lay.line_px
            y = lay.thermal[1] + (lay.thermal[3] - self.texts.line_height(size)) // 2
            painter.centered("thermal", text, size, labels.GREY, lay.thermal, y)
        self._static, self._static_key = painter, key
        self.static_builds += 1
        return painter

    def _draw_thermal(self, image: np.ndarray, view: ScreenView, mask: Optional[np.ndarray],
                      boxes: Optional[List[Tuple[str, Rect, str]]]) -> None:
        frame = view.thermal
        if frame is None or frame.ndim != 2 or frame.size == 0:
            return
        lo, hi = self.thermal_range
        scaled = np.clip((frame - lo) * (255.0 / (hi - lo)), 0, 255).astype(np.uint8)
        colored = cv2.applyColorMap(scaled, self.colormap)
        rx, ry, rw, rh = self.layout.thermal
        fh, fw = frame.shape
        scale = min(rw / fw, rh / fh)
        vw, vh = max(1, int(fw * scale)), max(1, int(fh * scale))
        vx, vy = rx + (rw - vw) // 2, ry + (rh - vh) // 2
        image[vy:vy + vh, vx:vx + vw] = cv2.resize(colored, (vw, vh), interpolation=cv2.INTER_LINEAR)
        if view.face_box is None:
            return
        bx, by, bw, bh = view.face_box
        x0, y0 = vx + int(bx * scale), vy + int(by * scale)
        x1, y1 = vx + int((bx + bw) * scale), vy + int((by + bh) * scale)
        x0, x1 = max(vx, x0), min(vx + vw - 1, x1)
        y0, y1 = max(vy, y0), min(vy + vh - 1, y1)
        if x1 <= x0 or y1 <= y0:
            return
        cv2.rectangle(image, (x0, y0), (x1, y1), labels.WHITE, self.layout.box_px)
        if view.reading_c is not None:
            self._label(image, f"{view.reading_c:.1f}°C", (x0, y0, x1, y1), (vx, vy, vw, vh), mask, boxes)

    def _label(self, image: np.ndarray, text: str, box: Tuple[int, int, int, int], view_rect: Rect,
               mask: Optional[np.ndarray], boxes: Optional[List[Tuple[str, Rect, str]]]) -> None:
        size = self.layout.line_px
        w, h = self.texts.width(text, size), self.texts.line_height(size)
        vx, vy, vw, vh = view_rect
        x = min(max(vx, box[0]), vx + vw - w)
        y = box[1] - h if box[1] - h >= vy else min(box[3] + 2, vy + vh - h)
        if w > vw or h > vh:
            return
        # A backing keeps the number readable on any colour of the map.
        cv2.rectangle(image, (x, y), (x + w - 1, y + h - 1), labels.BLACK, thickness=-1)
        drawn = self.texts.draw(image, text, size, labels.WHITE, x, y, mask=mask)
        if boxes is not None and drawn[2] > 0:
            boxes.append(("thermal", drawn, text))


def make_renderer(language: str = "zh", size: str = "1024x600", font: Optional[str] = None,
                  thermal_range: Tuple[float, float] = THERMAL_RANGE_C,
                  finder: Optional[FontFinder] = None) -> Renderer:
    """A renderer for the configured language, falling back to English without a CJK font."""
    width, height = parse_size(size)
    choice = (finder or FontFinder()).find(font, language)
    if language == "zh" and not choice.cjk:
        language = "en"
    log.info("screen %dx%d, language %s, font %s", width, height, language, choice.describe())
    return Renderer(width, height, TextRenderer(choice), language, thermal_range)


def renderer_from_settings(display: DisplaySettings, size: Optional[str] = None,
                           finder: Optional[FontFinder] = None) -> Renderer:
    """A renderer for a DisplaySettings section (``size`` overrides the configured size)."""
    return make_renderer(
        language=display.language, size=size or display.size, font=display.font,
        thermal_range=(display.thermal_min_c, display.thermal_max_c),
        finder=finder)
