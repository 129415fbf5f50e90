"""The fullscreen OpenCV window: render the current view, show it, feed keys to the keypad.

Run it on the main thread (Qt and GTK want their windows there); everything it reads
comes from ``view_source``, a cheap function over the lane's live state. A window that
cannot open (no display yet: the X server starts after the service at boot) is logged
once per cause; edge.screen.app tries it again meanwhile, and the light,
records and sync go on without it.
"""
from __future__ import annotations

import logging
import os
import subprocess
import sys
import tempfile
import threading
import time
from typing import Callable, Optional

import cv2
import numpy as np

from edge.screen.keypad import Keypad
from edge.screen.render import Renderer
from edge.screen.view import ScreenView

log = logging.getLogger(__name__)

TITLE = "Gate Edge"
PROBE_TIMEOUT_S = 20.0
# Qt aborts the whole process (no exception) when it cannot reach a display, so the
# first window is opened in a throwaway child process.
_PROBE = "import cv2; cv2.namedWindow('probe', cv2.WINDOW_NORMAL); cv2.waitKey(1); cv2.destroyAllWindows()"

Show = Callable[[np.ndarray], None]
WaitKey = Callable[[int], int]
#: Creates the window: None once it is open, else why it cannot open.
Opener = Callable[[], Optional[str]]


class ScreenWindow:
    def __init__(self, renderer: Renderer, view_source: Callable[[], ScreenView], keypad: Keypad,
                 fps: float = 25.0, fullscreen: bool = True, show: Optional[Show] = None,
                 wait_key: Optional[WaitKey] = None, opener: Optional[Opener] = None,
                 stop: Optional[threading.Event] = None) -> None:
        """``show``: draw frames there instead of a window (tests); ``opener``:
        how the window is made (default: an OpenCV window on this process's display);
        ``stop``: ends a display probe under way (a hung X server holds it for PROBE_TIMEOUT_S)."""
        if fps <= 0:
            raise ValueError("fps must be positive")
        self.renderer = renderer
        self.view_source = view_source
        self.keypad = keypad
        self.period_s = 1.0 / fps
        self.fullscreen = fullscreen
        self._show = show
        self._wait_key = wait_key or cv2.waitKey
        self._opener: Opener = opener or ((lambda: None) if show is not None else self._open_cv2)
        self._stop = stop
        self.frames = 0
        self.render_errors = 0
        self.is_open = False
        #: Why the last open() failed (None: it did not). Logged only when it changes: the
        #: daemon tries every few seconds, possibly for hours (a gate with no monitor yet).
        self.problem: Optional[str] = None
        self._window_open = False  # an OpenCV window exists (close() destroys it)

    def open(self) -> bool:
        """Create the window; False when there is no display to show it on (see ``problem``)."""
        if self.is_open:
            return True
        problem = self._opener()
        if problem is not None:
            if self._stop is not None and self._stop.is_set():
                return False  # a probe cut short by the stop says nothing about the display
            if problem != self.problem:
                log.error("cannot open the screen window (%s): running without a screen, trying again", problem)
            self.problem = problem
            return False
        if self.problem is not None:
            log.info("screen window open (it could not open before: %s)", self.problem)
        self.problem, self.is_open = None, True
        return True

    def _open_cv2(self) -> Optional[str]:
        problem = display_problem(self._stop)
        if problem:
            return problem
        try:
            cv2.namedWindow(TITLE, cv2.WINDOW_NORMAL)
            w, h = self.renderer.layout.width, self.renderer.layout.height
            cv2.resizeWindow(TITLE, w, h)
            if self.fullscreen:
                cv2.setWindowProperty(TITLE, cv2.WND_PROP_FULLSCREEN, cv2.WINDOW_FULLSCREEN)
        except cv2.error as exc:
            return str(exc).strip()[:200]
        self._show = lambda image: cv2.imshow(TITLE, image)
        self._window_open = True
        return None

    def close(self) -> None:
        self.is_open = False
        if not self._window_open:
            return
        self._window_open = False
        try:
            cv2.destroyWindow(TITLE)
        except cv2.error:
            pass  # the guard or the desktop closed it already

    def step(self) -> None:
        """One frame: render, show, handle at most one key; waits out the rest of the period."""
        started = time.monotonic()
        try:
            image = self.renderer.render(self.view_source())
        except Exception:  # a drawing bug must not take the gate down
            self.render_errors += 1
            if self.render_errors == 1 or self.render_errors % 1000 == 0:
                log.exception("screen render failed (%d times)", self.render_errors)
            image = None
        if image is not None and self._show is not None:
            self._show(image)
            self.frames += 1
        remaining_ms = int((self.period_s - (time.monotonic() - started)) * 1000)
        code = self._wait_key(max(1, remaining_ms))
        if code is not None and code >= 0:
            self.keypad.key(code)

    def run(self, stop: threading.Event) -> None:
        """Loop until ``stop`` is set. Returns at once when no window can open."""
        if not self.open():
            return
        try:
            while not stop.is_set():
                self.step()
        finally:
            self.close()


def display_problem(stop: Optional[threading.Event] = None) -> Optional[str]:
    """Why no window can open here, or None when one can. ``stop`` set ends the probe at once:
    the daemon probes again and again while no window is open, and a hung X server would
    otherwise hold a stop for PROBE_TIMEOUT_S, as long as systemd waits before SIGKILL."""
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        return "no DISPLAY or WAYLAND_DISPLAY in the environment"
    try:  # stderr to a file, not a pipe: a chatty child cannot block on it
        errors = tempfile.TemporaryFile("w+", errors="replace")
    except OSError as exc:  # (no usable temp folder, no file descriptor left)
        return f"display probe failed: {exc}"
    with errors:
        try:
            probe = subprocess.Popen([sys.executable, "-c", _PROBE], stdout=subprocess.DEVNULL, stderr=errors)
        except OSError as exc:
            return f"display probe failed: {exc}"
        deadline = time.monotonic() + PROBE_TIMEOUT_S
        while probe.poll() is None:
            if (stop is not None and stop.is_set()) or time.monotonic() > deadline:
                probe.kill()
                probe.wait()
                return "stopped" if stop is not None and stop.is_set() else \
                    f"display probe failed: no answer in {PROBE_TIMEOUT_S:.0f} s"
            time.sleep(0.05)
        if probe.returncode != 0:
            errors.seek(0)
            lines = [line for line in errors.read().splitlines() if line.strip()]
            return f"display {os.environ.get('DISPLAY') or os.environ.get('WAYLAND_DISPLAY')}: " + (
                lines[0][:160] if lines else f"exit {probe.returncode}")
    return None
