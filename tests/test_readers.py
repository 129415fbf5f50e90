"""Reader threads survive a driver whose read() raises: the lane sees the device down, the
reader reopens it and reports it back up."""
from __future__ import annotations

import queue
import threading
import time

from reader_support import wait_for_event

import edge.readers
from drivers.base import DeviceState
from edge.readers import ReaderThread


class FailingCard:
    """A card reader driver whose read() raises (a library error) the first ``failures`` times."""

    type_name = "failing"

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.opened = 0
        self.closed = 0
        self.reads = 0
        self.state = DeviceState.OK
        self.state_detail = ""
        self.outages = 0

    def open(self) -> None:
        self.opened += 1

    def close(self) -> None:
        self.closed += 1

    def read(self, timeout: float):
        self.reads += 1
        if self.reads <= self.failures:
            raise RuntimeError("USB transfer failed (library error)")
        time.sleep(min(timeout, 0.01))
        return None


def test_a_read_that_raises_marks_the_device_down_then_reopens_it(monkeypatch):
    monkeypatch.setattr(edge.readers, "REOPEN_FIRST_S", 0.01)
    device, events, stop = FailingCard(failures=2), queue.Queue(), threading.Event()
    reader = ReaderThread("card", device, events, stop)  # type: ignore[arg-type]
    reader.start()
    try:
        states: list = []
        wait_for_event(events, lambda event: DeviceState.OK in states[2:], states, 10.0)
        assert states == [DeviceState.DOWN, DeviceState.DOWN, DeviceState.OK], states
        assert reader.is_alive() and device.opened == 3 and device.closed == 2
    finally:
        stop.set()
        reader.join(5)
