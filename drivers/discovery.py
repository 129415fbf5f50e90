"""What is plugged in: serial ports, video devices and input devices, with USB ids.

Used by ``gate-edge doctor``. Serial ports come from pyserial's list_ports; video and
input devices from sysfs (no OpenCV needed). ``sysfs`` and ``dev`` roots are parameters
so tests can lay out a fake tree.
"""
from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Tuple

import serial.tools.list_ports


@dataclasses.dataclass(frozen=True)
class KnownDevice:
    name: str
    kind: str  # "serial", "video" or "input"
    driver: str  # config type to try first ("" = depends on what is wired to the adapter)
    link: str  # stable name the udev rules in systemd/99-gate-edge.rules create under /dev/gate-edge/


#: USB VID:PID -> what gates use it for. USB-TTL adapters carry whatever module is wired to them.
#: 1a86:55d4 is WCH's CH9102 (their ch343 Linux driver lists it; it enumerates as cdc_acm,
#: /dev/ttyACM*); ffff:0035 is the Sycreader "SYC ID&IC USB Reader" family (HID boot keyboard),
#: the common cheap 125 kHz wedge. Neither id says which product is behind it: doctor prints the
#: device's own by-id name next to this guess, and the config's `type:` decides.
KNOWN: Dict[str, KnownDevice] = {
    "0bda:5830": KnownDevice("InfiRay P2 Pro thermal camera (Realtek id: check the name)", "video",
                             "p2pro_uvc", "thermal-video"),
    "1e4e:0100": KnownDevice("PureThermal board (FLIR Lepton) thermal camera", "video", "lepton_uvc",
                             "thermal-video"),
    "1a86:7523": KnownDevice("CH340 USB serial: LCUS relay board / stack light, or a USB-TTL adapter", "serial",
                             "lcus_relay", "light"),
    "1a86:55d4": KnownDevice("CH9102 USB serial: Adafruit USB tower light, or a USB-TTL adapter", "serial",
                             "tower_light", "light"),
    "10c4:ea60": KnownDevice("CP210x USB-TTL adapter (GY-MCU90640, RDM6300, PN532 or ID card module)", "serial",
                             "", ""),
    "0403:6001": KnownDevice("FTDI FT232R USB-TTL adapter (GY-MCU90640, RDM6300, PN532 or ID card module)",
                             "serial", "", ""),
    "067b:2303": KnownDevice("PL2303 USB-TTL adapter (GY-MCU90640, RDM6300, PN532 or ID card module)", "serial",
                             "", ""),
    "ffff:0035": KnownDevice("USB RFID keyboard-wedge card reader (125 kHz)", "input", "hid_keyboard", "card-kbd"),
}


@dataclasses.dataclass(frozen=True)
class Found:
    kind: str
    device: str  # /dev/ttyUSB0, /dev/video0, /dev/input/event3
    usb_id: str  # "vvvv:pppp" or ""
    by_id: str  # stable path, or ""
    description: str

    @property
    def known(self) -> Optional[KnownDevice]:
        return KNOWN.get(self.usb_id)


def _usb_id(vid: Optional[int], pid: Optional[int]) -> str:
    return f"{vid:04x}:{pid:04x}" if vid is not None and pid is not None else ""


def _links(directory: Path) -> Dict[str, str]:
    """realpath -> symlink path for the stable names in ``directory`` (first name wins)."""
    out: Dict[str, str] = {}
    try:
        entries = sorted(directory.iterdir())
    except OSError:
        return out
    for entry in entries:
        if entry.is_symlink():
            out.setdefault(os.path.realpath(entry), str(entry))
    return out


def serial_ports(ports: Optional[Iterable] = None, dev: Path = Path("/dev")) -> List[Found]:
    """USB and on-board serial ports with VID:PID and /dev/serial/by-id path."""
    by_id = _links(dev / "serial" / "by-id")
    found = []
    for port in (serial.tools.list_ports.comports() if ports is None else ports):
        real = os.path.realpath(port.device)
        found.append(Found("serial", port.device, _usb_id(port.vid, port.pid), by_id.get(real, ""),
                           port.description if port.description not in (None, "n/a") else ""))
    return sorted(found, key=lambda f: f.device)


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        return ""


def _usb_ids_above(path: Path) -> Tuple[str, str]:
    """(vid, pid) of the nearest USB device above a sysfs device path."""
    current = Path(os.path.realpath(path))
    for _ in range(8):
        vid, pid = _read(current / "idVendor"), _read(current / "idProduct")
        if vid and pid:
            return vid.lower(), pid.lower()
        if current.parent == current:
            break
        current = current.parent
    return "", ""


def video_devices(sysfs: Path = Path("/sys"), dev: Path = Path("/dev")) -> List[Found]:
    by_id = _links(dev / "v4l" / "by-id")
    found = []
    root = sysfs / "class" / "video4linux"
    for entry in sorted(root.glob("video*")) if root.is_dir() else []:
        vid, pid = _usb_ids_above(entry / "device")
        node = str(dev / entry.name)
        found.append(Found("video", node, f"{vid}:{pid}" if vid else "", by_id.get(os.path.realpath(node), ""),
                           _read(entry / "name")))
    return found


def input_devices(sysfs: Path = Path("/sys"), dev: Path = Path("/dev")) -> List[Found]:
    """Event devices that have a stable /dev/input/by-id name (USB keyboards, card readers)."""
    found = []
    for real, link in sorted(_links(dev / "input" / "by-id").items(), key=lambda item: item[1]):
        name = Path(real).name
        if not name.startswith("event"):
            continue
        ids = sysfs / "class" / "input" / name / "device" / "id"
        vid, pid = _read(ids / "vendor"), _read(ids / "product")
        found.append(Found("input", real, f"{vid.lower()}:{pid.lower()}" if vid else "", link,
                           _read(sysfs / "class" / "input" / name / "device" / "name")))
    return found


def all_devices(sysfs: Path = Path("/sys"), dev: Path = Path("/dev")) -> List[Found]:
    return serial_ports(dev=dev) + video_devices(sysfs, dev) + input_devices(sysfs, dev)


def shared_links(found: Iterable[Found]) -> Dict[str, List[Found]]:
    """Stable names the udev rules would give to more than one plugged-in device (two CH340
    adapters both match the light's rule): the name then points at either of them."""
    by_link: Dict[str, List[Found]] = {}
    for item in found:
        if item.known is not None and item.known.link:
            by_link.setdefault(item.known.link, []).append(item)
    return {link: items for link, items in by_link.items() if len(items) > 1}

