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
    },
    "card": {
        "sim": "drivers.card.sim:SimCardReader",
    },
    "light": {
        "log": "drivers.light.log:LogLight",
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
