"""One call for the daemon: the guard's screen over the lane's live state.

    shown = run_screen(config.display, live, on_action, stop_event, extras)

Runs on the calling (main) thread until ``stop`` is set and returns True; returns False
at once, logged, when no window can open, so the caller just waits for ``stop`` instead.
``on_action(action, record)`` gets each GuardAction with the PassageRecord the screen
showed when the key was pressed (None when idle): the daemon stores a secondary reading
against that passage and forwards an ack to the lane and the light. ``extras()`` returns
keyword arguments for ViewBuilder.build (sync, backlog, warmup_min, flags).
"""
from __future__ import annotations

import datetime
import threading
import time
from typing import TYPE_CHECKING, Any, Callable, Dict, Optional

from edge.screen.keypad import GuardAction, Keypad
from edge.screen.live import ViewBuilder
from edge.screen.render import renderer_from_settings
from edge.screen.window import ScreenWindow
from edge.settings.display import DisplaySettings

if TYPE_CHECKING:
    from edge.outputs import LiveState
    from edge.record import PassageRecord


def run_screen(display: DisplaySettings, live: "LiveState",
               on_action: Callable[[GuardAction, Optional["PassageRecord"]], Optional[bool]], stop: threading.Event,
               extras: Optional[Callable[[], Dict[str, Any]]] = None,
               local_time: Callable[[float], datetime.datetime] = datetime.datetime.fromtimestamp) -> bool:
    """``local_time(wall)``: the gate's own time zone (device.timezone) for the status-bar
    clock, not the system's, which a Pi image often leaves at UTC or London."""
    renderer = renderer_from_settings(display)
    # The closure reads ``builder`` when a key arrives, after it is assigned below.
    keypad = Keypad(lambda action: on_action(action, builder.shown_record))
    builder = ViewBuilder(keypad, hold_s=display.verdict_hold_s,
                          wall_clock=lambda: local_time(time.time()).strftime("%H:%M:%S"))

    def view():
        return builder.build(live, **(extras() if extras is not None else {}))

    window = ScreenWindow(renderer, view, keypad, fps=display.fps,
                          fullscreen=display.fullscreen)
    if not window.open():
        return False
    try:
        while not stop.is_set():
            window.step()
    finally:
        window.close()
    return True
