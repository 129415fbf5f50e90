"""``gate-edge doctor``: device listing, udev rules, and probes of real ptys with the fixes."""
from __future__ import annotations

import argparse
import io
import os
import re
import threading
from pathlib import Path

import pytest
import serial
from emulators.light_lcus import LcusBoard
from emulators.mlx90640_uart import Mlx90640Emulator
from emulators.pty_device import PtyDevice
from serial.tools.list_ports_common import ListPortInfo

from drivers import discovery, registry
from drivers.base import BuildContext
from edge.commands import doctor

RULES = Path(__file__).resolve().parents[1] / "systemd" / "99-gate-edge.rules"


def parse(argv):
    parser = argparse.ArgumentParser()
    doctor.register(parser.add_subparsers())
    return parser.parse_args(["doctor", *argv])


def run_doctor(tmp_path, yaml_text, *flags):
    config = tmp_path / "gate.yaml"
    config.write_text(yaml_text)
    out = io.StringIO()
    code = doctor.run(parse(["--config", str(config), "--timeout", "1.5", *flags]), out)
    return code, out.getvalue()


@pytest.fixture
def ptys(tmp_path):
    devs = {}

    def make(name):
        devs[name] = PtyDevice(tmp_path / name)
        return devs[name]

    yield make
    for dev in devs.values():
        dev.close()


def test_thermal_frame_and_light_cycle_pass(tmp_path, ptys):
    thermal, light = ptys("usb-mlx-port0"), ptys("usb-lcus-port0")
    emu = Mlx90640Emulator(thermal)
    emu.start()
    board = LcusBoard()
    stop = threading.Event()

    def pump():
        while not stop.is_set():
            board.feed(light.read(0.05))

    t = threading.Thread(target=pump, daemon=True)
    t.start()
    try:
        code, out = run_doctor(tmp_path, f"thermal: {{type: mlx90640_uart, port: {thermal.path}}}\n"
                                         f"light: {{type: lcus_relay, port: {light.path}}}\n", "--probe-light")
    finally:
        emu.stop()
        stop.set()
        t.join(2)
    assert code == 0, out
    assert re.search(r"PASS thermal .*32x24 frame, median 30\.0 C, sensor ambient 25\.1 C", out), out
    assert "PASS light" in out and "cycled red, yellow, green, off" in out
    assert board.commands == [(1, False), (2, False), (3, False), (4, False), (1, True),
                              (1, False), (3, True), (2, True), (3, False), (2, False)]


def test_busy_port_wrong_baud_and_missing_device_fail_with_fixes(tmp_path, ptys):
    busy, noisy = ptys("usb-busy-port0"), ptys("usb-noisy-port0")
    holder = serial.Serial(str(busy.path), exclusive=True)  # another program holds the light
    noise = threading.Event()

    def babble():  # a module at another baud: bytes, never a valid frame
        while not noise.is_set():
            try:
                noisy.write(os.urandom(64))
            except OSError:
                return
            noise.wait(0.01)
            noisy.read(0.001)

    t = threading.Thread(target=babble, daemon=True)
    t.start()
    try:
        code, out = run_doctor(tmp_path, f"thermal: {{type: mlx90640_uart, port: {noisy.path}}}\n"
                                         f"light: {{type: tower_light, port: {busy.path}}}\n"
                                         f"card: {{type: rdm6300, port: {tmp_path / 'gone'}}}\n")
    finally:
        noise.set()
        t.join(2)
        holder.close()
    assert code == 1
    assert "FAIL thermal" in out and "wrong baud? configured 460800" in out, out
    assert "FAIL light" in out and "is busy" in out and "systemctl stop gate-edge" in out, out
    assert "FAIL card" in out and "not found" in out, out


def test_config_error_exit_code(tmp_path):
    code, out = run_doctor(tmp_path, "thermal: {type: no_such_camera}\n")
    assert code == 2 and "FAIL config" in out


def test_fix_texts_for_permissions():
    detail = "[Errno 13] could not open port /dev/ttyUSB0: [Errno 13] Permission denied: '/dev/ttyUSB0'"
    assert "usermod -aG dialout" in doctor.fix_for(detail, "/dev/ttyUSB0")
    assert "usermod -aG video" in doctor.fix_for("Permission denied", "/dev/video0")
    assert doctor.fix_for("something else", "/dev/ttyUSB0") == ""
    # Review 9b: a folder or /dev/null as the port got "wrong baud, TX/RX swapped".
    for detail, path in (("[Errno 21] could not open port /x: [Errno 21] Is a directory: '/x'", "/x"),
                         ("Could not configure port: (25, 'Inappropriate ioctl for device')", "/dev/null")):
        assert doctor.fix_for(detail, path).startswith(f"{path} is not a serial port")


