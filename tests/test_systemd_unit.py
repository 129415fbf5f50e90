"""The shipped unit passes systemd-analyze, and its exposure stays at or below 2.5."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

UNIT = Path(__file__).resolve().parent.parent / "systemd" / "gate-edge.service"
COLLECT_UNIT = UNIT.with_name("gate-edge-collect.service")
INSTALLED_BIN = "/opt/gate-edge/venv/bin/gate-edge"

pytestmark = pytest.mark.skipif(shutil.which("systemd-analyze") is None,
                                reason="systemd-analyze missing: scripts/test.sh installs it")


def _unit_with_real_binary(tmp_path: Path, shipped: Path = UNIT) -> Path:
    # verify checks that ExecStart= binaries exist: point them at this venv's entry point.
    binary = Path(sys.executable).with_name("gate-edge")
    assert binary.exists(), "the package must be installed in the venv"
    unit = tmp_path / shipped.name
    unit.write_text(shipped.read_text().replace(INSTALLED_BIN, str(binary)))
    return unit


@pytest.mark.parametrize("shipped", [UNIT, COLLECT_UNIT], ids=lambda p: p.name)
def test_unit_verifies(tmp_path, shipped):
    unit = _unit_with_real_binary(tmp_path, shipped)
    proc = subprocess.run(["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert shipped.name not in proc.stderr, proc.stderr


@pytest.mark.parametrize("shipped", [UNIT, COLLECT_UNIT], ids=lambda p: p.name)
def test_security_exposure_at_most_2_5(tmp_path, shipped):
    unit = _unit_with_real_binary(tmp_path, shipped)
    proc = subprocess.run(["systemd-analyze", "security", "--offline=true", "--no-pager", str(unit)],
                          capture_output=True, text=True, timeout=60, env={**os.environ, "SYSTEMD_COLORS": "0"})
    match = re.search(r"Overall exposure level for \S+: ([0-9.]+)", proc.stdout)
    assert match, proc.stdout[-500:] + proc.stderr
    assert float(match.group(1)) <= 2.5


def test_unit_has_the_watchdog_and_restart_policy():
    text = UNIT.read_text()
    for line in ("Type=notify", "Restart=always", "ExecStartPre=/opt/gate-edge/venv/bin/gate-edge check-config",
                 "StateDirectory=gate-edge", "ConfigurationDirectory=gate-edge", "NoNewPrivileges=yes",
                 "ProtectSystem=strict", "LoadCredential=mqtt-password"):
        assert line in text
    assert re.search(r"^WatchdogSec=\d+", text, re.M)


def test_an_unattended_gate_never_gives_up_and_starts_without_optional_groups():
    """StartLimitBurst would leave the gate down after a burst of failed starts; a listed
    SupplementaryGroups= group missing on the system stops the unit (216/GROUP)."""
    text = UNIT.read_text()
    assert re.search(r"^StartLimitIntervalSec=0$", text, re.M)
    assert not re.search(r"^StartLimitBurst=", text, re.M)
    assert not re.search(r"^SupplementaryGroups=", text, re.M)
    assert int(re.search(r"^RestartSec=(\d+)$", text, re.M).group(1)) >= 5



def test_the_collector_unit_runs_what_the_collect_command_takes():
    """Its ExecStart parses with the real `gate-edge collect` arguments (a renamed option
    would leave the school's receiver failing at every start)."""
    from edge.cli import build_parser

    line = next(x for x in COLLECT_UNIT.read_text().splitlines() if x.startswith("ExecStart="))
    argv = line.split("=", 1)[1].replace("${CREDENTIALS_DIRECTORY}", "/run/credentials/x").split()[1:]
    args = build_parser().parse_args(argv)
    assert args.func.__module__ == "edge.commands.collect" and args.username == "collector-office"
    assert args.password_file == "/run/credentials/x/collector-password"
    assert re.search(r"^Restart=always$", COLLECT_UNIT.read_text(), re.M)
