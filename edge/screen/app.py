"""One call for the daemon: the guard's screen over the lane's live state.

    shown = run_screen(config.display, live, on_action, stop_event, extras, on_state=...)

Runs on the calling (main) thread until ``stop`` is set; returns whether a window was
shown. A window that cannot open (no X server yet: at boot the service starts before the
desktop) is tried again meanwhile (after ``retry_s``, then less often), so the screen
comes up by itself.
``on_state(state, detail)`` hears the screen go ok or down (the daemon makes it one of the
lane's devices, for health and ``gate-edge status``); it returns False when the state was
not taken, and hears it again at the next try or frame.
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

from drivers.base import DeviceState
from edge.screen.keypad import GuardAction, Keypad
from edge.screen.live import ViewBuilder
from edge.screen.render import renderer_from_settings
from edge.screen.window import ScreenWindow
from edge.settings.display import DisplaySettings

if TYPE_CHECKING:
    from edge.outputs import LiveState
    from edge.record import PassageRecord

#: A window that could not open is tried again after RETRY_S, then twice as long each time
#: up to RETRY_MAX_S: each try probes the display in a child process (about a second of CPU
#: on a Pi), so a gate whose monitor stays away must not spend a fifth of a core on it.
RETRY_S = 5.0
RETRY_MAX_S = 30.0
#: While no window is open, new passages are noted this often (their hold time starts then).
TRACK_EVERY_S = 1.0
WindowFactory = Callable[..., ScreenWindow]


def run_screen(display: DisplaySettings, live: "LiveState",
               on_action: Callable[[GuardAction, Optional["PassageRecord"]], Optional[bool]], stop: threading.Event,
               extras: Optional[Callable[[], Dict[str, Any]]] = None,
               local_time: Callable[[float], datetime.datetime] = datetime.datetime.fromtimestamp,
               on_state: Callable[[DeviceState, str], bool] = lambda state, detail: True,
               retry_s: float = RETRY_S, window_factory: WindowFactory = ScreenWindow) -> bool:
    """``local_time(wall)``: the gate's own time zone (device.timezone) for the status-bar
    clock, not the system's, which a Pi image often leaves at UTC or London.
    ``window_factory(renderer, view, keypad, fps=, fullscreen=, stop=)``: a ScreenWindow (tests
    pass one that draws into a list)."""
    renderer = renderer_from_settings(display)
    # The closure reads ``builder`` when a key arrives, after it is assigned below.
    keypad = Keypad(lambda action: on_action(action, builder.shown_record))
    builder = ViewBuilder(keypad, hold_s=display.verdict_hold_s,
                          wall_clock=lambda: local_time(time.time()).strftime("%H:%M:%S"))

    def view():
        return builder.build(live, **(extras() if extras is not None else {}))

    window = window_factory(renderer, view, keypad, fps=display.fps, fullscreen=display.fullscreen, stop=stop)
    told: Optional[DeviceState] = None

    def report(state: DeviceState, detail: str) -> None:
        nonlocal told
        if state is not told and on_state(state, detail):
            told = state

    wait_s = retry_s
    while not window.open():
        if stop.is_set():  # (the probe was cut short by the stop)
            return False
        report(DeviceState.DOWN, window.problem or "window not open")
        # Passages published while no window is open start their hold time when they come (to
        # within a second), not when the window opens: a pass from half a minute ago must not
        # come up as the current person's. (Open fevers stay in ``live`` until acknowledged:
        # the window shows them once it opens.)
        retry_at = time.monotonic() + wait_s
        while True:
            builder.track(live)
            if stop.wait(min(TRACK_EVERY_S, max(0.0, retry_at - time.monotonic()))):
                return False
            if time.monotonic() >= retry_at:
                break
        wait_s = min(2 * wait_s, RETRY_MAX_S)
    try:
        while not stop.is_set():
            report(DeviceState.OK, "window open")
            window.step()
    finally:
        window.close()
    return True
