"""drivers.serialport / drivers.framing: reconnect with backoff over real ptys, resync."""
from __future__ import annotations

import time

import pytest
import serial
from emulators.pty_device import PtyDevice

from drivers.base import BuildContext, CardReader, DeviceState
from drivers.framing import FrameScanner
from drivers.serialport import SerialDevice, SerialOptions


class RawReader(SerialDevice, CardReader):
    """The smallest serial driver: hands out raw bytes."""

    type_name = "raw"
    Options = SerialOptions

    def __init__(self, options, context):
        super().__init__(options, context)
        self.connects = 0

    def _serial_connected(self):
        self.connects += 1
        self.serial_write(b"HELLO")

    def read(self, timeout):
        return self.serial_read(time.monotonic() + timeout)


def wait_state(dev, state, limit=3.0):
    deadline = time.monotonic() + limit
    while dev.state != state and time.monotonic() < deadline:
        dev.read(0.02)
    return dev.state


@pytest.fixture
def pty(tmp_path):
    dev = PtyDevice(tmp_path / "usb-serial")
    yield dev
    dev.close()


def make(path, **kw):
    return RawReader(SerialOptions(port=str(path), **kw), BuildContext("card"))


def test_reads_and_writes_exact_bytes(pty):
    d = make(pty.path)
    d.open()
    assert d.state == DeviceState.OK
    assert pty.read_exact(5, 2.0) == b"HELLO"  # the connect hook ran and wrote
    pty.write(b"\x00\x01\xfe\xff")
    got = b""
    deadline = time.monotonic() + 2
    while len(got) < 4 and time.monotonic() < deadline:
        got += d.read(0.1)
    assert got == b"\x00\x01\xfe\xff"
    assert d.counters["bytes"] == 4
    assert d.serial_set_baud(115200) and d._port.baudrate == 115200
    d.close()
    assert not d.serial_set_baud(9600)
    assert d.state == DeviceState.DOWN


def test_missing_port_never_raises_and_connects_when_it_appears(tmp_path):
    path = tmp_path / "later"
    d = make(path)
    d.open()  # must not raise
    assert d.state == DeviceState.RECONNECTING
    assert d.read(0.05) == b""
    assert not d.serial_write(b"x")
    dev = PtyDevice(path)
    try:
        assert wait_state(d, DeviceState.OK) == DeviceState.OK
        assert dev.read_exact(5, 2.0) == b"HELLO"
    finally:
        d.close()
        dev.close()


def test_unplug_replug_recovers_within_2s_and_reports_reconnecting(pty):
    d = make(pty.path)
    d.open()
    assert pty.read_exact(5, 2.0) == b"HELLO"
    pty.unplug()
    assert d.read(0.2) == b""
    assert d.state == DeviceState.RECONNECTING
    time.sleep(0.7)  # let the backoff grow past its first steps
    d.read(0.01)
    assert d.state == DeviceState.RECONNECTING
    pty.plug()
    t0 = time.monotonic()
    assert wait_state(d, DeviceState.OK, 3.0) == DeviceState.OK
    assert time.monotonic() - t0 < 2.0
    assert d.counters["reconnects"] == 1
    assert pty.read_exact(5, 2.0) == b"HELLO"  # init hook ran again
    pty.write(b"abc")
    got = b""
    deadline = time.monotonic() + 2
    while len(got) < 3 and time.monotonic() < deadline:
        got += d.read(0.1)
    assert got == b"abc"
    d.close()


def test_long_outage_goes_down_then_back(tmp_path):
    d = make(tmp_path / "absent", down_after=0.3, backoff_max=0.4)
    d.open()
    deadline = time.monotonic() + 3
    while d.state != DeviceState.DOWN and time.monotonic() < deadline:
        d.read(0.05)
    assert d.state == DeviceState.DOWN
    assert "absent" in d.state_detail or "No such file" in d.state_detail
    dev = PtyDevice(tmp_path / "absent")
    try:
        assert wait_state(d, DeviceState.OK) == DeviceState.OK
    finally:
        d.close()
        dev.close()


def test_backoff_spaces_reopen_attempts(tmp_path, monkeypatch):
    attempts = []
    real_open = serial.Serial.open

    def counting_open(self):
        attempts.append(time.monotonic())
        return real_open(self)

    monkeypatch.setattr(serial.Serial, "open", counting_open)
    d = make(tmp_path / "never", backoff_max=0.4)
    d.open()
    end = time.monotonic() + 1.5
    while time.monotonic() < end:
        d.read(0.05)
    d.close()
    gaps = [b - a for a, b in zip(attempts, attempts[1:])]
    # 0.2, 0.4, then capped at 0.4: about 4-5 attempts, not one per 50 ms poll.
    assert 3 <= len(attempts) <= 6
    # (uncapped, the next gap would be 0.8 s: a loaded machine only makes gaps longer by a poll or two)
    assert gaps[0] >= 0.18 and max(gaps) >= 0.38 and max(gaps) < 0.75


def test_read_honours_timeout_while_reconnecting(tmp_path):
    d = make(tmp_path / "gone")
    d.open()
    t0 = time.monotonic()
    assert d.read(0.3) == b""
    assert 0.25 <= time.monotonic() - t0 < 1.5
    d.close()


def test_exclusive_open_second_driver_waits(pty):
    a = make(pty.path)
    b = make(pty.path)
    a.open()
    b.open()
    assert a.state == DeviceState.OK
    assert b.state == DeviceState.RECONNECTING  # port busy (flock), reported not raised
    a.close()
    assert wait_state(b, DeviceState.OK) == DeviceState.OK
    b.close()


def _scanner():
    # Toy protocol: 'S' + length byte + payload + sum byte.
    def length(buf):
        return None if len(buf) < 2 else (buf[1] + 3 if buf[1] < 50 else 0)

    def verify(frame):
        return sum(frame[2:-1]) & 0xFF == frame[-1]

    return FrameScanner(b"S", length, verify)


def toy(payload: bytes) -> bytes:
    return b"S" + bytes([len(payload)]) + payload + bytes([sum(payload) & 0xFF])


def test_scanner_resyncs_after_garbage_and_bad_frames():
    s = _scanner()
    bad = bytearray(toy(b"xyz"))
    bad[-1] ^= 0xFF
    s.feed(b"\x00\x01garbage" + bytes(bad) + toy(b"ok"))
    assert s.next_frame() == toy(b"ok")
    assert s.next_frame() is None
    assert s.take_malformed() >= 1
    assert s.take_malformed() == 0


def test_scanner_waits_for_split_frames():
    s = _scanner()
    f = toy(b"hello")
    for i in range(len(f) - 1):
        s.feed(f[i:i + 1])
        assert s.next_frame() is None
    s.feed(f[-1:])
    assert s.next_frame() == f


def test_scanner_keeps_split_preamble():
    s = FrameScanner(b"\xaa\xbb", lambda buf: 3, lambda f: True)
    s.feed(b"junk\xaa")
    assert s.next_frame() is None
    s.feed(b"\xbb\x01")
    assert s.next_frame() == b"\xaa\xbb\x01"
