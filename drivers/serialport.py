"""Shared serial base: open, reconnect with backoff, counters, frame resync.

A serial driver mixes :class:`SerialDevice` in *before* its role class, gives its
``Options`` the fields of :class:`SerialOptions` (inherit from it), and reads through
:meth:`SerialDevice.serial_read`, which never raises: a missing, vanished or failing
port puts the device in ``reconnecting`` and is retried from the read path::

    @dataclasses.dataclass
    class Options(SerialOptions):
        baud: int = setting(9600, doc="Line speed.", min=1200, max=921600)

    class MyReader(SerialDevice, CardReader):
        type_name = "my_reader"
        Options = Options

        def __init__(self, options, context):
            super().__init__(options, context)
            self._scan = FrameScanner(b"\\x02", lambda buf: 14, _checksum_ok)

        def _serial_connected(self):          # optional: runs after every (re)open
            self._scan.clear()
            self.serial_write(b"...init...")  # a failed write just means reconnecting

        def read(self, timeout):
            frame = self.read_frame(self._scan, time.monotonic() + timeout)
            return None if frame is None else parse(frame)   # None: timeout/reconnecting

Keep ``_serial_connected`` to writes (and ``serial_set_baud``): it runs inside the
reconnect path, so request/response exchanges belong in ``read`` (see pn532_uart: the
hook sets a flag, ``read`` runs the start-up exchange). Line or ad-hoc protocols call ``serial_read(deadline)`` (b"" on timeout or while
reconnecting) and ``serial_write(data)`` directly. ``open()`` / ``close()`` are
provided (``open`` never raises). Counters: ``bytes``, ``frames``, ``malformed``,
``skipped_bytes`` (garbage before a preamble), ``reconnects``; ``read_frame`` keeps
``frames``, ``malformed`` and ``skipped_bytes`` up to date.
"""
from __future__ import annotations

import dataclasses
import logging
import os
import termios
import time
from typing import Any, Optional, Tuple

import serial

from drivers.base import DeviceState
from drivers.framing import FrameScanner
from edge.settings.fields import setting

log = logging.getLogger(__name__)

__all__ = ["BACKOFF_START_S", "FrameScanner", "SerialDevice", "SerialOptions"]

BACKOFF_START_S = 0.2
# While the port is missing the path is polled this often (a stat, cheap) so that a replug
# is picked up at once instead of at the next backoff step.
_POLL_S = 0.05
# What a dead or vanished port can raise through pyserial: termios.error (tcflush, tcdrain)
# is not an OSError; TypeError/ValueError come from a port closed underneath a call.
_PORT_ERRORS = (serial.SerialException, OSError, termios.error, TypeError, ValueError)


@dataclasses.dataclass
class SerialOptions:
    """Options every serial driver has (driver ``Options`` inherit from this)."""

    port: str = setting("/dev/ttyUSB0", doc="Serial port; use the stable /dev/serial/by-id/... path.")
    baud: int = setting(9600, min=300, max=4000000, doc="Line speed (8N1).")
    read_timeout: float = setting(0.05, min=0.001, max=5.0,
                                  doc="Seconds one low-level read waits for bytes before re-checking.")
    backoff_max: float = setting(2.0, min=0.2, max=60.0,
                                 doc="Longest wait (s) between reopen attempts of a failing port.")
    down_after: float = setting(10.0, min=0.0, max=3600.0,
                                doc="Seconds of failed reconnecting after which the state becomes 'down'.")


def _path_identity(path: str) -> Optional[Tuple[int, int, int]]:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_dev, st.st_ino, st.st_rdev)


