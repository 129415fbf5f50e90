"""Finding a CJK font, and the English fallback when there is none."""
from __future__ import annotations

import logging
import os
import shutil

import numpy as np
import pytest

from edge.screen.canned import canned_view
from edge.screen.fonts import CJK_NAMES, SYSTEM_FONT_DIRS, FontFinder
from edge.screen.render import make_renderer


def _system_cjk():
    choice = FontFinder().find(None, "zh")
    return choice.path if choice.cjk else None


def test_no_cjk_font_falls_back_to_english_and_says_so(tmp_path, caplog: pytest.LogCaptureFixture) -> None:
    finder = FontFinder(search_dirs=[str(tmp_path)], use_fontconfig=False)
    with caplog.at_level(logging.WARNING, logger="edge.screen.fonts"):
        choice = finder.find(None, "zh")
    assert choice.path is None and not choice.cjk
    assert "no CJK font" in caplog.text and "English" in caplog.text
    renderer = make_renderer("zh", "1024x600", finder=finder)
    assert renderer.language == "en"
    out = renderer.render_layers(canned_view("fever"))
    banner = [t for r, _b, t in out.boxes if r == "banner"]
    assert banner[0] == "FEVER"
    x, y, w, h = out.layout.banner
    assert out.text_mask[y:y + h, x:x + w].max() > 0  # the built-in font really drew it
    assert all(ord(c) < 0x2E80 for _r, _b, text in out.boxes for c in text)  # no tofu boxes


def test_english_config_without_cjk_font_logs_nothing(tmp_path, caplog: pytest.LogCaptureFixture) -> None:
    finder = FontFinder(search_dirs=[str(tmp_path)], use_fontconfig=False)
    with caplog.at_level(logging.WARNING, logger="edge.screen.fonts"):
        finder.find(None, "en")
    assert caplog.text == ""


def test_missing_configured_font_is_reported(tmp_path, caplog: pytest.LogCaptureFixture) -> None:
    finder = FontFinder(search_dirs=[str(tmp_path)], use_fontconfig=False)
    with caplog.at_level(logging.WARNING, logger="edge.screen.fonts"):
        choice = finder.find(str(tmp_path / "nope.ttc"), "zh")
    assert "nope.ttc does not exist" in caplog.text and not choice.cjk


def test_known_file_names_are_found_in_a_font_tree(tmp_path) -> None:
    system = _system_cjk()
    if system is None:
        pytest.skip("no CJK font installed here (apt-get install fonts-noto-cjk)")
    nested = tmp_path / "opentype" / "wqy"
    nested.mkdir(parents=True)
    target = nested / "wqy-zenhei.ttc"
    os.symlink(system, target)
    choice = FontFinder(search_dirs=[str(tmp_path)], use_fontconfig=False).find(None, "zh")
    assert choice.cjk and choice.path == str(target)


def test_configured_font_wins(tmp_path) -> None:
    system = _system_cjk()
    if system is None:
        pytest.skip("no CJK font installed here (apt-get install fonts-noto-cjk)")
    mine = tmp_path / "school.ttc"
    shutil.copyfile(system, mine) if os.path.getsize(system) < 1 else os.symlink(system, mine)
    choice = FontFinder(search_dirs=[], use_fontconfig=False).find(str(mine), "zh")
    assert choice.path == str(mine) and choice.cjk


def test_chinese_renders_with_the_system_font() -> None:
    if _system_cjk() is None:
        pytest.skip("no CJK font installed here (apt-get install fonts-noto-cjk)")
    renderer = make_renderer("zh", "800x480")
    assert renderer.language == "zh"
    patch = renderer.texts.patch("体温异常", 60, (255, 255, 255))
    # Four real glyphs: wide, and inked well beyond a placeholder box outline.
    assert patch.width > 3 * 50 and (patch.alpha > 128).mean() > 0.15
    assert np.count_nonzero(patch.alpha) > 0


def test_search_dirs_and_names_are_sane() -> None:
    assert "/usr/share/fonts" in SYSTEM_FONT_DIRS
    assert CJK_NAMES[0].startswith("NotoSansCJK")
