"""A pseudo-terminal standing in for a USB serial device, reachable through a symlink.

The driver under test opens ``device.path`` (a symlink in tmp_path, like
``/dev/serial/by-id/...``). ``unplug()`` closes the pty and removes the symlink, as the
kernel does when a USB adapter is pulled; ``replug()`` creates a fresh pty and points
the symlink at it. The emulator side talks through the pty master with exact bytes.

A device that answers requests passes ``responder(data) -> reply`` and calls
``start()``: a background thread feeds every chunk the driver writes to the responder
and writes back what it returns. The thread survives unplug/replug.
"""
from __future__ import annotations

import os
import select
import threading
import time
import tty
from pathlib import Path
from typing import Callable, Optional

Responder = Callable[[bytes], bytes]


class PtyDevice:
    def __init__(self, path: Path, responder: Optional[Responder] = None) -> None:
        self.path = Path(path)
        self.responder = responder
        self.received = bytearray()  # everything the driver wrote, in order
        self._lock = threading.Lock()
        self._master: Optional[int] = None
        self._slave: Optional[int] = None
        self._stop = threading.Event()
        self._thread: Optional[threading.Thread] = None
        self.plug()

    # -- plugging -----------------------------------------------------------------
    def plug(self) -> None:
        master, slave = os.openpty()
        # Raw at once: with the default line discipline the pty would echo our own
        # writes back to the master before the driver has opened (and set raw) the port.
        tty.setraw(slave)
        tmp = self.path.with_name(self.path.name + ".new")
        if tmp.is_symlink():
            tmp.unlink()
        os.symlink(os.ttyname(slave), tmp)
        os.replace(tmp, self.path)
        with self._lock:
            self._master, self._slave = master, slave

    def unplug(self) -> None:
        with self._lock:
            master, slave = self._master, self._slave
            self._master = self._slave = None
        for fd in (master, slave):
            if fd is not None:
                os.close(fd)
        if self.path.is_symlink():
            self.path.unlink()

    def replug(self) -> None:
        self.unplug()
        self.plug()

    @property
    def plugged(self) -> bool:
        return self._master is not None

    # -- emulator side I/O -------------------------------------------------------------
    def write(self, data: bytes) -> None:
        master = self._master
        if master is None:
            raise OSError("device unplugged")
        view = memoryview(data)
        while view:
            n = os.write(master, view)
            view = view[n:]

    def push(self, data: bytes, keep_going: Callable[[], bool]) -> bool:
        """Write ``data`` without blocking while ``keep_going()``: a driver that stops
        reading (or an unplug underneath) must not hang the emulator. True when all sent."""
        master = self._master
        if master is None:
            return False
        os.set_blocking(master, False)
        view = memoryview(data)
        while view and keep_going() and self._master == master:
            try:
                _, ready, _ = select.select([], [master], [], 0.05)
                if ready:
                    view = view[os.write(master, view):]
            except BlockingIOError:
                continue
            except (OSError, ValueError):  # unplugged underneath us
                return False
        return not view

    def read(self, timeout: float, max_bytes: int = 4096) -> bytes:
        """Bytes the driver wrote (also appended to ``received``); b"" on timeout."""
        master = self._master
        if master is None:
            return b""
        ready, _, _ = select.select([master], [], [], timeout)
        if not ready:
            return b""
        try:
            data = os.read(master, max_bytes)
        except OSError:
            return b""
        self.received += data
        return data

    def read_exact(self, n: int, timeout: float) -> bytes:
        deadline = time.monotonic() + timeout
        out = bytearray()
        while len(out) < n and time.monotonic() < deadline:
            out += self.read(min(0.05, max(0.0, deadline - time.monotonic())), n - len(out))
        return bytes(out)

    # -- responder thread ---------------------------------------------------------------
    def start(self) -> None:
        self._thread = threading.Thread(target=self._serve, name="pty-device", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            if self._master is None:
                time.sleep(0.01)
                continue
            data = self.read(0.02)
            if data and self.responder is not None:
                reply = self.responder(data)
                if reply:
                    try:
                        self.write(reply)
                    except OSError:
                        continue

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2.0)
        self.unplug()