def test_discovery_reads_ids_and_stable_names(tmp_path):
    sysfs, dev = tmp_path / "sys", tmp_path / "dev"
    usb = sysfs / "devices" / "usb1" / "1-1"
    (usb / "1-1:1.0" / "video4linux" / "video0").mkdir(parents=True)
    (usb / "idVendor").write_text("0bda\n")
    (usb / "idProduct").write_text("5830\n")
    (usb / "1-1:1.0" / "video4linux" / "video0" / "name").write_text("USB Camera: USB Camera\n")
    (sysfs / "class" / "video4linux").mkdir(parents=True)
    os.symlink(usb / "1-1:1.0" / "video4linux" / "video0", sysfs / "class" / "video4linux" / "video0")
    os.symlink(usb / "1-1:1.0", usb / "1-1:1.0" / "video4linux" / "video0" / "device")
    (dev / "v4l" / "by-id").mkdir(parents=True)
    (dev / "video0").touch()
    os.symlink(dev / "video0", dev / "v4l" / "by-id" / "usb-Camera-video-index0")
    ev = sysfs / "class" / "input" / "event3" / "device"
    (ev / "id").mkdir(parents=True)
    (ev / "id" / "vendor").write_text("ffff\n")
    (ev / "id" / "product").write_text("0035\n")
    (ev / "name").write_text("Sycreader RFID Technology Co., Ltd SYC ID&IC USB Reader\n")
    (dev / "input" / "by-id").mkdir(parents=True)
    (dev / "input" / "event3").touch()
    os.symlink(dev / "input" / "event3", dev / "input" / "by-id" / "usb-Sycreader-event-kbd")
    (dev / "serial" / "by-id").mkdir(parents=True)
    (dev / "ttyUSB0").touch()
    os.symlink(dev / "ttyUSB0", dev / "serial" / "by-id" / "usb-1a86_USB_Serial-if00-port0")
    port = ListPortInfo(str(dev / "ttyUSB0"), skip_link_detection=True)
    port.vid, port.pid, port.description = 0x1A86, 0x7523, "USB Serial"

    (video,) = discovery.video_devices(sysfs, dev)
    assert video.usb_id == "0bda:5830" and video.known.driver == "p2pro_uvc"
    assert video.by_id == str(dev / "v4l/by-id/usb-Camera-video-index0") and video.description.startswith("USB Camera")
    (kbd,) = discovery.input_devices(sysfs, dev)
    assert kbd.usb_id == "ffff:0035" and kbd.known.driver == "hid_keyboard" and kbd.by_id.endswith("event-kbd")
    (tty,) = discovery.serial_ports([port], dev)
    assert tty.usb_id == "1a86:7523" and tty.by_id.endswith("usb-1a86_USB_Serial-if00-port0")
    line = doctor.describe_found(tty)
    assert "1a86:7523" in line and "LCUS" in line and "type: lcus_relay" in line


def test_two_devices_matching_one_stable_name_are_pointed_out(monkeypatch):
    """A CH340 light and a CH340 USB-TTL adapter: /dev/gate-edge/light could be either."""
    light = discovery.Found("serial", "/dev/ttyUSB0", "1a86:7523", "", "USB Serial")
    adapter = discovery.Found("serial", "/dev/ttyUSB1", "1a86:7523", "", "USB Serial")
    camera = discovery.Found("video", "/dev/video0", "0bda:5830", "", "USB Camera")
    assert discovery.shared_links([light, adapter, camera]) == {"light": [light, adapter]}
    assert discovery.shared_links([light, camera]) == {}
    monkeypatch.setattr(discovery, "all_devices", lambda: [light, adapter, camera])
    out = io.StringIO()
    doctor.run(argparse.Namespace(config=None, probe_light=False, timeout=0.5), out)
    assert "WARN  /dev/gate-edge/light matches 2 devices (/dev/ttyUSB0, /dev/ttyUSB1)" in out.getvalue()


def test_udev_rules_cover_every_known_device_with_a_stable_name():
    rules = [ln for ln in RULES.read_text().splitlines() if ln.strip() and not ln.startswith("#")]
    pair = re.compile(r'^\s*([A-Z_]+(?:\{[A-Za-z_]+\})?)\s*(==|!=|\+=|=|:=)\s*"([^"]*)"\s*$')
    for rule in rules:
        for part in rule.split(", "):
            assert pair.match(part), (rule, part)
    for usb_id, known in discovery.KNOWN.items():
        vid, pid = usb_id.split(":")
        matching = [r for r in rules if f'ATTRS{{idVendor}}=="{vid}"' in r and f'ATTRS{{idProduct}}=="{pid}"' in r]
        assert matching, usb_id
        if known.link:
            assert any(f'SYMLINK+="gate-edge/{known.link}"' in r for r in matching), usb_id


@pytest.mark.parametrize("role,type_name", [(role, t) for role, types in registry.DRIVERS.items() for t in types
                                            if t not in doctor.SIMULATED and t != "replay"])  # (a file)
def test_every_hardware_driver_names_the_node_its_options_open(role, type_name):
    driver = registry.driver_class(role, type_name)
    options = driver.Options(**({"red_line": 17} if type_name == "gpio" else {}))  # (a gpio light needs a line)
    path = driver.device_path(options)
    assert path.startswith("/dev/") and path in driver(options, BuildContext(role, None)).describe()


def test_a_replay_whose_recording_is_missing_fails(tmp_path):
    config = tmp_path / "gate.yaml"
    config.write_text(f"thermal: {{type: replay, path: {tmp_path / 'missing.npz'}}}\n")
    out = io.StringIO()
    assert doctor.run(argparse.Namespace(config=str(config), probe_light=False, timeout=0.5), out) == 1
    assert "FAIL thermal replay" in out.getvalue() and "cannot read a recording" in out.getvalue()
    assert "check the file's name" in out.getvalue()


def test_camera_without_frames_points_at_its_format():
    from drivers.thermal.p2pro_uvc import P2ProUvc

    cam = P2ProUvc(P2ProUvc.Options(device="/dev/video9"), BuildContext("thermal", None))
    hint = cam.no_data_hint("/dev/video9")
    assert f"{cam.fourcc} {cam.width}x{cam.height}" in hint and "v4l2-ctl -d /dev/video9" in hint
