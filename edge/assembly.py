"""Builds the lane and its collaborators from a config: shared by the daemon and replay."""
from __future__ import annotations

import logging
from typing import Any, Dict, Optional

from drivers.base import AccuracyClass
from edge.clock import Clock, local_time_in
from edge.lane import Lane
from edge.measure import FrameAnalyzer
from edge.policy import Policy
from edge.roster import Roster, RosterError
from edge.screening import Screener
from edge.settings.root import GateConfig

log = logging.getLogger(__name__)


def load_local_roster(config: GateConfig) -> Optional[Roster]:
    """The roster this gate decides from when it starts: the configured CSV file."""
    if config.policy.roster_file is None:
        log.warning("no roster configured (policy.roster_file): %s", config.policy.no_roster_effect())
        return None
    try:
        roster = Roster.from_csv(config.policy.roster_file, site=config.device.site)
    except (RosterError, OSError) as exc:
        log.error("roster file not usable, %s: %s", config.policy.no_roster_effect(), exc)
        return None
    log.info("roster %s: %d persons from %s", roster.version, len(roster), config.policy.roster_file)
    return roster


def load_gate_roster(config: GateConfig, current: Optional[Roster] = None) -> Optional[Roster]:
    """The daemon's roster: the newer of the stored one (imported or received over MQTT)
    and the configured CSV file. A broken CSV falls back to the stored roster.

    ``current``: the roster a running lane decides from. A change may then only move it on:
    a file made unusable under the running gate (a stray quote, removed before a copy)
    keeps ``current`` (returned as is) instead of an older stored roster or none at all."""
    from edge import roster_store

    try:
        roster, source = roster_store.gate_roster(config.store.path, config.policy.roster_file, config.device.site)
    except (RosterError, OSError) as exc:
        roster, source = roster_store.gate_roster(config.store.path, None, config.device.site)
        if current is not None and not (roster.version and int(roster.version) > int(current.version)):
            log.error("roster file not usable (%s): the gate keeps deciding from roster %s", exc, current.version)
            return current
        log.error("roster file not usable (%s): deciding from the stored roster", exc)
    if len(roster) == 0:
        if current is not None:
            log.error("no roster left to load: the gate keeps deciding from roster %s", current.version)
            return current
        log.warning("no roster: %s", config.policy.no_roster_effect())
        return None
    log.info("roster %s: %d persons from %s", roster.version, len(roster), source)
    return roster


def build_lane(config: GateConfig, accuracy: AccuracyClass, clock: Clock, roster: Optional[Roster],
               has_card_reader: bool, sensor_started: Optional[float], warmup_minutes: float,
               has_light: bool = False, sensor: Optional[Dict[str, Any]] = None, has_screen: bool = False) -> Lane:
    """``sensor_started`` None: the sensor is known to be warm (a recording). ``has_light``,
    ``has_screen``: the light's and the guard screen's states are lane devices (the daemon
    passes them on). ``sensor``: its reading settings, recorded with every measurement."""
    analyzer = FrameAnalyzer(config.screening, accuracy)
    screener = Screener(config.screening, accuracy, sensor_started=sensor_started,
                        sensor_warmup_minutes=warmup_minutes, sensor=sensor)
    policy = Policy(config.policy, config.device)
    lane = Lane(config.lane, analyzer, screener, policy, roster, clock, has_card_reader,
                local_time_in(config.device.timezone), has_light, has_screen)
    return lane
