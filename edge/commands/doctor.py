"""``gate-edge doctor``: list the devices that are plugged in and probe the configured ones.

One PASS/FAIL line per configured device, each failure with the fix a technician can
apply on the spot (group membership, a busy port, the baud rate, the cable).
"""
from __future__ import annotations

import argparse
import dataclasses
import logging
import sys
import time
from typing import Optional, TextIO

import numpy as np

from drivers import discovery, registry
from drivers.base import OFF, BuildContext, Device, DeviceState, Lamps
from edge.settings.errors import ConfigError
from edge.settings.loader import load_config

log = logging.getLogger(__name__)

ROLES = ("thermal", "card", "light")
SIMULATED = {"sim", "log"}  # (a replay opens its recording file: probed like a device)
BUILD_ERRORS = (ValueError, TypeError, OSError, ImportError, RuntimeError, KeyError)
PROBE_CYCLE = (Lamps(red=True), Lamps(yellow=True), Lamps(green=True), OFF)


@dataclasses.dataclass
class Result:
    role: str
    ok: bool
    what: str
    detail: str
    fix: str = ""

    def line(self) -> str:
        text = f"{'PASS' if self.ok else 'FAIL'} {self.role:<7} {self.what}: {self.detail}"
        return text + (f"\n     fix: {self.fix}" if self.fix else "")


