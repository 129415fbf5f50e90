"""Keyboard-wedge reader: input_event records through a FIFO, grab fallback, unplug."""
from __future__ import annotations

import logging
import struct
import time

import pytest
from emulators.card_hid import EV_KEY, FifoInput, event, typed
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from drivers import registry
from drivers.base import BuildContext, DeviceState
from drivers.card.hid_keyboard import EVENT, EVIOCGRAB, HidKeyboardReader, Options

FUZZ = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def test_layout_and_ioctl_number():
    assert EVENT.size == struct.calcsize("llHHi") and EVENT.size in (16, 24)
    assert EVIOCGRAB == (1 << 30) | (4 << 16) | (ord("E") << 8) | 0x90  # _IOW('E', 0x90, int)
    assert registry.driver_class("card", "hid_keyboard") is HidKeyboardReader


def make(path, **kw):
    return HidKeyboardReader(Options(device=str(path), **kw), BuildContext("card"))


def test_feed_digits_until_enter():
    r = make("/nonexistent")
    assert r.feed(typed("1234567890\n"), 0.0) == ["1234567890"]
    assert r.feed(typed("0042", repeat_first=True), 0.0) == []
    assert r.feed(typed("\n"), 0.1) == ["0042"]  # the auto-repeat added no digit
    assert r.feed(typed("12\n"), 0.2) == []  # shorter than min_digits
    assert r.counters["malformed"] == 1
    keypad = event(EV_KEY, 79, 1) + event(EV_KEY, 80, 1) + event(EV_KEY, 81, 1) + event(EV_KEY, 82, 1)
    assert r.feed(keypad + event(EV_KEY, 96, 1), 0.3) == ["1230"]  # KP1 KP2 KP3 KP0 KPEnter


def test_partial_record_and_key_gap():
    r = make("/nonexistent", key_gap=0.5)
    data = typed("5555\n")
    assert r.feed(data[:7], 0.0) == []
    assert r.feed(data[7:], 0.0) == ["5555"]
    assert r.feed(typed("999"), 1.0) == []
    assert r.feed(typed("8888\n"), 2.0) == ["8888"]  # stale 999 dropped after the gap


@pytest.fixture
def fifo(tmp_path):
    f = FifoInput(tmp_path / "usb-reader-event-kbd")
    yield f
    f.close()


def test_card_through_fifo_with_grab_warning(fifo, caplog):
    r = make(fifo.path, debounce=1.0)  # (wide: a loaded machine must not outlast it between two swipes)
    r.open()
    try:
        assert r.state == DeviceState.OK
        assert "cannot grab" in caplog.text
        fifo.write(typed("0006762840\n"))
        ev = r.read(2.0)
        assert ev is not None and ev.card_id == "0006762840" and ev.reader == "hid_keyboard"
        fifo.write(typed("0006762840\n"))
        assert r.read(0.2) is None  # swiped twice in a row: debounced
        time.sleep(1.05)
        fifo.write(typed("0006762840\n"))
        assert r.read(2.0) is not None
    finally:
        r.close()


def test_two_cards_in_one_read_are_both_delivered(fifo):
    """Review 9e (from the code): read() returned the first number a chunk completed and lost
    the rest. Two numbers written at once now come out of two reads."""
    r = make(fifo.path, debounce=1.0)
    r.open()
    try:
        fifo.write(typed("12345\n") + typed("54321\n"))  # 60 input events: one os.read takes both
        first, second = r.read(2.0), r.read(2.0)
        assert first is not None and second is not None
        assert (first.card_id, second.card_id) == ("12345", "54321")
        assert r.read(0.2) is None
    finally:
        r.close()


def test_grab_can_be_disabled(fifo, caplog):
    caplog.set_level(logging.WARNING)
    r = make(fifo.path, grab=False)
    r.open()
    r.close()
    assert "cannot grab" not in caplog.text


def test_unplug_replug(fifo):
    r = make(fifo.path, debounce=0.0)
    r.open()
    try:
        fifo.unplug()
        deadline = time.monotonic() + 2
        while r.state == DeviceState.OK and time.monotonic() < deadline:
            r.read(0.05)
        assert r.state == DeviceState.RECONNECTING
        fifo.plug()
        t0 = time.monotonic()
        ev = None
        while ev is None and time.monotonic() - t0 < 3:
            if r.state == DeviceState.OK:
                fifo.write(typed("4711\n"))
            ev = r.read(0.2)
        assert ev is not None and ev.card_id == "4711"
        assert time.monotonic() - t0 < 2.0
        assert r.counters["reconnects"] == 1
    finally:
        r.close()


@FUZZ
@given(st.binary(max_size=EVENT.size * 12))
def test_fuzz_random_records(data):
    r = make("/nonexistent")
    # evdev read() returns whole records only, so garbage comes as whole (random) records.
    data = data[:len(data) - len(data) % EVENT.size]
    for number in r.feed(data, 0.0):
        assert number.isdigit()
    assert r.feed(typed("\n1234\n"), 0.0)[-1] == "1234"


@FUZZ
@given(st.lists(st.tuples(st.integers(0, 0x1F), st.integers(0, 0x2FF), st.integers(-3, 3)), max_size=40))
def test_fuzz_random_key_events(events):
    r = make("/nonexistent")
    data = b"".join(event(t, c, v) for t, c, v in events)
    for number in r.feed(data, 0.0):
        assert number.isdigit() and len(number) >= 4
    assert r.feed(typed("\n1234\n"), 0.0)[-1] == "1234"
