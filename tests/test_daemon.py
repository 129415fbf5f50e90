"""The daemon as a process, on the demo config: passages printed, stored, clean stop."""
from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from daemon_support import demo_config, running_daemon

from drivers.thermal.scene import Scene
from drivers.thermal.sim import Options, scene_config
from edge.settings.loader import load_config
from edge.store import backlog_stats

ROOT = Path(__file__).resolve().parent.parent


def test_demo_scene_has_a_fever_among_the_first_50_people():
    config = load_config(str(ROOT / "config" / "demo.yaml"))
    scene = Scene(scene_config(config.thermal.options))
    assert isinstance(config.thermal.options, Options)
    people = [scene.person(i) for i in range(50)]
    assert any(p.core_c >= 37.5 for p in people)


def test_daemon_prints_and_stores_passages_then_stops_on_sigterm(tmp_path):
    config = demo_config(tmp_path)
    lines = []
    with running_daemon(config, tmp_path, "--print-passages") as proc:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and len(lines) < 2:
            line = proc.stdout.readline()
            if line:
                lines.append(line)
    err = proc.stderr_text
    assert proc.returncode == 0, err
    assert len(lines) >= 2, err
    assert any(v in lines[0] for v in ("PASS", "FEVER", "RETRY", "DENY")), lines
    assert "Traceback" not in err
    with sqlite3.connect(tmp_path / "gate.db") as db:
        stored = db.execute("SELECT COUNT(*) FROM passages").fetchone()[0]
        queued = backlog_stats(db)["count"]
        measured = [json.loads(r[0])["measurement"] for r in db.execute("SELECT record FROM passages")]
    assert stored >= len(lines) and queued >= stored  # offline: every record waits in the outbox
    # Every measurement names the sensor's own settings beside the calibration version.
    assert all(m["sensor"] == {"type": "sim"} and m["calibration_version"] for m in measured), measured


def test_validate_config_flag(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("thermal:\n  typ: sim\n")
    proc = subprocess.run([sys.executable, "-m", "edge", "run", "--config", str(bad), "--validate-config"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert f"{bad}:2: thermal.typ" in proc.stderr and "did you mean 'type'" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_a_screen_that_cannot_open_shows_as_down_in_status_and_the_gate_runs_on(tmp_path):
    """Review: with no display at start the screen was given up for good, and status listed
    only thermal, card and light. No DISPLAY here: refused before any probe (no X needed)."""
    config = demo_config(tmp_path)
    env = {**os.environ, "DISPLAY": "", "WAYLAND_DISPLAY": "", "RUNTIME_DIRECTORY": ""}

    def run_then_status(*flags: str) -> str:
        proc = subprocess.run([sys.executable, "-m", "edge", "run", "--config", str(config), "--for", "3", *flags],
                              cwd=tmp_path, capture_output=True, text=True, timeout=60, env=env)
        assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
        assert proc.stderr.count("cannot open the screen window") == (0 if flags else 1), proc.stderr
        status = subprocess.run([sys.executable, "-m", "edge", "status", "--config", str(config)], cwd=tmp_path,
                                capture_output=True, text=True, timeout=60, env=env)
        assert status.returncode == 0, status.stderr
        return next(line for line in status.stdout.splitlines() if line.startswith("devices"))

    assert "screen down" in run_then_status()
    assert "screen" not in run_then_status("--headless")  # no screen wanted: none missing
