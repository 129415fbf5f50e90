"""Config ``type:`` -> driver class, per role.

Entries are import paths so that nothing is imported until a config names the driver
(a Pi without OpenCV's V4L2 or libgpiod still validates a serial-only config).
"""
from __future__ import annotations

import importlib
from typing import Dict, Type

from drivers.base import BuildContext, CardReader, Device, Light, ThermalSource

ROLES: Dict[str, type] = {"thermal": ThermalSource, "card": CardReader, "light": Light}

DRIVERS: Dict[str, Dict[str, str]] = {
    "thermal": {
        "sim": "drivers.thermal.sim:SimThermal",
        "replay": "drivers.thermal.replay:ReplayThermal",
        "mlx90640_uart": "drivers.thermal.mlx90640_uart:Mlx90640Uart",
        "p2pro_uvc": "drivers.thermal.p2pro_uvc:P2ProUvc",
        "lepton_uvc": "drivers.thermal.lepton_uvc:LeptonUvc",
    },
    "card": {
        "sim": "drivers.card.sim:SimCardReader",
        "rdm6300": "drivers.card.rdm6300:Rdm6300Reader",
        "pn532_uart": "drivers.card.pn532_uart:Pn532UartReader",
        "idcard_sam": "drivers.card.idcard_sam:IdCardSamReader",
        "serial_lines": "drivers.card.serial_lines:SerialLinesReader",
        "hid_keyboard": "drivers.card.hid_keyboard:HidKeyboardReader",
    },
    "light": {
        "log": "drivers.light.log:LogLight",
        "lcus_relay": "drivers.light.lcus_relay:LcusRelay",
        "tower_light": "drivers.light.tower_light:TowerLight",
        "gpio": "drivers.light.gpio:GpioLight",
    },
}


class UnknownDriver(KeyError):
    pass


def driver_types(role: str) -> list:
    return sorted(DRIVERS[role])


def driver_class(role: str, type_name: str) -> Type[Device]:
    try:
        target = DRIVERS[role][type_name]
    except KeyError:
        raise UnknownDriver(type_name) from None
    module_name, _, attr = target.partition(":")
    cls = getattr(importlib.import_module(module_name), attr)
    if not issubclass(cls, ROLES[role]):
        raise TypeError(f"{target} is not a {ROLES[role].__name__}")
    return cls


def build(role: str, type_name: str, options: object, context: BuildContext) -> Device:
    return driver_class(role, type_name)(options, context)
