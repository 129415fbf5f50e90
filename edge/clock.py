"""Wall time for records, and whether it can be trusted.

A Raspberry Pi has no real-time clock: until NTP has synchronized, time.time() may be
days behind. Records made then are flagged (clock_ok false) and keep their monotonic
time and boot id so that the collector can place them later.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import datetime
import logging
import os
import time
from typing import Callable, Tuple

log = logging.getLogger(__name__)

#: Maps an event's monotonic time to (Unix wall time, clock synchronized?).
Clock = Callable[[float], Tuple[float, bool]]

_TIME_ERROR = 5  # adjtimex() return value while the kernel clock is unsynchronized
_TIMESYNC_FLAG = "/run/systemd/timesync/synchronized"


class _Timex(ctypes.Structure):
    # struct timex is 208 bytes on 64-bit Linux, less on 32-bit: a generous buffer is
    # enough, since modes=0 only reads.
    _fields_ = [("modes", ctypes.c_uint), ("_rest", ctypes.c_byte * 256)]


def kernel_clock_synchronized() -> bool:
    """True when systemd-timesyncd says so, or the kernel's NTP state is synchronized."""
    if os.path.exists(_TIMESYNC_FLAG):
        return True
    libc_name = ctypes.util.find_library("c")
    if libc_name is None:
        return False
    try:
        libc = ctypes.CDLL(libc_name, use_errno=True)
        buf = _Timex()
        state = libc.adjtimex(ctypes.byref(buf))
    except (OSError, AttributeError):
        return False
    return state not in (-1, _TIME_ERROR)


class SystemClock:
    """Maps monotonic event times to wall time; re-checks synchronization now and then."""

    def __init__(self, recheck_s: float = 30.0, synchronized: Callable[[], bool] = kernel_clock_synchronized) -> None:
        self._synchronized = synchronized
        self._recheck_s = recheck_s
        self._checked_at = -1e18
        self._ok = False

    def __call__(self, t_mono: float) -> Tuple[float, bool]:
        now_mono = time.monotonic()
        if now_mono - self._checked_at > self._recheck_s:
            ok = self._synchronized()
            if ok != self._ok:
                log.info("wall clock %s", "synchronized" if ok else "NOT synchronized: records are flagged clock_ok=false")
            self._ok, self._checked_at = ok, now_mono
        return time.time() - (now_mono - t_mono), self._ok


def recording_clock(t: float) -> Tuple[float, bool]:
    """Replay: the recording's own seconds, marked as not a real wall time."""
    return t, False


def local_time_in(tz_name: str) -> Callable[[float], datetime.datetime]:
    from zoneinfo import ZoneInfo

    tz = ZoneInfo(tz_name)
    return lambda wall: datetime.datetime.fromtimestamp(wall, tz)
