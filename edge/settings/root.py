"""The whole configuration file."""
from __future__ import annotations

import dataclasses
from typing import Optional

from edge.settings.device import DeviceSettings
from edge.settings.display import DisplaySettings
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
    thermal: Optional[DriverConfig] = setting(None, role="thermal", doc="Thermal sensor: type + driver options (default: sim).")
    card: Optional[DriverConfig] = setting(None, role="card", doc="Card reader: type + options; absent = temperature-only lane.")
    light: Optional[DriverConfig] = setting(None, role="light", doc="Alert light: type + options (default: log).")
    lane: LaneSettings = setting(factory=LaneSettings, doc="Passage assembly and timeouts.")
    screening: ScreeningSettings = setting(factory=ScreeningSettings, doc="Temperature screening.")
    policy: PolicySettings = setting(factory=PolicySettings, doc="Gate policy and roster.")
    signals: SignalSettings = setting(factory=SignalSettings, doc="Light patterns per verdict.")
    store: StoreSettings = setting(factory=StoreSettings, doc="Local database.")
    mqtt: Optional[MqttSettings] = setting(None, doc="Broker connection; absent = offline only.")
    display: DisplaySettings = setting(factory=DisplaySettings, doc="Guard screen.")
