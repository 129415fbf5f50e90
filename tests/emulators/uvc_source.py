"""A raw frame source standing in for cv2.VideoCapture: exact camera buffers, unplug/replug.

The UVC drivers accept ``source_factory``; every (re)open makes a new source, like a
new VideoCapture. ``unplug()`` removes the device node (a symlink in tmp_path) and makes
reads fail as OpenCV does when a camera is pulled; ``replug()`` brings both back.
"""
from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Callable, List, Optional

import numpy as np


class RawCamera:
    def __init__(self, node: Path, make_frame: Callable[[int], np.ndarray], fps: float = 200.0) -> None:
        self.node = Path(node)
        self.make_frame = make_frame
        self.period = 1.0 / fps
        self.plugged = True
        self.opens = 0
        self.sequence = 0
        self.opened_order: List[str] = []
        self._lock = threading.Lock()
        self._target = self.node.with_name(self.node.name + ".dev")
        self._target.write_bytes(b"")
        os.symlink(self._target, self.node)

    def factory(self) -> "RawSource":
        return RawSource(self)

    def unplug(self) -> None:
        with self._lock:
            self.plugged = False
            self.node.unlink()

    def replug(self) -> None:
        with self._lock:
            os.symlink(self._target, self.node)
            self.plugged = True


class RawSource:
    def __init__(self, camera: RawCamera) -> None:
        self.camera = camera
        self._open = False
        self._stop = threading.Event()

    def open(self) -> bool:
        if not self.camera.plugged:
            return False
        self.camera.opens += 1
        self._open = True
        return True

    def read(self) -> Optional[np.ndarray]:
        cam = self.camera
        if not self._open or not cam.plugged:
            return None
        self._stop.wait(cam.period)  # the camera's frame interval
        frame = cam.make_frame(cam.sequence)
        cam.sequence += 1
        return frame

    def release(self) -> None:
        self._open = False
