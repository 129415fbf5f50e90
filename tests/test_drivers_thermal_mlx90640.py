"""GY-MCU90640 driver: DESIGN.md frame, exact start-up bytes on a pty, fuzzing, unplug/replug."""
from __future__ import annotations

import queue
import threading
import time

import numpy as np
import pytest
from emulators.mlx90640_uart import (
    EXAMPLE,
    EXAMPLE_AMBIENT,
    EXAMPLE_IMAGE,
    Mlx90640Emulator,
    emissivity_reply,
)
from emulators.pty_device import PtyDevice
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reader_support import wait_for_event

from drivers import registry
from drivers.base import AccuracyClass, BuildContext, DeviceState, ThermalFrame
from drivers.thermal import mlx90640_frame as wire
from drivers.thermal.mlx90640_uart import Mlx90640Uart, Options
from edge.events import DeviceStatus
from edge.readers import ReaderThread

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def test_design_example_checksum_and_values():
    assert EXAMPLE[-2:] == b"\xb6\x94" and len(EXAMPLE) == wire.FRAME_LEN
    assert wire.checksum(EXAMPLE[:-2]) == 0x94B6
    assert wire.build_frame(EXAMPLE_IMAGE, EXAMPLE_AMBIENT) == EXAMPLE
    celsius, ambient = wire.parse_frame(EXAMPLE)
    assert celsius.shape == (24, 32) and celsius.dtype == np.float32
    assert celsius[0, 0] == pytest.approx(36.5) and celsius[0, 1] == pytest.approx(30.0)
    assert celsius[23, 31] == pytest.approx(30.0)
    assert ambient == pytest.approx(25.12)


def test_mirror_flips_left_right():
    celsius, _ = wire.parse_frame(EXAMPLE, mirror=True)
    assert celsius[0, 31] == pytest.approx(36.5) and celsius[0, 0] == pytest.approx(30.0)


def test_negative_temperatures_are_signed():
    img = np.full((24, 32), -12.34)
    celsius, ambient = wire.parse_frame(wire.build_frame(img, -5.5))
    assert celsius[5, 5] == pytest.approx(-12.34, abs=1e-4) and ambient == pytest.approx(-5.5)


def test_command_bytes_match_design():
    assert [wire.cmd_baud(b).hex() for b in (9600, 115200, 460800)] == ["a51501bb", "a51502bc", "a51503bd"]
    assert [wire.cmd_rate(r).hex() for r in (0.5, 1, 2, 4, 8)] == [
        "a52500ca", "a52501cb", "a52502cc", "a52503cd", "a52504ce"]
    assert wire.cmd_single_frame().hex() == "a53501db"
    assert wire.cmd_auto_output().hex() == "a53502dc"
    assert wire.cmd_emissivity(0.98).hex() == "a545624c"
    assert wire.command(0x65, 0x01).hex() == "a565010b"


@pytest.mark.parametrize("index", [0, 3, 4, 700, 1541, 1542, 1543])
def test_corrupted_byte_fails_checksum(index):
    bad = bytearray(EXAMPLE)
    bad[index] ^= 0x10
    assert wire.parse_frame(bytes(bad)) is None


def test_emissivity_reply_is_not_a_frame():
    reply = emissivity_reply(98)
    assert wire.is_emissivity_reply(reply)
    scan = wire.new_scanner()
    scan.feed(reply + EXAMPLE[:100])
    assert scan.next_frame() is None
    scan.feed(EXAMPLE[100:] + reply)
    assert scan.next_frame() == EXAMPLE
    assert scan.next_frame() is None and scan.take_malformed() == 0


@FUZZ
@given(st.binary(max_size=3000))
def test_fuzz_garbage_then_valid_frame(garbage):
    scan = wire.new_scanner()
    scan.feed(garbage)
    while scan.next_frame() is not None:
        pass
    # A truncated frame in the garbage can swallow the next header: then the one after is found.
    scan.feed(EXAMPLE + EXAMPLE)
    frame = scan.next_frame()
    assert frame is not None and wire.parse_frame(frame) is not None


