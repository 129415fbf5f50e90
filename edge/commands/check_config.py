"""``gate-edge check-config``: validate a config and show what it would open."""
from __future__ import annotations

import argparse
import dataclasses
import logging
import re
import sys
from pathlib import Path
from typing import List, Optional, TextIO

from drivers import registry
from drivers.base import BuildContext, Device, Light, ThermalSource
from edge.cards import mask_card_id
from edge.roster import Roster, RosterError
from edge.settings.errors import ConfigError
from edge.settings.fields import DriverConfig, SecretRef
from edge.settings.files import START_CHECKS
from edge.settings.loader import load_config
from edge.settings.root import GateConfig
from edge.settings.secrets import SecretError, describe, read_secret

log = logging.getLogger(__name__)

#: What a driver constructor may raise for a config that validates but cannot work
#: (a missing recording file, a sim card reader without a sim thermal source).
BUILD_ERRORS = (ValueError, TypeError, OSError, ImportError, RuntimeError, KeyError)


def register(sub: "argparse._SubParsersAction") -> None:
    p = sub.add_parser("check-config", help="validate a config file and summarise the devices it would open")
    p.add_argument("file", nargs="?", metavar="FILE", help="YAML config (default: the embedded demo config)")
    p.add_argument("--reference", action="store_true", help="print the Markdown reference of every config key")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.reference:
        from edge.settings.reference import render_reference

        sys.stdout.write(render_reference())
        return 0
    return check(args.file)


