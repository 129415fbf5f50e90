"""Text drawing with a real font (OpenCV's Hershey fonts have no Chinese glyphs).

Pillow rasterizes a string once into an alpha patch; the patch is cached by (string,
size, colour) together with what blending needs, so steady frames never touch FreeType.
"""
from __future__ import annotations

import collections
import dataclasses
import logging
from typing import Dict, Optional, Tuple

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from edge.screen.fonts import FontChoice

log = logging.getLogger(__name__)

BGR = Tuple[int, int, int]
CJK_START = 0x2E80  # CJK radicals onwards; Latin, Greek, Cyrillic and symbols lie below
MISSING_GLYPHS = "[no CJK font]"
CACHE_ENTRIES = 512  # a screen shows a few dozen strings; readings add ~100 over a day


@dataclasses.dataclass(frozen=True)
class Patch:
    """A rendered string: alpha mask plus precomputed blend terms."""

    alpha: np.ndarray  # (h, w) uint8, where the glyphs are
    keep: np.ndarray  # (h, w, 1) float32, 1 - alpha
    ink: np.ndarray  # (h, w, 3) float32, colour * alpha
    dx: int  # offset of the patch from the pen position (bbox left)
    dy: int  # offset from the top of the line box

    @property
    def width(self) -> int:
        return int(self.alpha.shape[1])

    @property
    def height(self) -> int:
        return int(self.alpha.shape[0])


class TextRenderer:
    def __init__(self, font: FontChoice) -> None:
        self.font_choice = font
        self._fonts: Dict[int, ImageFont.FreeTypeFont] = {}
        self._patches: "collections.OrderedDict[Tuple[str, int, BGR], Patch]" = collections.OrderedDict()
        self._face_index: Optional[int] = None
        self._widths: Dict[Tuple[str, int], int] = {}
        self.rasterized = 0  # strings drawn by FreeType (tests check the cache works)

    def font(self, size: int) -> ImageFont.FreeTypeFont:
        size = max(6, int(size))
        font = self._fonts.get(size)
        if font is None:
            font = self._load(size)
            self._fonts[size] = font
        return font

    def _load(self, size: int) -> ImageFont.FreeTypeFont:
        path = self.font_choice.path
        if path is None:
            return ImageFont.load_default(size)
        if self._face_index is None:
            self._face_index = _simplified_chinese_face(path)
        return ImageFont.truetype(path, size, index=self._face_index)

    def line_height(self, size: int) -> int:
        """Height of a line box for ``size``: ascent + descent."""
        ascent, descent = self.font(size).getmetrics()
        return int(ascent + descent)

    def displayable(self, text: str) -> str:
        """``text``, or a plain note when it needs CJK glyphs the font does not have
        (a roster name in Chinese on a box without a CJK font): better than tofu boxes."""
        if self.font_choice.cjk or all(ord(c) < CJK_START for c in text):
            return text
        return MISSING_GLYPHS

    def width(self, text: str, size: int) -> int:
        """Horizontal room ``text`` needs: advance width or ink extent, whichever is larger."""
        text = self.displayable(text)
        key = (text, int(size))
        width = self._widths.get(key)
        if width is None:
            font = self.font(size)
            left, _top, right, _bottom = font.getbbox(text)
            width = int(max(round(font.getlength(text)), right - min(0, left)))
            if len(self._widths) > 4 * CACHE_ENTRIES:
                self._widths.clear()
            self._widths[key] = width
        return width

    def truncate(self, text: str, size: int, max_width: int) -> str:
        """``text`` cut with an ellipsis so it fits ``max_width`` at ``size``."""
        text = self.displayable(text)
        if self.width(text, size) <= max_width:
            return text
        while text and self.width(text + "…", size) > max_width:
            text = text[:-1]
        return text.rstrip() + "…" if text else ""

    def fit(self, text: str, size: int, max_width: int, min_size: int = 10) -> int:
        """The largest size <= ``size`` at which ``text`` fits in ``max_width`` pixels."""
        size = int(size)
        while size > min_size and self.width(text, size) > max_width:
            size = max(min_size, int(size * min(0.95, max_width / max(1, self.width(text, size)))))
        return size

    def patch(self, text: str, size: int, color: BGR) -> Patch:
        text = self.displayable(text)
        key = (text, int(size), tuple(int(c) for c in color))
        patch = self._patches.get(key)
        if patch is not None:
            self._patches.move_to_end(key)
            return patch
        patch = self._rasterize(text, int(size), key[2])
        self._patches[key] = patch
        if len(self._patches) > CACHE_ENTRIES:
            self._patches.popitem(last=False)
        return patch

    def _rasterize(self, text: str, size: int, color: BGR) -> Patch:
        self.rasterized += 1
        font = self.font(size)
        left, top, right, bottom = font.getbbox(text)
        w, h = max(1, right - left), max(1, bottom - top)
        canvas = Image.new("L", (w, h), 0)
        ImageDraw.Draw(canvas).text((-left, -top), text, font=font, fill=255)
        alpha = np.asarray(canvas, dtype=np.uint8).copy()
        a = alpha.astype(np.float32)[:, :, None] / 255.0
        ink = a * np.asarray(color, dtype=np.float32)[None, None, :]
        return Patch(alpha, 1.0 - a, ink, int(left), int(top))

    def draw(self, image: np.ndarray, text: str, size: int, color: BGR, x: int, y: int,
             mask: Optional[np.ndarray] = None) -> Tuple[int, int, int, int]:
        """Draw ``text`` with its line box's top-left at (x, y); returns the ink box (x, y, w, h),
        clipped to the image. ``mask`` (uint8, image-sized) receives the glyph alpha."""
        patch = self.patch(text, size, color)
        # A negative left bearing would put ink left of x: start the ink at x instead.
        x0, y0 = x + max(0, patch.dx), y + patch.dy
        H, W = image.shape[:2]
        cx0, cy0 = max(0, x0), max(0, y0)
        cx1, cy1 = min(W, x0 + patch.width), min(H, y0 + patch.height)
        if cx1 <= cx0 or cy1 <= cy0:
            return (cx0, cy0, 0, 0)
        px, py = cx0 - x0, cy0 - y0
        sl = (slice(py, py + cy1 - cy0), slice(px, px + cx1 - cx0))
        roi = image[cy0:cy1, cx0:cx1]
        roi[:] = (roi * patch.keep[sl] + patch.ink[sl]).astype(np.uint8)
        if mask is not None:
            np.maximum(mask[cy0:cy1, cx0:cx1], patch.alpha[sl], out=mask[cy0:cy1, cx0:cx1])
        return (cx0, cy0, cx1 - cx0, cy1 - cy0)


def _simplified_chinese_face(path: str) -> int:
    """The face of a font collection meant for simplified Chinese (Noto CJK packs JP, KR,
    SC, TC, HK into one .ttc; the JP face draws some hanzi in Japanese forms)."""
    if not path.lower().endswith(".ttc"):
        return 0
    for index in range(16):
        try:
            family = ImageFont.truetype(path, 12, index=index).getname()[0] or ""
        except OSError:
            break
        if family.endswith(" SC") or "SC " in family or "Zen Hei" in family or "Micro Hei" in family:
            return index
    return 0
