"""PN532 over UART: exact command bytes, the DESIGN.md reply, a pty emulator, fuzzing."""
from __future__ import annotations

import time

import pytest
from emulators.card_pn532 import Pn532Emulator, chip_frame
from emulators.pty_device import PtyDevice
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from drivers.base import BuildContext, DeviceState
from drivers.card import pn532_frames as pf
from drivers.card.pn532_uart import Options, Pn532UartReader
from drivers.framing import FrameScanner

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
H = bytes.fromhex
GET_FW = H("00 00 FF 02 FE D4 02 2A 00")
SAM_CONF = H("00 00 FF 05 FB D4 14 01 14 01 02 00")
IN_LIST = H("00 00 FF 04 FC D4 4A 01 00 E1 00")
RF_RETRIES = H("00 00 FF 06 FA D4 32 05 FF 01 01 F4 00")
REPLY = H("00 00 FF 0C F4 D5 4B 01 01 00 04 08 04 DE AD BE EF 96 00")


def test_command_frames_exact():
    assert pf.build(pf.GET_FIRMWARE_VERSION) == GET_FW
    assert pf.build(pf.SAM_CONFIGURATION) == SAM_CONF
    assert pf.build(pf.IN_LIST_PASSIVE_TARGET) == IN_LIST
    assert pf.build(pf.RF_MAX_RETRIES) == RF_RETRIES
    assert pf.WAKE[:2] == b"\x55\x55" and set(pf.WAKE[2:]) == {0} and len(pf.WAKE) >= 16


def scan(data: bytes) -> list:
    s = FrameScanner(pf.START, pf.frame_length, pf.verify, max_frame=300)
    s.feed(data)
    out = []
    for _ in range(len(data) + 1):  # every frame takes at least one byte: bounded
        f = s.next_frame()
        if f is None:
            return out
        out.append(pf.parse(f))
    raise AssertionError("the scanner returned more frames than bytes: it does not consume its input")


def test_design_reply_gives_deadbeef():
    assert chip_frame(H("D5 4B 01 01 00 04 08 04 DE AD BE EF")) == REPLY
    frames = scan(pf.ACK + REPLY)
    assert frames[0] == ("ack", b"")
    kind, payload = frames[1]
    assert kind == "data" and pf.target_uid(payload) == H("DEADBEEF")
    assert pf.target_uid(H("D5 4B 00")) is None


@pytest.fixture
def rig(tmp_path):
    emu = Pn532Emulator()
    dev = PtyDevice(tmp_path / "usb-pn532-if00-port0", responder=emu)
    dev.start()
    readers = []

    def make(**kw):
        kw.setdefault("poll_interval", 0.02)
        r = Pn532UartReader(Options(port=str(dev.path), **kw), BuildContext("card"))
        r.open()
        readers.append(r)
        return r

    yield emu, dev, make
    for r in readers:
        r.close()
    dev.close()


def read_until(r, limit=3.0):
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        ev = r.read(0.1)
        if ev is not None:
            return ev
    return None


def test_startup_sequence_and_card(rig):
    emu, dev, make = rig
    r = make(debounce=0.3)
    assert r.read(0.3) is None  # no card yet: polls answered with NbTg = 0
    # Wake-up bytes immediately precede SAMConfiguration; then firmware, retries, polls.
    assert bytes(dev.received).startswith(pf.WAKE + SAM_CONF + GET_FW + RF_RETRIES + IN_LIST)
    assert emu.commands[:4] == [SAM_CONF, GET_FW, RF_RETRIES, IN_LIST]
    assert set(emu.commands[3:]) == {IN_LIST}
    assert r.firmware == H("32010607")
    emu.uid = H("DEADBEEF")
    ev = read_until(r)
    assert ev is not None and ev.card_id == "DEADBEEF" and ev.reader == "pn532_uart"
    assert r.read(0.3) is None  # still held: debounced
    assert r.counters["repeats"] >= 1
    emu.uid = None
    time.sleep(0.4)
    emu.uid = H("04A1B2C3D4E5F6")  # 7-byte UID
    ev = read_until(r)
    assert ev is not None and ev.card_id == "04A1B2C3D4E5F6"


def test_missed_ack_recovers_by_waking_again(rig):
    emu, _dev, make = rig
    r = make()
    assert r.read(0.2) is None
    assert emu.wakeups == 1
    emu.drop_acks = 1  # the chip misses one poll and falls asleep
    emu.uid = H("DEADBEEF")
    ev = read_until(r)
    assert ev is not None and ev.card_id == "DEADBEEF"
    assert r.counters["missed_ack"] >= 1
    assert emu.wakeups >= 2
    assert r.state == DeviceState.OK


def test_unplug_replug(rig):
    emu, dev, make = rig
    r = make(debounce=0.0)
    assert r.read(0.2) is None
    dev.unplug()
    emu.awake = False  # a replugged chip starts asleep
    deadline = time.monotonic() + 2
    while r.state == DeviceState.OK and time.monotonic() < deadline:
        r.read(0.05)
    assert r.state == DeviceState.RECONNECTING
    emu.uid = H("DEADBEEF")
    dev.plug()
    t0 = time.monotonic()
    ev = read_until(r, 3.0)
    assert ev is not None and ev.card_id == "DEADBEEF"
    assert time.monotonic() - t0 < 2.0
    assert r.counters["reconnects"] == 1


@FUZZ
@given(st.binary(max_size=120))
def test_fuzz_random_bytes(data):
    for kind, payload in scan(data):
        assert kind in ("ack", "nack", "data")
        pf.target_uid(payload)  # must not raise on any verified payload


@FUZZ
@given(st.binary(max_size=60), st.integers(0, len(REPLY) - 1))
def test_fuzz_garbage_truncated_then_valid(garbage, cut):
    frames = scan(garbage + REPLY[:cut] + REPLY)
    assert frames and pf.target_uid(frames[-1][1]) == H("DEADBEEF")


@FUZZ
@given(st.integers(0, len(REPLY) * 8 - 1))
def test_fuzz_bit_flip(bit):
    bad = bytearray(REPLY)
    bad[bit // 8] ^= 1 << (bit % 8)
    # The checksums catch every single-bit flip; only the optional leading 00 may change.
    for kind, payload in scan(bytes(bad)):
        assert kind == "data" and pf.target_uid(payload) == H("DEADBEEF") and bit < 8
    frames = scan(bytes(bad) + REPLY)
    assert pf.target_uid(frames[-1][1]) == H("DEADBEEF")


def test_silent_chip_reported_then_recovers(rig):
    emu, _dev, make = rig
    emu.drop_acks = 10**6  # port present, chip never answers
    r = make(ack_timeout=0.02)
    deadline = time.monotonic() + 3
    while r.state == DeviceState.OK and time.monotonic() < deadline:
        r.read(0.1)
    assert r.state == DeviceState.RECONNECTING and "not answering" in r.state_detail
    emu.drop_acks = 0
    emu.uid = H("DEADBEEF")
    ev = read_until(r)
    assert ev is not None and ev.card_id == "DEADBEEF"
    assert r.state == DeviceState.OK
