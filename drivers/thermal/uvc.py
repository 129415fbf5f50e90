"""Shared UVC capture for radiometric cameras: OpenCV wrapper, raw bytes, reconnect.

OpenCV is reached only through :class:`OpenCvSource` (imported lazily in ``open``), so
tests and the benchmark feed the exact raw buffers a camera delivers through any
object with ``open() -> bool``, ``read() -> Optional[ndarray]`` and ``release()``.
"""
from __future__ import annotations

import abc
import dataclasses
import logging
import os
import time
from typing import Any, Callable, FrozenSet, Optional, Tuple

import numpy as np

from drivers.base import DeviceState, ThermalFrame, ThermalSource
from edge.settings.fields import setting

log = logging.getLogger(__name__)

BACKOFF_START_S = 0.2
_POLL_S = 0.05  # how often a missing device path is re-checked (a stat, cheap)


class OpenCvSource:
    """``cv2.VideoCapture(dev, CAP_V4L2)`` set up for raw radiometric frames."""

    def __init__(self, device: str, fourcc: Optional[str], width: int, height: int) -> None:
        self.device = device
        self.fourcc = fourcc
        self.width = width
        self.height = height
        self._cap: Any = None

    def open(self) -> bool:
        import cv2  # optional at import time: serial-only gates never load OpenCV

        target: Any = int(self.device) if self.device.isdigit() else self.device
        try:
            cap = cv2.VideoCapture(target, cv2.CAP_V4L2)
        except cv2.error as exc:
            log.debug("VideoCapture(%s) failed: %s", self.device, exc)
            return False
        if not cap.isOpened():
            cap.release()
            return False
        # FOURCC first: the V4L2 backend renegotiates the format on it, which would undo
        # CONVERT_RGB=0 set before (DESIGN.md section 3).
        if self.fourcc:
            cap.set(cv2.CAP_PROP_FOURCC, cv2.VideoWriter_fourcc(*self.fourcc))
        cap.set(cv2.CAP_PROP_FRAME_WIDTH, self.width)
        cap.set(cv2.CAP_PROP_FRAME_HEIGHT, self.height)
        cap.set(cv2.CAP_PROP_CONVERT_RGB, 0)
        cap.set(cv2.CAP_PROP_BUFFERSIZE, 1)  # the newest frame, not a queue of stale ones
        self._cap = cap
        return True

    def read(self) -> Optional[np.ndarray]:
        cap = self._cap
        if cap is None:
            return None
        ok, frame = cap.read()
        return frame if ok and frame is not None else None

    def release(self) -> None:
        cap, self._cap = self._cap, None
        if cap is not None:
            cap.release()


def raw_bytes(frame: np.ndarray, expected: int) -> Optional[np.ndarray]:
    """The frame as a flat uint8 view of ``expected`` bytes, whatever shape/dtype OpenCV chose."""
    data = np.ascontiguousarray(frame)
    if data.nbytes != expected:
        return None
    return data.reshape(-1).view(np.uint8)


@dataclasses.dataclass
class UvcOptions:
    device: str = setting("/dev/gate-edge/thermal-video",
                          doc="Video device: /dev/gate-edge/..., /dev/v4l/by-id/...-video-index0 or an index.")
    backoff_max: float = setting(2.0, min=0.2, max=60.0, doc="Longest wait (s) between reopen attempts.")
    down_after: float = setting(10.0, min=0.0, max=3600.0,
                                doc="Seconds of failed reconnecting after which the state becomes 'down'.")


Decoded = Tuple[np.ndarray, FrozenSet[str]]


