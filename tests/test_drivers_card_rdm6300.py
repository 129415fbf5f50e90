"""RDM6300 / EM4100 driver against the DESIGN.md frame, a pty emulator and fuzzing."""
from __future__ import annotations

import queue
import threading
import time

import pytest
from emulators.card_rdm6300 import EXAMPLE, EXAMPLE_DATA, frame
from emulators.pty_device import PtyDevice
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from drivers import registry
from drivers.base import BuildContext, DeviceState
from drivers.card.rdm6300 import (
    Options,
    Rdm6300Reader,
    decode_frame,
    format_number,
    new_scanner,
)
from edge.events import DeviceStatus
from edge.readers import ReaderThread

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def test_design_example_frame_decodes_exactly():
    assert frame(EXAMPLE_DATA) == EXAMPLE
    data = decode_frame(EXAMPLE)
    assert data == bytes([0x07, 0x00, 0x67, 0x31, 0x58])
    assert format_number(data, "dec10") == "0006762840"
    assert format_number(data, "hex") == "0700673158"
    assert format_number(data, "wiegand26") == "103,12632"  # 0x67, 0x3158


@pytest.mark.parametrize("index", range(14))
def test_any_single_corrupted_byte_is_rejected(index):
    bad = bytearray(EXAMPLE)
    bad[index] ^= 0x01
    assert decode_frame(bytes(bad)) is None


def test_lowercase_hex_is_accepted_and_separators_are_not():
    upper = frame(bytes.fromhex("1A2B3C4D5E"))
    assert decode_frame(upper.lower()) == bytes.fromhex("1A2B3C4D5E")  # STX/ETX survive lower()
    spaced = EXAMPLE[:5] + b" " + EXAMPLE[6:]
    assert decode_frame(spaced) is None


def test_registered_as_card_driver():
    assert registry.driver_class("card", "rdm6300") is Rdm6300Reader


@pytest.fixture
def rig(tmp_path):
    dev = PtyDevice(tmp_path / "usb-rdm6300-if00-port0")
    readers = []

    def make(**kw):
        r = Rdm6300Reader(Options(port=str(dev.path), **kw), BuildContext("card"))
        r.open()
        readers.append(r)
        return r

    yield dev, make
    for r in readers:
        r.close()
    dev.close()


def test_card_over_pty_with_garbage_and_debounce(rig):
    dev, make = rig
    r = make(debounce=1.0)  # (wide: a loaded machine must not split one held card into taps)
    dev.write(b"\xff\xfe\x02\x30noise" + EXAMPLE)
    ev = r.read(2.0)
    assert ev is not None and ev.card_id == "0006762840" and ev.reader == "rdm6300"
    assert abs(ev.t - time.monotonic()) < 5
    # The module repeats the frame while the card is held: one event only.
    for _ in range(4):
        dev.write(EXAMPLE)
        time.sleep(0.05)
    assert r.read(0.2) is None
    assert r.counters["repeats"] >= 3
    assert r.counters["malformed"] >= 1
    # Every garbage byte is counted: two before the first preamble, the rest of the broken
    # frame after it (its 0x02 is the malformed frame's start).
    assert r.counters["skipped_bytes"] == 2 + len(b"\x30noise")
    time.sleep(1.2)  # card taken away longer than the window, presented again
    dev.write(EXAMPLE)
    again = r.read(2.0)
    assert again is not None and again.card_id == "0006762840"


def test_hex_format_and_two_cards(rig):
    dev, make = rig
    r = make(number_format="hex", debounce=5.0)
    dev.write(EXAMPLE + frame(bytes.fromhex("1A2B3C4D5E")))
    assert r.read(2.0).card_id == "0700673158"
    assert r.read(2.0).card_id == "1A2B3C4D5E"


def test_unplug_replug(rig):
    dev, make = rig
    r = make(debounce=0.0)
    dev.unplug()
    deadline = time.monotonic() + 2
    while r.state == DeviceState.OK and time.monotonic() < deadline:
        r.read(0.05)
    assert r.state == DeviceState.RECONNECTING
    assert r.read(0.1) is None
    dev.plug()
    t0 = time.monotonic()
    ev = None
    while ev is None and time.monotonic() - t0 < 3:
        if dev.plugged:
            dev.write(EXAMPLE)
        ev = r.read(0.2)
    assert ev is not None and ev.card_id == "0006762840"
    assert time.monotonic() - t0 < 2.0
    assert r.counters["reconnects"] == 1


def _drain(data: bytes) -> list:
    s = new_scanner()
    s.feed(data)
    out = []
    for _ in range(len(data) + 1):  # every frame takes at least one byte: bounded
        f = s.next_frame()
        if f is None:
            return out
        out.append(f)
    raise AssertionError("the scanner returned more frames than bytes: it does not consume its input")


@FUZZ
@given(st.binary(max_size=200))
def test_fuzz_random_bytes_never_raise(data):
    for f in _drain(data):
        assert decode_frame(f) is not None


@FUZZ
@given(st.binary(max_size=100), st.integers(0, 13))
def test_fuzz_garbage_then_truncated_then_valid_frame(garbage, cut):
    frames = _drain(garbage + EXAMPLE[:cut] + EXAMPLE)
    assert frames and frames[-1] == EXAMPLE


@FUZZ
@given(st.integers(0, 14 * 8 - 1))
def test_fuzz_bit_flips_rejected(bit):
    bad = bytearray(EXAMPLE)
    bad[bit // 8] ^= 1 << (bit % 8)
    data = decode_frame(bytes(bad))
    # A flip that maps one hex digit's case to the other is the only harmless one.
    assert data is None or data == EXAMPLE_DATA
    assert _drain(bytes(bad) + EXAMPLE)[-1] == EXAMPLE


def test_reader_thread_reports_fault_then_recovery(tmp_path):
    """Through the daemon's reader thread: the lane is told reconnecting, then ok, then the card."""
    dev = PtyDevice(tmp_path / "usb-rdm6300")
    reader = Rdm6300Reader(Options(port=str(dev.path), debounce=0.0), BuildContext("card"))
    events: queue.Queue = queue.Queue()
    stop = threading.Event()
    thread = ReaderThread("card", reader, events, stop)
    thread.start()

    def next_status(limit=3.0):
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            try:
                item = events.get(timeout=0.1)
            except queue.Empty:
                continue
            if isinstance(item, DeviceStatus):
                return item
        return None

    try:
        assert next_status().state == DeviceState.OK
        dev.unplug()
        assert next_status().state == DeviceState.RECONNECTING
        dev.plug()
        t0 = time.monotonic()
        back = next_status()
        assert back is not None and back.state == DeviceState.OK
        assert time.monotonic() - t0 < 2.0
        dev.write(EXAMPLE)
        deadline = time.monotonic() + 3
        card = None
        while card is None and time.monotonic() < deadline:
            try:
                item = events.get(timeout=0.1)
            except queue.Empty:
                continue
            if not isinstance(item, DeviceStatus):
                card = item
        assert card is not None and card.card_id == "0006762840"
    finally:
        stop.set()
        thread.join(timeout=3)
        dev.close()
