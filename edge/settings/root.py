"""The whole configuration file."""
from __future__ import annotations

import dataclasses
from typing import List, Optional, Tuple

from edge.settings.device import DeviceSettings
from edge.settings.display import DisplaySettings
from edge.settings.errors import raise_problems
from edge.settings.fields import DriverConfig, setting
from edge.settings.lane import LaneSettings
from edge.settings.mqtt import MqttSettings
from edge.settings.policy import PolicySettings
from edge.settings.screening import ScreeningSettings
from edge.settings.signals import SignalSettings
from edge.settings.store import StoreSettings


@dataclasses.dataclass
class GateConfig:
    """Root of the YAML file. Unknown keys anywhere are errors."""

    device: DeviceSettings = setting(factory=DeviceSettings, doc="Identity and place of this box.")
    thermal: Optional[DriverConfig] = setting(
        None, role="thermal", doc="Thermal sensor: type + driver options. Required: a config file names its sensor.")
    card: Optional[DriverConfig] = setting(None, role="card", doc="Card reader: type + options; absent = temperature-only lane.")
    light: Optional[DriverConfig] = setting(None, role="light", doc="Alert light: type + options (default: log).")
    lane: LaneSettings = setting(factory=LaneSettings, doc="Passage assembly and timeouts.")
    screening: ScreeningSettings = setting(factory=ScreeningSettings, doc="Temperature screening.")
    policy: PolicySettings = setting(factory=PolicySettings, doc="Gate policy and roster.")
    signals: SignalSettings = setting(factory=SignalSettings, doc="Light patterns per verdict.")
    store: StoreSettings = setting(factory=StoreSettings, doc="Local database.")
    mqtt: Optional[MqttSettings] = setting(None, doc="Broker connection; absent = offline only.")
    display: DisplaySettings = setting(factory=DisplaySettings, doc="Guard screen.")

    def __post_init__(self) -> None:
        raise_problems(simulation_problems(self.thermal, self.card) + mode_problems(self.policy, self.device))


def mode_problems(policy: PolicySettings, device: DeviceSettings) -> List[Tuple[str, str]]:
    """An entry or exit gate mode must be the lane's direction (edge.policy.resolve_mode refuses
    it at start, so the daemon would not run)."""
    if policy.mode in ("entry", "exit") and policy.mode != device.direction:
        return [("policy.mode", f"'{policy.mode}' contradicts device.direction '{device.direction}': leave mode "
                                f"out (it defaults to device.direction) or make them agree")]
    return []


#: Thermal drivers that produce the temperatures of simulated or recorded people.
SIMULATED_THERMAL = ("sim", "replay")


def simulation_problems(thermal: Optional[DriverConfig], card: Optional[DriverConfig]) -> List[Tuple[str, str]]:
    """Simulated and real devices do not mix in one lane: a real card reader next to a simulated
    thermal source would screen real people on invented temperatures (a fever becomes a pass),
    and the simulated card reader taps only the cards of the simulated people."""
    if thermal is None or card is None:
        return []
    simulated = thermal.type in SIMULATED_THERMAL
    if simulated and card.type != "sim":
        return [("thermal.type", f"'{thermal.type}' is a simulated thermal source, but card type '{card.type}' is "
                                 f"a real reader: name the real thermal sensor (or use card type 'sim')")]
    if not simulated and card.type == "sim":
        return [("card.type", f"card type 'sim' taps the cards of simulated people: it needs thermal type "
                              f"'sim' or 'replay', not '{thermal.type}'")]
    return []