def register(sub: "argparse._SubParsersAction") -> None:
    p = sub.add_parser("doctor", help="list plugged-in devices and probe the configured ones")
    p.add_argument("--config", metavar="FILE", help="YAML config (default: the embedded demo config)")
    p.add_argument("--probe-light", action="store_true", help="cycle the light's colours once")
    p.add_argument("--timeout", type=float, default=3.0, metavar="S", help="seconds to wait for a frame (default 3)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace, out: Optional[TextIO] = None) -> int:
    out = out or sys.stdout
    print("Devices found:", file=out)
    devices = discovery.all_devices()
    for found in devices:
        print("  " + describe_found(found), file=out)
    for link, items in discovery.shared_links(devices).items():
        print(f"WARN  /dev/gate-edge/{link} matches {len(items)} devices ({', '.join(i.device for i in items)}): it "
              f"points at any one of them. Pin it by USB socket in 99-gate-edge.rules (see its comments) or use "
              f"the device's /dev/serial/by-path name in the config.", file=out)
    try:
        config = load_config(args.config)
    except ConfigError as exc:
        print(f"FAIL config  {args.config}: {exc}", file=out)
        return 2
    results = [probe(role, getattr(config, role), args) for role in ROLES if getattr(config, role) is not None]
    print("Configured devices:", file=out)
    for result in results:
        print(result.line(), file=out)
    return 0 if all(r.ok for r in results) else 1


def describe_found(found: discovery.Found) -> str:
    known = found.known
    parts = [f"{found.kind:<6} {found.device:<18} {found.usb_id or '-':<9}"]
    if found.by_id:
        parts.append(found.by_id)
    if known is not None:
        hint = f" -> type: {known.driver}" if known.driver else ""
        parts.append(f"[{known.name}{hint}]")
    elif found.description:
        parts.append(f"({found.description})")
    return "  ".join(parts)


def group_for(path: str) -> str:
    if "video" in path or "v4l" in path:
        return "video"
    if "/input/" in path:
        return "input"
    return "gpio" if "gpiochip" in path else "dialout"


def fix_for(detail: str, path: str) -> str:
    """The technician's fix for a driver state detail (pyserial / OS error text)."""
    text = (detail.replace(path, "") if path else detail).lower()  # a path may contain any word
    if "no such file" in text or "not present" in text or "errno 2]" in text:
        return (f"{path} not found: check the cable, and use the stable name of the device in the list "
                f"above (/dev/gate-edge/..., /dev/serial/by-id/..., /dev/v4l/by-id/...)")
    if "permission denied" in text or "errno 13" in text:
        group = group_for(path)
        return (f"permission denied on {path}: sudo usermod -aG {group} $USER, then log out and in "
                f"(or install systemd/99-gate-edge.rules)")
    if any(key in text for key in ("exclusively lock", "resource busy", "errno 16", "errno 11")):
        return (f"{path} is busy: another program holds it (is the gate-edge service running? "
                f"sudo systemctl stop gate-edge; or find it with: fuser -v {path})")
    if "gpiod" in text:
        return detail
    if "is a directory" in text or "errno 21" in text or "inappropriate ioctl" in text or "errno 25" in text:
        return (f"{path} is not a serial port (a folder, a plain file or /dev/null): use the device's stable "
                f"name from the list above (/dev/gate-edge/..., /dev/serial/by-id/...)")
    return ""


def probe(role: str, cfg: object, args: argparse.Namespace) -> Result:
    type_name, options = cfg.type, cfg.options  # type: ignore[attr-defined]
    if type_name in SIMULATED:
        return Result(role, True, type_name, "simulated, nothing to probe")
    path = ""
    try:
        driver = registry.driver_class(role, type_name)
        path = driver.device_path(options)
        device = driver(options, BuildContext(role, args.config))
    except BUILD_ERRORS as exc:
        return Result(role, False, type_name, f"cannot set up: {exc}", fix_for(str(exc), path))
    what = device.describe()
    try:
        try:
            device.open()  # drivers retry a missing device from read(); a file that cannot be read raises
        except BUILD_ERRORS as exc:  # path "": a file such as a recording, not a device node
            fix = fix_for(str(exc), path) if path else "check the file's name in the config and that it is readable"
            return Result(role, False, what, f"cannot open: {exc}", fix)
        if role == "thermal":
            return _probe_thermal(device, what, path, args.timeout)
        if role == "card":
            return _probe_card(device, what, path, min(args.timeout, 1.5))
        return _probe_light(device, what, path, args.probe_light)
    finally:
        device.close()


def _failed(role: str, device: Device, what: str, path: str) -> Result:
    detail = device.state_detail or device.state.value
    fix = fix_for(detail, path) or device.no_data_hint(path)
    return Result(role, False, what, detail if device.state is not DeviceState.OK else "no frame", fix)


def _probe_thermal(device: Device, what: str, path: str, timeout: float) -> Result:
    deadline = time.monotonic() + timeout
    frame = None
    while frame is None and time.monotonic() < deadline:
        frame = device.read(max(0.05, deadline - time.monotonic()))  # type: ignore[attr-defined]
    if frame is None:
        return _failed("thermal", device, what, path)
    h, w = frame.celsius.shape
    detail = f"{w}x{h} frame, median {float(np.median(frame.celsius)):.1f} C"
    if frame.ambient_c is not None:
        detail += f", sensor ambient {frame.ambient_c:.1f} C"
    if frame.flags:
        detail += f", flags {','.join(sorted(frame.flags))}"
    return Result("thermal", True, what, detail)


def _probe_card(device: Device, what: str, path: str, timeout: float) -> Result:
    device.read(timeout)  # type: ignore[attr-defined]  # a card event here is fine, and so is none
    if device.state is not DeviceState.OK:
        return _failed("card", device, what, path)
    if hasattr(device, "firmware"):
        firmware = device.firmware  # type: ignore[attr-defined]
        if firmware is None:
            return Result("card", False, what, "no firmware version reply", device.no_data_hint(path))
        return Result("card", True, what, f"firmware {bytes(firmware).hex()}")
    return Result("card", True, what, "port open, no card needed for this check")


def _probe_light(device: Device, what: str, path: str, cycle: bool) -> Result:
    if device.state is not DeviceState.OK:
        return _failed("light", device, what, path)
    if not cycle:
        return Result("light", True, what, "open (add --probe-light to cycle the colours)")
    for lamps in PROBE_CYCLE:
        device.apply(lamps)  # type: ignore[attr-defined]
        time.sleep(0.4)
        if device.state is not DeviceState.OK:
            return _failed("light", device, what, path)
    return Result("light", True, what, "cycled red, yellow, green, off: check that you saw them")

