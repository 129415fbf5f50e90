"""Find the fonts the screen draws with.

Chinese needs a CJK font: the configured file, else whatever fontconfig knows that
covers Chinese, else a few well-known install paths (Debian/Ubuntu/Fedora/Arch
packages of Noto Sans CJK and WenQuanYi). With no CJK font the screen falls back to
English; a Latin font (DejaVu) is preferred there, Pillow's built-in font is the last
resort so the screen always works.
"""
from __future__ import annotations

import dataclasses
import logging
import os
import shutil
import subprocess
from typing import List, Optional, Sequence

log = logging.getLogger(__name__)

# Directories the packaged CJK fonts install into, searched when fontconfig is missing.
SYSTEM_FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts", os.path.expanduser("~/.local/share/fonts"))

# Preferred CJK files by name, best first (sans for legibility at a distance).
CJK_NAMES = (
    "NotoSansCJK-Bold.ttc", "NotoSansCJK-Regular.ttc", "NotoSansCJKsc-Bold.otf", "NotoSansCJKsc-Regular.otf",
    "NotoSansSC-Bold.otf", "NotoSansSC-Regular.otf", "SourceHanSansSC-Bold.otf", "SourceHanSansSC-Regular.otf",
    "wqy-zenhei.ttc", "wqy-microhei.ttc", "NotoSerifCJK-Bold.ttc", "NotoSerifCJK-Regular.ttc",
)
LATIN_NAMES = ("DejaVuSans-Bold.ttf", "DejaVuSans.ttf", "LiberationSans-Bold.ttf", "LiberationSans-Regular.ttf")

FC_TIMEOUT_S = 5.0


@dataclasses.dataclass(frozen=True)
class FontChoice:
    """The font the screen uses. ``path`` None means Pillow's built-in font."""

    path: Optional[str]
    cjk: bool

    def describe(self) -> str:
        return self.path or "Pillow built-in font"


class FontFinder:
    """Looks for fonts in ``search_dirs`` and (when ``use_fontconfig``) via fc-list."""

    def __init__(self, search_dirs: Sequence[str] = SYSTEM_FONT_DIRS, use_fontconfig: bool = True) -> None:
        self.search_dirs = list(search_dirs)
        self.use_fontconfig = use_fontconfig

    def find(self, configured: Optional[str], language: str) -> FontChoice:
        """The font to draw ``language`` with; falls back to English when no CJK font exists."""
        if configured:
            if os.path.isfile(configured):
                return FontChoice(configured, cjk=True)
            log.warning("display.font %s does not exist: looking for a CJK font instead", configured)
        cjk = self._by_name(CJK_NAMES) or self._fontconfig_cjk()
        if cjk:
            return FontChoice(cjk, cjk=True)
        latin = self._by_name(LATIN_NAMES)
        if language == "zh":
            log.warning("no CJK font found (install fonts-noto-cjk or set display.font): the screen shows English")
        return FontChoice(latin, cjk=False)

    def _by_name(self, names: Sequence[str]) -> Optional[str]:
        found = {}
        for root_dir in self.search_dirs:
            if not os.path.isdir(root_dir):
                continue
            for root, _dirs, files in os.walk(root_dir):
                for name in files:
                    if name in names and name not in found:
                        found[name] = os.path.join(root, name)
        for name in names:
            if name in found:
                return found[name]
        return None

    def _fontconfig_cjk(self) -> Optional[str]:
        if not self.use_fontconfig or shutil.which("fc-list") is None:
            return None
        try:
            out = subprocess.run(["fc-list", ":lang=zh-cn", "file", "style"], capture_output=True, text=True,
                                 timeout=FC_TIMEOUT_S, check=False).stdout
        except (OSError, subprocess.SubprocessError) as exc:
            log.debug("fc-list failed: %s", exc)
            return None
        return _pick_fc(out.splitlines())


def _pick_fc(lines: List[str]) -> Optional[str]:
    """Prefer a bold sans face from ``fc-list file style`` output (``/path: :style=Bold``)."""
    candidates = []
    for line in lines:
        path, _, rest = line.partition(":")
        path = path.strip()
        if not path or not os.path.isfile(path):
            continue
        score = (("Bold" in rest) * 2 + ("Sans" in path or "sans" in path or "hei" in path) * 1)
        candidates.append((-score, path))
    return min(candidates)[1] if candidates else None
