"""scripts/install.sh in a scratch root (GATE_EDGE_ROOT): a real venv with the package,
config, credentials placeholders, unit and udev rules; idempotent; uninstall keeps the
config and data unless --purge. (User creation and systemctl run only on a real install.)"""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _install(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(ROOT / "scripts" / "install.sh"), *args], capture_output=True, text=True,
                          env={**os.environ, "GATE_EDGE_ROOT": str(root)}, timeout=900)


def test_install_upgrade_uninstall_purge(tmp_path):
    root = tmp_path / "root"
    first = _install(root)
    assert first.returncode == 0, first.stderr[-2000:]
    etc, state, prefix = root / "etc/gate-edge", root / "var/lib/gate-edge", root / "opt/gate-edge"
    unit = root / "etc/systemd/system/gate-edge.service"
    assert unit.read_text() == (ROOT / "systemd/gate-edge.service").read_text()
    assert (root / "etc/udev/rules.d/99-gate-edge.rules").exists()
    assert oct((etc / "credentials/mqtt-password").stat().st_mode & 0o777) == "0o600"
    assert oct(state.stat().st_mode & 0o777) == "0o700"
    # The unit's own ExecStartPre, with the installed venv, on the installed config.
    gate_edge = prefix / "venv/bin/gate-edge"
    checked = subprocess.run([str(gate_edge), "check-config", str(etc / "gate.yaml")], capture_output=True,
                             text=True, timeout=120)
    assert checked.returncode == 0, checked.stderr
    assert "/opt/gate-edge/venv/bin/gate-edge" in unit.read_text()

    # Again (an upgrade): the technician's config and data are left alone.
    (etc / "gate.yaml").write_text((etc / "gate.yaml").read_text() + "# edited on site\n")
    (state / "gate-edge.db").write_bytes(b"data")
    again = _install(root)
    assert again.returncode == 0, again.stderr[-2000:]
    assert (etc / "gate.yaml").read_text().endswith("# edited on site\n")

    removed = _install(root, "--uninstall")
    assert removed.returncode == 0 and "kept config" in removed.stdout
    assert not prefix.exists() and not unit.exists()
    assert (etc / "gate.yaml").exists() and (state / "gate-edge.db").read_bytes() == b"data"

    purged = _install(root, "--uninstall", "--purge")
    assert purged.returncode == 0
    assert not etc.exists() and not state.exists()