class SerialDevice:
    """Mixin for :class:`drivers.base.Device` subclasses that talk over one serial port."""

    options: Any

    def __init__(self, options: Any, context: Any) -> None:
        super().__init__(options, context)  # type: ignore[call-arg]
        self._port: Optional[serial.Serial] = None
        self._opened = False  # open() called and close() not yet
        self._backoff = BACKOFF_START_S
        self._next_attempt = 0.0
        self._failing_since: Optional[float] = None
        self._failed_identity: Optional[Tuple[int, int, int]] = None
        self._last_error = ""
        for key in ("bytes", "frames", "malformed", "skipped_bytes", "reconnects"):
            self.counters.setdefault(key, 0)  # type: ignore[attr-defined]

    # -- hooks -----------------------------------------------------------------
    def _serial_connected(self) -> None:
        """Runs after every successful (re)open: reset parsers, send init commands."""

    def _serial_kwargs(self) -> dict:
        """Extra pyserial arguments (parity, ...). 8N1 by default."""
        return {}

    # -- Device lifecycle --------------------------------------------------------
    def open(self) -> None:
        self._opened = True
        self._backoff = BACKOFF_START_S
        self._next_attempt = 0.0
        self._failing_since = None
        self._try_connect(first=True)

    def close(self) -> None:
        self._opened = False
        self._drop_port()
        self._set_state(DeviceState.DOWN, "closed")  # type: ignore[attr-defined]

    def describe(self) -> str:
        return f"{self.type_name} on {self.options.port} @ {self.options.baud} baud"  # type: ignore[attr-defined]

    @classmethod
    def device_path(cls, options: Any) -> str:
        return str(options.port)

    def no_data_hint(self, path: str) -> str:
        baud = self.options.baud
        if self.counters["bytes"]:  # type: ignore[attr-defined]
            return (f"bytes arrive but no valid frame: wrong baud? configured {baud} "
                    f"(GY-MCU90640: 115200 or 460800; card modules: 9600 or 115200)")
        return f"no data at all at {baud} baud: wrong baud, TX/RX swapped, or the module has no power"

    @property
    def connected(self) -> bool:
        return self._port is not None

    # -- I/O -------------------------------------------------------------------------
    def serial_read(self, deadline: float, max_bytes: int = 4096) -> bytes:
        """Bytes that arrived before ``deadline`` (monotonic), possibly b"". Never raises.

        While disconnected this waits (up to ``deadline``) for the next reopen attempt.
        """
        if not self._opened:
            return b""
        while self._port is None:
            now = time.monotonic()
            if self._reopen_due(now) and self._try_connect():
                break
            if now >= deadline:
                return b""
            time.sleep(max(0.0, min(_POLL_S, self._next_attempt - now, deadline - now)) or 0.001)
        port = self._port
        try:
            waiting = port.in_waiting
            remaining = deadline - time.monotonic()
            if waiting == 0 and remaining <= 0:
                return b""
            if waiting == 0:
                # Short per-call waits keep read(timeout) of the caller honest.
                wait = min(self.options.read_timeout, max(remaining, 0.001))
                if port.timeout != wait:
                    port.timeout = wait
            data = port.read(min(max(waiting, 1), max_bytes))
        except _PORT_ERRORS as exc:
            self._lost(f"read failed: {exc}")
            return b""
        if data:
            self.count("bytes", len(data))  # type: ignore[attr-defined]
        return data

    def read_frame(self, scanner: FrameScanner, deadline: float) -> Optional[bytes]:
        """Next verified frame from ``scanner``, reading the port until ``deadline``."""
        while True:
            frame = scanner.next_frame()
            bad, skipped = scanner.take_malformed(), scanner.take_skipped()
            if bad:
                self.count("malformed", bad)  # type: ignore[attr-defined]
            if skipped:
                self.count("skipped_bytes", skipped)  # type: ignore[attr-defined]
            if frame is not None:
                self.count("frames")  # type: ignore[attr-defined]
                return frame
            data = self.serial_read(deadline)
            if data:
                scanner.feed(data)
            elif time.monotonic() >= deadline or not self._opened:
                return None

    def serial_write(self, data: bytes) -> bool:
        """Write all of ``data``; False (and reconnecting) when the port is not usable."""
        port = self._port
        if port is None:
            return False
        try:
            port.write(data)
            port.flush()
        except _PORT_ERRORS as exc:
            self._lost(f"write failed: {exc}")
            return False
        return True

    def serial_set_baud(self, baud: int) -> bool:
        """Switch the host side to ``baud`` (after telling the device to switch)."""
        port = self._port
        if port is None:
            return False
        try:
            port.baudrate = baud
        except _PORT_ERRORS as exc:
            self._lost(f"cannot set {baud} baud: {exc}")
            return False
        return True

    def serial_discard_input(self) -> None:
        port = self._port
        if port is None:
            return
        try:
            port.reset_input_buffer()
        except _PORT_ERRORS as exc:
            self._lost(f"flush failed: {exc}")

    # -- connection management -------------------------------------------------------
    def _reopen_due(self, now: float) -> bool:
        if now >= self._next_attempt:
            return True
        # A port that was missing (or a different device) now at the path: try at once.
        ident = _path_identity(self.options.port)
        return ident is not None and ident != self._failed_identity

    def _try_connect(self, first: bool = False) -> bool:
        opts = self.options
        try:
            port = serial.Serial(baudrate=opts.baud, timeout=opts.read_timeout, write_timeout=1.0,
                                 **self._serial_kwargs())
            port.port = opts.port
            try:
                port.exclusive = True
            except (ValueError, AttributeError):  # platform without exclusive locking
                pass
            port.open()
        except _PORT_ERRORS as exc:
            self._failed(str(exc), first)
            return False
        self._port = port
        self._failing_since = None
        self._failed_identity = None
        self._backoff = BACKOFF_START_S
        if not first:
            self.count("reconnects")  # type: ignore[attr-defined]
            log.info("%s: reconnected to %s", self.type_name, opts.port)  # type: ignore[attr-defined]
        self._set_state(DeviceState.OK, "")  # type: ignore[attr-defined]
        try:
            self._serial_connected()
        except (serial.SerialException, OSError, termios.error) as exc:
            self._lost(f"init failed: {exc}")
            return False
        return self._port is not None

    def _failed(self, error: str, first: bool) -> None:
        now = time.monotonic()
        if self._failing_since is None:
            self._failing_since = now
        self._failed_identity = _path_identity(self.options.port)
        self._next_attempt = now + self._backoff
        self._backoff = min(self._backoff * 2, self.options.backoff_max)
        if error != self._last_error:
            log.warning("%s: cannot open %s: %s", self.type_name, self.options.port, error)  # type: ignore[attr-defined]
            self._last_error = error
        down = now - self._failing_since >= self.options.down_after
        self._set_state(DeviceState.DOWN if down else DeviceState.RECONNECTING, error)  # type: ignore[attr-defined]

    def _lost(self, error: str) -> None:
        log.warning("%s: lost %s: %s", self.type_name, self.options.port, error)  # type: ignore[attr-defined]
        self._last_error = error
        self._drop_port()
        if not self._opened:
            return
        now = time.monotonic()
        self._failing_since = now
        self._failed_identity = _path_identity(self.options.port)
        self._backoff = BACKOFF_START_S
        self._next_attempt = now + BACKOFF_START_S
        self._set_state(DeviceState.RECONNECTING, error)  # type: ignore[attr-defined]

    def _drop_port(self) -> None:
        port, self._port = self._port, None
        if port is not None:
            try:
                port.close()
            except _PORT_ERRORS as exc:
                log.debug("close of %s failed: %s", self.options.port, exc)