@FUZZ
@given(st.lists(st.integers(0, wire.FRAME_LEN * 8 - 1), min_size=1, max_size=4), st.integers(0, wire.FRAME_LEN))
def test_fuzz_bit_flips_and_truncation(flips, cut):
    bad = bytearray(EXAMPLE)
    for bit in flips:
        bad[bit // 8] ^= 1 << (bit % 8)
    result = wire.parse_frame(bytes(bad))  # must not raise
    if result is not None:
        assert wire.checksum(bytes(bad[:-2])) == int.from_bytes(bad[-2:], "little")
    assert wire.parse_frame(EXAMPLE[:cut]) is None or cut == wire.FRAME_LEN


def test_registered_and_classified():
    cls = registry.driver_class("thermal", "mlx90640_uart")
    assert cls is Mlx90640Uart and cls.accuracy is AccuracyClass.REFERENCE_REQUIRED


@pytest.fixture
def rig(tmp_path):
    dev = PtyDevice(tmp_path / "usb-GY-MCU90640-if00-port0")
    emu = Mlx90640Emulator(dev)
    drivers = []

    def make(**kw):
        d = Mlx90640Uart(Options(port=str(dev.path), **kw), BuildContext("thermal"))
        d.open()
        drivers.append(d)
        return d

    yield dev, emu, make
    emu.stop()
    for d in drivers:
        d.close()
    dev.close()


def test_the_emissivity_set_on_the_module_goes_into_every_record(rig):
    """The module reports temperatures corrected for its emissivity: a correction like any
    other, so the lane records it (None: left as the module has it)."""
    _dev, _emu, make = rig
    assert make(emissivity=0.98).reading_settings() == {"type": "mlx90640_uart", "emissivity": 0.98}
    assert make().reading_settings() == {"type": "mlx90640_uart", "emissivity": None}
    assert make(emissivity=0.98, configure=False).reading_settings()["emissivity"] is None  # (never sent)


def test_start_commands_exact_bytes_on_pty(rig):
    dev, _, make = rig
    make(emissivity=0.98)
    got = dev.read_exact(16, 2.0)
    assert got == bytes.fromhex("a51503bd" "a52504ce" "a545624c" "a53502dc")


def test_frames_over_pty_with_garbage_and_mirror(rig):
    dev, _, make = rig
    d = make(start_baud=460800, mirror=True)
    assert dev.read_exact(8, 2.0) == bytes.fromhex("a52504ce a53502dc")
    dev.write(b"\x00\x5a\x5a\x02" + emissivity_reply(95) + EXAMPLE[:500] + EXAMPLE)
    frame = d.read(2.0)
    assert frame is not None and frame.ambient_c == pytest.approx(25.12)
    assert frame.celsius[0, 31] == pytest.approx(36.5)
    assert d.counters["frames"] == 1 and d.counters["malformed"] >= 1
    assert d.read(0.1) is None


def test_unplug_and_replug_recovers_within_two_seconds(rig):
    dev, emu, make = rig
    d = make()
    emu.start()
    assert d.read(2.0) is not None and d.state is DeviceState.OK
    dev.unplug()
    deadline = time.monotonic() + 2.0
    while d.state is DeviceState.OK and time.monotonic() < deadline:
        d.read(0.05)
    assert d.state is DeviceState.RECONNECTING
    dev.plug()
    t0 = time.monotonic()
    frame = None
    while frame is None and time.monotonic() - t0 < 2.0:
        frame = d.read(0.2)
    assert frame is not None and d.state is DeviceState.OK
    assert d.counters["reconnects"] == 1
    # The driver re-sent its start-up commands to the new port (the emulator streamed again).
    assert emu.streaming.is_set()


@pytest.fixture
def reader(tmp_path):
    """The daemon's reader thread on the driver on a pty with a streaming emulator:
    (pty device, driver, wait_for(predicate, limit) -> the first matching event or None,
    states: every DeviceStatus state seen, in order)."""
    dev = PtyDevice(tmp_path / "usb-GY-MCU90640-if00-port0")
    emu = Mlx90640Emulator(dev)
    emu.start()
    driver = Mlx90640Uart(Options(port=str(dev.path)), BuildContext("thermal"))
    events: queue.Queue = queue.Queue(maxsize=64)
    stop = threading.Event()
    thread = ReaderThread("thermal", driver, events, stop)
    thread.start()
    states: list = []

    def wait_for(kind, limit=3.0):
        return wait_for_event(events, kind, states, limit)

    yield dev, driver, wait_for, states
    stop.set()
    thread.join(timeout=3)
    emu.stop()
    dev.close()


def test_reader_thread_reports_reconnecting_then_frames_again(reader):
    """Through the daemon's reader thread the lane is told reconnecting (its fault), then ok."""
    dev, _driver, wait_for, _states = reader
    assert wait_for(lambda e: isinstance(e, ThermalFrame)) is not None
    dev.unplug()
    down = wait_for(lambda e: isinstance(e, DeviceStatus) and e.state is not DeviceState.OK)
    assert down is not None and down.role == "thermal" and down.state is DeviceState.RECONNECTING
    dev.plug()
    t0 = time.monotonic()
    back = wait_for(lambda e: isinstance(e, DeviceStatus) and e.state is DeviceState.OK)
    assert back is not None and time.monotonic() - t0 < 2.0
    frame = wait_for(lambda e: isinstance(e, ThermalFrame))
    assert frame is not None and frame.celsius[0, 0] == pytest.approx(36.5)


def test_a_replug_inside_one_read_still_reaches_the_lane_as_an_outage(reader):
    """Unplugged and plugged back at once: the driver reconnects inside one read(), yet the
    lane must hear that the sensor was down (it lost power and warms up again)."""
    dev, driver, wait_for, states = reader
    assert wait_for(lambda e: isinstance(e, ThermalFrame)) is not None
    states.clear()
    dev.replug()
    assert wait_for(lambda e: isinstance(e, ThermalFrame) and driver.outages == 1) is not None
    assert wait_for(lambda e: states[-1:] == [DeviceState.OK], 1.0) is not None
    # RECONNECTING, as the driver said: a lane holding the sensor DOWN for a silence then sees a
    # change and restarts the warm-up (tests/test_lane.py: test_silence_does_not_hide_a_real_unplug_warmup).
    assert states[0] is DeviceState.RECONNECTING and states[-1] is DeviceState.OK, states
    assert driver.counters["reconnects"] == 1
