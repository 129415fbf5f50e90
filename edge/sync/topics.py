"""Every MQTT topic name, defined once."""
from __future__ import annotations

from typing import Optional


def device_base(prefix: str, site: str, device: str) -> str:
    return f"{prefix}/{site}/{device}"


def passages(prefix: str, site: str, device: str) -> str:
    return f"{device_base(prefix, site, device)}/passages"


def alerts(prefix: str, site: str, device: str) -> str:
    return f"{device_base(prefix, site, device)}/alerts"


def status(prefix: str, site: str, device: str) -> str:
    return f"{device_base(prefix, site, device)}/status"


def health(prefix: str, site: str, device: str) -> str:
    return f"{device_base(prefix, site, device)}/health"


def cmd(prefix: str, site: str, device: str) -> str:
    return f"{device_base(prefix, site, device)}/cmd"


def roster(prefix: str, site: str) -> str:
    return f"{prefix}/{site}/roster"


def collector_filters(prefix: str, share: Optional[str] = None) -> list:
    """What a collector subscribes to: every site's and device's passages and alerts.
    In a shared group the passages are split; every member gets every alert, so an alert
    never waits in the session of a member that is stopped (the copies are de-duplicated)."""
    passages, alerts = f"{prefix}/+/+/passages", f"{prefix}/+/+/alerts"
    return [f"$share/{share}/{passages}", alerts] if share else [passages, alerts]


STATUS_ONLINE = "online"
STATUS_OFFLINE = "offline"
STATUS_STOPPED = "stopped"
