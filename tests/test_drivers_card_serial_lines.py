"""Line-based serial readers: regex extraction, line splitting, pty, fuzz."""
from __future__ import annotations

import io
import time

import pytest
from emulators.pty_device import PtyDevice
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from drivers import registry
from drivers.base import BuildContext, DeviceState
from drivers.card.serial_lines import MAX_LINE, LineParser, Options, SerialLinesReader

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def test_group_rules():
    assert LineParser(r"CARD:(?P<id>\w+) RSSI=(\d+)").feed(b"CARD:deadbeef RSSI=40\r\n") == ["deadbeef"]
    assert LineParser(r"UID=([0-9A-F]+)").feed(b"UID=04A1B2\n") == ["04A1B2"]
    assert LineParser(r"\d{10}").feed(b"ID 0006762840 ok\n") == ["0006762840"]
    assert registry.driver_class("card", "serial_lines") is SerialLinesReader


def test_split_lines_crlf_and_noise():
    p = LineParser(r"([0-9A-Fa-f]{4,32})")
    assert p.feed(b"DEAD") == []
    assert p.feed(b"BEEF\r\n\r\n--\n1234\r") == ["DEADBEEF", "1234"]
    assert p.malformed == 1  # the "--" line
    p.feed(b"x" * (MAX_LINE + 1))
    assert p.malformed == 2
    assert p.feed(b"\nABCD\n") == ["ABCD"]


@pytest.fixture
def rig(tmp_path):
    dev = PtyDevice(tmp_path / "usb-reader-if00")
    readers = []

    def make(**kw):
        r = SerialLinesReader(Options(port=str(dev.path), **kw), BuildContext("card"))
        r.open()
        readers.append(r)
        return r

    yield dev, make
    for r in readers:
        r.close()
    dev.close()


def test_over_pty_normalized_and_debounced(rig):
    dev, make = rig
    r = make(baud=115200, pattern=r"UID:(?P<id>[0-9a-f:]+)", debounce=0.3)
    dev.write(b"boot v1.2\r\nUID:de:ad:be:ef\r\nUID:de:ad:be:ef\r\n")
    ev = r.read(2.0)
    assert ev is not None and ev.card_id == "DEADBEEF" and ev.reader == "serial_lines"
    assert r.read(0.2) is None
    assert r.counters["repeats"] == 1 and r.counters["malformed"] == 1


def test_unplug_replug(rig):
    dev, make = rig
    r = make(debounce=0.0)
    dev.unplug()
    deadline = time.monotonic() + 2
    while r.state == DeviceState.OK and time.monotonic() < deadline:
        r.read(0.05)
    assert r.state == DeviceState.RECONNECTING
    dev.plug()
    t0 = time.monotonic()
    ev = None
    while ev is None and time.monotonic() - t0 < 3:
        dev.write(b"12345678\n")
        ev = r.read(0.2)
    assert ev is not None and ev.card_id == "12345678"
    assert time.monotonic() - t0 < 2.0


@FUZZ
@given(st.binary(max_size=400))
def test_fuzz_random_bytes_then_valid_line(data):
    p = LineParser(r"([0-9A-Fa-f]{4,32})")
    p.feed(data)
    assert p.feed(b"\nC0FFEE42\n")[-1] == "C0FFEE42"


def test_a_pattern_that_does_not_compile_is_a_config_error(tmp_path, capsys):
    # It was compiled only when the reader was built: check-config, run and doctor gave a traceback.
    from edge.cli import main
    from edge.commands import check_config

    cfg = tmp_path / "gate.yaml"
    cfg.write_text("thermal: {type: mlx90640_uart, port: /dev/ttyUSB1}\n"
                   "card:\n  type: serial_lines\n  port: /dev/ttyUSB0\n  pattern: \"([0-9\"\n", encoding="utf-8")
    want = (f"{cfg}:5: card.pattern: expected a regular expression, got one that does not compile: "
            "unterminated character set at position 1\n")
    out, err = io.StringIO(), io.StringIO()  # check()'s default streams are bound at import
    assert (check_config.check(str(cfg), out, err), out.getvalue(), err.getvalue()) == (2, "", want)
    assert main(["run", "--config", str(cfg), "--headless", "--for", "0"]) == 2
    assert capsys.readouterr().err == want
    assert main(["doctor", "--config", str(cfg)]) == 2  # doctor's report goes to stdout
    assert f"FAIL config  {cfg}: {want}" in capsys.readouterr().out
