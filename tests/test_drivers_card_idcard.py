"""Resident ID card reader (SAM): exact requests, the text block, masking, pty emulator, fuzz."""
from __future__ import annotations

import logging
import time

import pytest
from emulators.card_sam import PHOTO, SamEmulator, frame
from emulators.pty_device import PtyDevice
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from drivers.base import BuildContext, DeviceState
from drivers.card import sam_frames as sf
from drivers.card.idcard_sam import IdCardSamReader, Options
from drivers.card.idcard_text import build_text, mask_id_number, parse_text
from drivers.framing import FrameScanner
from edge.cards import hash_card_id
from edge.settings.fields import SecretRef

FUZZ = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
H = bytes.fromhex
ID = "110101199003074538"  # made-up number in the official layout
CARD = {"name": "张三丰", "sex": "1", "nation": "01", "birth": "19900307", "address": "北京市东城区景山前街4号",
        "id_number": ID, "issuer": "北京市公安局东城分局", "valid_from": "20150101", "valid_to": "20350101"}
TEXT = build_text(**CARD)
READ_REPLY = frame(H("000090") + H("0100") + H("0400") + TEXT + PHOTO)


def test_request_frames_exact():
    assert sf.build(sf.SAM_STATUS) == H("AA AA AA 96 69 00 03 11 FF ED")
    assert sf.build(sf.FIND_CARD) == H("AA AA AA 96 69 00 03 20 01 22")
    assert sf.build(sf.SELECT_CARD) == H("AA AA AA 96 69 00 03 20 02 21")
    assert sf.build(sf.READ_TEXT_PHOTO) == H("AA AA AA 96 69 00 03 30 01 32")


def test_read_reply_layout_and_text_fields():
    assert len(READ_REPLY) == 1295 and READ_REPLY[5:7] == H("0508")
    assert sf.verify(READ_REPLY) and sf.sw3(READ_REPLY) == sf.SW_OK
    block = sf.text_block(READ_REPLY)
    assert len(block) == 256 and block[:6] == "张三丰".encode("utf-16-le")
    card = parse_text(block)
    assert (card.name, card.sex, card.sex_text, card.nation, card.birth) == ("张三丰", "1", "male", "01", "19900307")
    assert card.address == CARD["address"] and card.issuer == CARD["issuer"]
    assert (card.id_number, card.valid_from, card.valid_to) == (ID, "20150101", "20350101")
    assert card.id_masked == "110101********4538"
    assert ID not in repr(card)


def test_masking_and_parse_rejects():
    assert mask_id_number("11010119900307453X") == "110101********453X"
    assert mask_id_number("12345") == "*****"
    assert parse_text(TEXT[:255]) is None
    assert parse_text(build_text(name="x")) is None  # no ID number
    assert sf.text_block(frame(H("000041"))) is None


def test_status_codes_have_clear_messages():
    assert "self-test" in sf.describe_sw(0x60)
    assert "checksum" in sf.describe_sw(0x10) and "length" in sf.describe_sw(0x11)
    assert "command" in sf.describe_sw(0x21) and "read" in sf.describe_sw(0x41)
    assert "unknown" in sf.describe_sw(0x77)


@pytest.fixture
def rig(tmp_path, monkeypatch):
    monkeypatch.setenv("GATE_TEST_ID_KEY", "k3y")
    emu = SamEmulator()
    dev = PtyDevice(tmp_path / "usb-sam-if00-port0", responder=emu)
    dev.start()
    readers = []

    def make(**kw):
        kw.setdefault("poll_interval", 0.05)
        kw.setdefault("hash_key", SecretRef(env="GATE_TEST_ID_KEY"))
        r = IdCardSamReader(Options(port=str(dev.path), **kw), BuildContext("card"))
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


def test_card_event_is_masked_and_hashed(rig, caplog):
    caplog.set_level(logging.DEBUG)
    emu, _dev, make = rig
    r = make()
    assert r.read(0.3) is None
    emu.text = TEXT
    ev = read_until(r)
    assert ev is not None and ev.reader == "idcard_sam"
    assert ev.card_id == hash_card_id(ID, b"k3y").upper()  # the whole number's keyed hash
    assert ev.extra == {"name": "张三丰", "id_masked": "110101********4538",
                        "id_hash": hash_card_id(ID, b"k3y"), "valid_to": "20350101"}
    assert ID not in repr(ev) and ID not in caplog.text
    req = [bytes(q) for q in emu.requests]
    assert req[0] == sf.build(sf.SAM_STATUS)
    i = req.index(sf.build(sf.SELECT_CARD))
    assert req[i - 1:i + 2] == [sf.build(sf.FIND_CARD), sf.build(sf.SELECT_CARD), sf.build(sf.READ_TEXT_PHOTO)]
    assert r.read(0.4) is None  # card left on the reader: debounced
    assert r.counters["repeats"] >= 1


