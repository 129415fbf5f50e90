"""The guard's keypad workflow driven by synthetic key events, as cv2.waitKey returns them."""
from __future__ import annotations

import dataclasses
import threading
from typing import List

import numpy as np
import pytest

from edge.clinical import parse_reading
from edge.screen.canned import canned_view
from edge.screen.keypad import GuardAction, Keypad
from edge.screen.render import make_renderer
from edge.screen.view import ScreenView
from edge.screen.window import ScreenWindow

ENTER, BACKSPACE, ESC, NO_KEY = 13, 8, 27, -1
KP_ENTER, KP_DOT = 0xFF8D, 0xFFAE  # GTK keysyms (waitKey keeps the low byte; waitKeyEx does not)


def keys(text: str) -> List[int]:
    return [ord(c) for c in text]


def drive(pad: Keypad, codes: List[int]) -> None:
    for code in codes:
        pad.key(code)


@pytest.fixture
def pad_and_actions():
    actions: List[GuardAction] = []
    return Keypad(actions.append), actions


def test_typed_reading_is_emitted_and_shown_as_stored(pad_and_actions) -> None:
    pad, actions = pad_and_actions
    drive(pad, keys("37.9"))
    assert pad.secondary.typed == "37.9" and actions == []
    pad.key(ENTER)
    assert actions == [GuardAction("secondary", 37.9)]
    assert pad.secondary.value_c == 37.9 and pad.secondary.typed == ""


def test_enter_with_nothing_typed_space_and_star_acknowledge(pad_and_actions) -> None:
    pad, actions = pad_and_actions
    drive(pad, [ENTER, ord(" "), ord("*"), NO_KEY, 255])
    assert [a.kind for a in actions] == ["ack", "ack", "ack"]


def test_nonsense_readings_are_refused_with_an_error(pad_and_actions) -> None:
    pad, actions = pad_and_actions
    for typed in ("99", "3.", "44.1", "33.9", "."):
        drive(pad, keys(typed) + [ENTER])
        assert pad.secondary.error == "bad_reading", typed
        assert pad.secondary.typed == ""
    assert actions == []
    pad.key(ord("3"))  # typing again clears the error
    assert pad.secondary.error is None and pad.secondary.typed == "3"


def test_backspace_escape_and_limits(pad_and_actions) -> None:
    pad, actions = pad_and_actions
    drive(pad, keys("38..55") + [BACKSPACE])  # second dot ignored
    assert pad.secondary.typed == "38.5"
    drive(pad, keys("1234"))  # five characters at most
    assert pad.secondary.typed == "38.51"
    pad.key(ESC)
    assert pad.secondary.typed == ""
    drive(pad, keys("379") + [ENTER])  # numpad users skip the dot
    assert actions == [GuardAction("secondary", 37.9)]
    pad.reset()
    assert pad.secondary.value_c is None


def test_numpad_keysyms_from_the_gtk_backend(pad_and_actions) -> None:
    pad, actions = pad_and_actions
    drive(pad, [0xFFB3, 0xFFB8, KP_DOT, 0xFFB2, KP_ENTER])
    assert actions == [GuardAction("secondary", 38.2)]


def test_numpad_with_numlock_off_still_types_a_reading(pad_and_actions) -> None:
    """GTK keysyms of the numpad with NumLock off: KP_Next (3), KP_Home (7), KP_Delete (.),
    KP_Prior (9), KP_Enter; then the other digit keys, each in a reading of its own."""
    pad, actions = pad_and_actions
    drive(pad, [0xFF9B, 0xFF95, 0xFF9F, 0xFF9A, KP_ENTER])
    drive(pad, [0xFF9B, 0xFF98, 0xFF9F, 0xFF9C, 0xFF99, KP_ENTER])
    drive(pad, [0xFF9B, 0xFF97, 0xFF9F, 0xFF96, 0xFF9D, KP_ENTER])
    drive(pad, [0xFF9B, 0xFF98, 0xFF9F, 0xFF9E, KP_ENTER])
    assert actions == [GuardAction("secondary", v) for v in (37.9, 36.12, 38.45, 36.0)]


@pytest.mark.parametrize("typed,value", [("36.5", 36.5), ("365", 36.5), ("3655", 36.55), ("43", 43.0),
                                         ("34.0", 34.0), ("43.01", None), ("3", None), ("", None),
                                         ("37,9", 37.9), ("nan", None), ("inf", None), ("3 79", None), ("1e1", None)])
def test_parse_reading(typed: str, value) -> None:
    assert parse_reading(typed) == value


def test_window_loop_fever_workflow_end_to_end() -> None:
    """Fever on screen; the guard types 38.1 on the keypad, Enter, then acknowledges.
    The window loop renders every step; the actions come out in order and the screen
    shows what was typed and then what was stored."""
    renderer = make_renderer("zh", "800x480")
    actions: List[GuardAction] = []
    state = {"awaiting_ack": True}

    def on_action(action: GuardAction) -> None:
        actions.append(action)
        if action.kind == "ack":
            state["awaiting_ack"] = False

    pad = Keypad(on_action)
    fever = canned_view("fever")

    def view() -> ScreenView:
        return dataclasses.replace(fever, secondary=pad.secondary, awaiting_ack=state["awaiting_ack"])

    script = keys("38.1") + [NO_KEY, ENTER, NO_KEY, ENTER]
    shown: List[np.ndarray] = []
    stop = threading.Event()

    def wait_key(_ms: int) -> int:
        if not script:
            stop.set()
            return NO_KEY
        return script.pop(0)

    window = ScreenWindow(renderer, view, pad, fps=1000, show=shown.append, wait_key=wait_key)
    window.run(stop)
    assert actions == [GuardAction("secondary", 38.1), GuardAction("ack")]
    assert window.frames == len(shown) >= 9
    info = [[t for r, _b, t in renderer.render_layers(v).boxes if r == "info"] for v in (
        dataclasses.replace(fever, secondary=dataclasses.replace(pad.secondary, value_c=None, typed="38.1")),
        view())]
    assert any("38.1_" in t for t in info[0])
    assert any("38.1°C" in t for t in info[1]) and not any(t.endswith("_") for t in info[1])
    assert state["awaiting_ack"] is False


def test_window_survives_a_render_error() -> None:
    renderer = make_renderer("en", "800x480")
    calls = {"n": 0}

    def view() -> ScreenView:
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("bad view")
        return canned_view("pass")

    shown: List[np.ndarray] = []
    window = ScreenWindow(renderer, view, Keypad(lambda a: None), fps=1000, show=shown.append,
                          wait_key=lambda ms: NO_KEY)
    window.step()
    window.step()
    assert window.render_errors == 1 and len(shown) == 1


def test_no_display_means_no_window(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    window = ScreenWindow(make_renderer("en", "800x480"), lambda: canned_view("pass"), Keypad(lambda a: None))
    stop = threading.Event()
    window.run(stop)  # returns at once, logged; the daemon carries on headless
    assert window.frames == 0