class UvcThermal(ThermalSource):
    """Base of the UVC thermal drivers: subclasses give the capture format and :meth:`decode`."""

    fourcc: Optional[str] = None
    width = 0
    height = 0

    def __init__(self, options: Any, context: Any,
                 source_factory: Optional[Callable[[], Any]] = None) -> None:
        super().__init__(options, context)
        self._factory = source_factory or (lambda: OpenCvSource(options.device, self.fourcc, self.width,
                                                                self.height))
        self._source: Any = None
        self._opened = False
        self._backoff = BACKOFF_START_S
        self._next_attempt = 0.0
        self._failing_since: Optional[float] = None
        self._missing = False
        for key in ("frames", "malformed", "reconnects"):
            self.counters.setdefault(key, 0)

    @abc.abstractmethod
    def decode(self, raw: np.ndarray) -> Optional[Decoded]:
        """(celsius (H, W) float32, flags) of one raw frame, or None if it is malformed."""

    def describe(self) -> str:
        return f"{self.type_name} on {self.options.device} ({self.fourcc or 'default'} {self.width}x{self.height})"

    @classmethod
    def device_path(cls, options: Any) -> str:
        return str(options.device)

    def no_data_hint(self, path: str) -> str:
        return (f"{path} opened but gave no usable frame: is it the right camera/mode "
                f"({self.fourcc or 'raw'} {self.width}x{self.height})? "
                f"see: v4l2-ctl -d {path} --list-formats-ext")

    def open(self) -> None:
        self._opened = True
        self._backoff = BACKOFF_START_S
        self._next_attempt = 0.0
        self._failing_since = None
        self._connect(first=True)

    def close(self) -> None:
        self._opened = False
        self._drop()
        self._set_state(DeviceState.DOWN, "closed")

    def read(self, timeout: float) -> Optional[ThermalFrame]:
        deadline = time.monotonic() + timeout
        while self._opened:
            if self._source is None:
                now = time.monotonic()
                if self._reopen_due(now) and self._connect():
                    continue
                if now >= deadline:
                    return None
                time.sleep(max(0.001, min(_POLL_S, self._next_attempt - now, deadline - now)))
                continue
            raw = self._source.read()
            if raw is None:
                self._lost("no frame (device gone?)")
                continue
            decoded = self.decode(raw)
            if decoded is None:
                self.count("malformed")
            else:
                self.count("frames")
                celsius, flags = decoded
                return ThermalFrame(t=time.monotonic(), celsius=celsius, flags=flags)
            if time.monotonic() >= deadline:
                return None
        return None

    # -- connection management -------------------------------------------------------
    def _reopen_due(self, now: float) -> bool:
        # A device that was missing and is back: try at once, not at the next backoff step.
        return now >= self._next_attempt or (self._missing and os.path.exists(self.options.device))

    def _connect(self, first: bool = False) -> bool:
        device = self.options.device
        error = ""
        self._missing = not device.isdigit() and not os.path.exists(device)
        if self._missing:
            error = f"{device} not present"
        else:
            source = self._factory()
            try:
                ok = source.open()
            except OSError as exc:
                ok, error = False, str(exc)
            if ok:
                self._source = source
                self._failing_since = None
                self._backoff = BACKOFF_START_S
                if not first:
                    self.count("reconnects")
                    log.info("%s: reconnected to %s", self.type_name, device)
                self._set_state(DeviceState.OK, "")
                return True
            error = error or f"cannot open {device} (busy, or not a {self.fourcc or 'UVC'} camera?)"
        now = time.monotonic()
        if self._failing_since is None:
            self._failing_since = now
            log.warning("%s: %s", self.type_name, error)
        self._next_attempt = now + self._backoff
        self._backoff = min(self._backoff * 2, self.options.backoff_max)
        down = now - self._failing_since >= self.options.down_after
        self._set_state(DeviceState.DOWN if down else DeviceState.RECONNECTING, error)
        return False

    def _lost(self, error: str) -> None:
        log.warning("%s: lost %s: %s", self.type_name, self.options.device, error)
        self._drop()
        now = time.monotonic()
        self._failing_since = now
        self._backoff = BACKOFF_START_S
        self._next_attempt = now + BACKOFF_START_S
        self._set_state(DeviceState.RECONNECTING, error)

    def _drop(self) -> None:
        source, self._source = self._source, None
        if source is not None:
            source.release()