def test_two_visitors_whose_masked_numbers_match_are_two_card_ids(rig):
    """Same district, same last four digits: one masked number, yet two card ids, so the
    pairer, the record's card_hash and the school's ledger tell the two people apart."""
    emu, _dev, make = rig
    r = make(debounce=0.0)
    events = []
    for number in (ID, "110101198512244538"):
        emu.text = build_text(**{**CARD, "id_number": number})
        events.append(read_until(r))
        emu.text = None  # card taken away
        assert r.read(0.3) is None
    first, second = events
    assert first.extra["id_masked"] == second.extra["id_masked"] == "110101********4538"
    assert first.card_id != second.card_id


def test_sam_self_test_failure_is_reported(rig, caplog):
    emu, _dev, make = rig
    emu.status = 0x60
    r = make()
    r.read(0.3)
    assert r.state == DeviceState.DOWN and "self-test" in r.state_detail
    assert "SAM self-test failed" in caplog.text
    emu.status = 0x90
    deadline = time.monotonic() + 2
    while r.state != DeviceState.OK and time.monotonic() < deadline:
        r.read(0.1)
    assert r.state == DeviceState.OK


def test_read_failure_logged_and_no_event(rig, caplog):
    emu, _dev, make = rig
    emu.text = TEXT
    emu.read_status = 0x41
    r = make()
    assert r.read(0.4) is None
    assert "reading the card failed" in caplog.text
    assert r.counters["sam_errors"] >= 1


def test_unplug_replug(rig):
    emu, dev, make = rig
    r = make(debounce=0.0)
    assert r.read(0.2) is None
    dev.unplug()
    deadline = time.monotonic() + 2
    while r.state == DeviceState.OK and time.monotonic() < deadline:
        r.read(0.05)
    assert r.state == DeviceState.RECONNECTING
    emu.text = TEXT
    dev.plug()
    t0 = time.monotonic()
    ev = read_until(r)
    assert ev is not None and ev.card_id == hash_card_id(ID, b"k3y").upper()
    assert time.monotonic() - t0 < 2.0


def scan(data: bytes) -> list:
    s = FrameScanner(sf.PREAMBLE, sf.frame_length, sf.verify, max_frame=7 + sf.MAX_LEN)
    s.feed(data)
    out = []
    for _ in range(len(data) + 1):  # every frame takes at least one byte: bounded
        f = s.next_frame()
        if f is None:
            return out
        out.append(f)
    raise AssertionError("the scanner returned more frames than bytes: it does not consume its input")


@FUZZ
@given(st.binary(max_size=300))
def test_fuzz_random_bytes(data):
    for f in scan(sf.PREAMBLE + data):
        sf.sw3(f)
        sf.text_block(f)


@FUZZ
@given(st.binary(min_size=256, max_size=256))
def test_fuzz_text_block_never_raises(block):
    card = parse_text(block)
    if card is not None:
        assert card.id_masked.count("*") >= 8 or len(card.id_number) < 12


@FUZZ
@given(st.binary(max_size=80), st.integers(0, len(READ_REPLY) - 1))
def test_fuzz_garbage_truncated_then_valid(garbage, cut):
    frames = scan(garbage + READ_REPLY[:cut] + READ_REPLY)
    assert frames and frames[-1] == READ_REPLY


@FUZZ
@given(st.integers(0, len(READ_REPLY) * 8 - 1))
def test_fuzz_bit_flip_rejected(bit):
    bad = bytearray(READ_REPLY)
    bad[bit // 8] ^= 1 << (bit % 8)
    assert scan(bytes(bad)) == []  # XOR + length catch every single-bit flip
    assert scan(bytes(bad) + READ_REPLY)[-1] == READ_REPLY


def test_silent_module_reported_then_recovers(rig):
    emu, _dev, make = rig
    r = make(reply_timeout=0.1)
    assert r.read(0.3) is None
    emu.mute = True
    deadline = time.monotonic() + 3
    while r.state == DeviceState.OK and time.monotonic() < deadline:
        r.read(0.1)
    assert r.state == DeviceState.RECONNECTING and "not answering" in r.state_detail
    emu.mute = False
    emu.text = TEXT
    ev = read_until(r)
    assert ev is not None and r.state == DeviceState.OK