def check(path: Optional[str], out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    """Validate ``path`` (None = packaged default); summary to ``out``, errors to ``err``.

    Returns the exit code: 0 valid, 2 errors (the ConfigError text, one line per problem).
    Drivers are constructed, as the daemon would, but never opened.
    """
    name = path or "(embedded default)"
    try:
        # What run checks, so that run does not stop on it (and nothing more: see START_CHECKS).
        config = load_config(path, START_CHECKS)
    except ConfigError as exc:
        print(exc, file=err)
        return 2
    lines, problems = summarize(config, path)
    if problems:
        for problem in problems:
            print(f"{name}: {problem}", file=err)
        return 2
    print(f"{name}: ok", file=out)
    for line in lines:
        print(f"  {line}", file=out)
    return 0


def summarize(config: GateConfig, path: Optional[str]) -> "tuple[List[str], List[str]]":
    """(summary lines, problems); problems are drivers that cannot be set up."""
    d = config.device
    lines = [f"device: {d.id} at {d.site}, gate {d.gate} ({d.direction}, {d.timezone})"]
    problems: List[str] = []
    thermal: Optional[Device] = None
    for role in ("thermal", "card", "light"):
        section = getattr(config, role)
        if section is None:
            lines.append(f"{role}: none (temperature-only lane)" if role == "card" else f"{role}: none")
            continue
        context = BuildContext(name=role, config_path=path, thermal=thermal)
        try:
            device = registry.build(role, section.type, section.options, context)
        except BUILD_ERRORS as exc:
            problems.append(f"{role}: driver '{section.type}' cannot be set up: {exc}")
            continue
        if role == "thermal":
            thermal = device
        desc = device.describe()
        desc = ", ".join([desc] + _driver_secrets(section.options))
        lines.append(f"{role}: {desc}" if desc.split(" ")[0] == section.type else f"{role}: {section.type}, {desc}")
        if role == "thermal":
            lines.extend(_blackbody_lines(config, device))
        if isinstance(device, Light):
            lines.extend(_unlit_pattern_lines(config, device))
    if config.policy.roster_file:
        lines.extend(_roster_lines(config.policy.roster_file, config.device.site, config.card))
    lines.append(f"store: {config.store.path} (kept {config.store.retention_days} days after sync)")
    lines.append(_mqtt_line(config))
    return lines, problems


def _blackbody_lines(config: GateConfig, thermal: Device) -> List[str]:
    """A warning when the blackbody region is not inside this sensor's frames (a region
    written for another sensor). Wholly outside, every passage would be a FAULT
    (reference_missing); partly, the analyzer uses the part inside (edge.measure). Not an
    error: the gate still starts and shows the fault, so the guard screens by hand."""
    bb = config.screening.blackbody
    size = thermal.frame_size() if isinstance(thermal, ThermalSource) else None
    if bb is None or size is None or (bb.x + bb.w <= size[0] and bb.y + bb.h <= size[1]):
        return []
    where = f"screening.blackbody region x {bb.x}, y {bb.y}, {bb.w}x{bb.h}"
    if bb.x >= size[0] or bb.y >= size[1]:
        return [f"WARNING: {where} is outside the {size[0]}x{size[1]} frames of this sensor: every passage would be "
                "FAULT (reference_missing); set x, y, w, h in this sensor's pixels"]
    inside = f"{min(bb.w, size[0] - bb.x)}x{min(bb.h, size[1] - bb.y)}"
    return [f"WARNING: {where} reaches past the {size[0]}x{size[1]} frames of this sensor: only the {inside} "
            "inside is used; set x, y, w, h in this sensor's pixels"]


def _unlit_pattern_lines(config: GateConfig, light: Light) -> List[str]:
    """A fever or fault pattern of lamps this light does not drive shows nothing: a red/green
    board (LCUS-2, yellow_channel 0) with the default yellow fault pattern shows a fault as an
    idle light. A warning, not an error: such gates ran before this check, and the unit runs
    check-config before every start (an error would stop the screening itself)."""
    wired = type(light).wired_lamps(light.options) - {"buzzer"}
    lines = []
    for name, pattern in (("fever", config.signals.fever), ("fault", config.signals.fault)):
        lamps = [lamp for lamp in pattern.lamps if lamp != "buzzer"]
        if lamps and not set(lamps) & wired:
            fix = "wire a red lamp" if name == "fever" else f"wire one, or set signals.{name}.lamps to a lamp it has"
            lines.append(f"  WARNING: this {light.type_name} light has no"
                         f" {' or '.join(lamps)} lamp (it drives {', '.join(sorted(wired)) or 'none'}): a {name}"
                         f" would light nothing; {fix}")
    return lines


def _roster_lines(path: str, site: str, card: Optional[DriverConfig] = None) -> List[str]:
    """The roster CSV read as the daemon reads it. Its problems are warnings, not errors: the
    daemon skips a bad file (stored roster, or every card denied with no_roster), and the unit
    runs check-config before every start, so an error here would stop the screening itself."""
    if not Path(path).is_file():
        return [f"roster: {path} (WARNING: file not found)"]
    try:
        roster = Roster.from_csv(path, site=site)
    except (RosterError, OSError) as exc:
        return ([f"roster: {path} (WARNING: not usable: the gate decides from the stored roster, or denies "
                 f"every card (no_roster) when none is stored)"]
                + [f"  WARNING: {problem}" for problem in str(exc).splitlines()])
    count = len(roster)
    return [f"roster: {path} ({count} person{'' if count == 1 else 's'})"] + _card_format_lines(roster, card)


def _card_format_lines(roster: Roster, card: Optional[DriverConfig]) -> List[str]:
    """Roster cards the reader can never send: a spreadsheet saves 0012345678 as 12345678, and
    every such card is then card_unknown at the gate (it fails safe, and costs a day to find)."""
    if card is None:
        return []
    shape = registry.driver_class("card", card.type).card_id_format(card.options)
    if shape is None:
        return []
    pattern, described = re.compile(shape[0]), shape[1]
    odd = [c for person in roster for c in person.cards if not pattern.fullmatch(c)]
    if not odd:
        return []
    return [f"  WARNING: {len(odd)} roster card id{'s are' if len(odd) > 1 else ' is'} not in the form this"
            f" {card.type} reader sends ({described}), e.g. {mask_card_id(odd[0])}: this gate never matches them"
            " (a spreadsheet drops leading zeros: keep the column as text)"]


def _mqtt_line(config: GateConfig) -> str:
    m = config.mqtt
    if m is None:
        return "mqtt: offline only (records stay in the local store)"
    text = f"mqtt: {m.host}:{m.port} (MQTT {m.protocol}, topics {m.topic_prefix}/{config.device.site}/{config.device.id}/...)"
    if m.username:
        text += f", user {m.username}"
    if m.password is not None:
        text += f", password {_secret_note(m.password)}"
    if m.roster_key is not None:
        text += f", roster key {_secret_note(m.roster_key)}"
    for key in ("tls_ca", "tls_cert", "tls_key"):
        path = getattr(m, key)
        if path is not None:  # a warning like the secrets': the service may see files this shell cannot
            try:
                with open(path, "rb"):
                    pass
            except OSError as exc:
                text += f", {key} WARNING: cannot read {path} ({exc.strerror}): the gate cannot connect"
            else:
                text += f", {key} {path}"
    return text


def _secret_note(ref: SecretRef) -> str:
    """Where a secret comes from, or a warning when it cannot be read now. Not an error: the
    service may get it from an environment (a credential) that this shell cannot see."""
    try:
        read_secret(ref)
    except SecretError as exc:
        return f"WARNING: {exc}"
    return f"from {describe(ref)}"


def _driver_secrets(options: object) -> List[str]:
    """Notes on a driver's secret options (an ID-card reader's hash_key), and warnings for
    options left out whose absence costs something (setting(unset=...))."""
    if not dataclasses.is_dataclass(options):
        return []
    notes = []
    for f in dataclasses.fields(options):
        value = getattr(options, f.name)
        if isinstance(value, SecretRef):
            notes.append(f"{f.name} {_secret_note(value)}")
        elif value is None and f.metadata.get("unset"):  # (fields not made by setting() have no such key)
            notes.append(f"{f.name} WARNING: not set: {f.metadata['unset']}")
    return notes
