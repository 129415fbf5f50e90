"""sd_notify over a real unix datagram socket standing in for systemd's."""
from __future__ import annotations

import os
import queue
import socket
import threading
import time

from edge.lane_thread import LaneThread
from edge.notify import Notifier


def _listen(tmp_path):
    path = str(tmp_path / "notify.sock")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    sock.settimeout(0.05)
    return sock, path


def _drain(sock, seconds):
    got = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            got.append(sock.recv(4096).decode())
        except socket.timeout:
            pass
    return got


def test_ready_and_status(tmp_path):
    sock, path = _listen(tmp_path)
    n = Notifier({"NOTIFY_SOCKET": path})
    n.ready("3 devices ok")
    assert _drain(sock, 0.2) == ["READY=1\nSTATUS=3 devices ok"]


def test_watchdog_only_for_our_pid(tmp_path):
    _, path = _listen(tmp_path)
    assert Notifier({"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "2000000", "WATCHDOG_PID": "1"}).watchdog_interval is None
    n = Notifier({"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "2000000", "WATCHDOG_PID": str(os.getpid())})
    assert n.watchdog_interval == 1.0


class _StuckLane:
    """A lane whose handling of one event never returns (a bug, a deadlock)."""

    def __init__(self, release: threading.Event) -> None:
        self.release = release
        self.handled = 0

    def handle(self, event):
        self.handled += 1
        if self.handled >= 3:
            self.release.wait(10)

    def flush(self, t):
        pass


def test_pings_stop_when_the_lane_is_stuck(tmp_path):
    sock, path = _listen(tmp_path)
    notifier = Notifier({"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "100000"})  # ping every 50 ms
    release, stop = threading.Event(), threading.Event()
    lane = _StuckLane(release)
    thread = LaneThread(lane, queue.Queue(), stop, idle_tick_s=0.02, heartbeat=notifier.heartbeat)
    thread.start()
    try:
        pings = [m for m in _drain(sock, 1.0) if m == "WATCHDOG=1"]
        # Two idle ticks pinged; then the third event hangs and no ping follows.
        assert 1 <= len(pings) <= 3
        assert lane.handled == 3
        assert [m for m in _drain(sock, 0.5) if m == "WATCHDOG=1"] == []
    finally:
        release.set()
        stop.set()
        thread.join(2)
    assert not thread.is_alive()
