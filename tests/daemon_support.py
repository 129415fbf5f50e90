"""The real daemon as a subprocess, on the demo config moved into a test's tmp_path."""
from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Iterator

from conftest import free_port

ROOT = Path(__file__).resolve().parent.parent


def demo_config(tmp_path: Path) -> Path:
    """config/demo.yaml with its database in tmp_path and no broker (records stay queued)."""
    text = (ROOT / "config" / "demo.yaml").read_text()
    text = text.replace("config/roster.demo.csv", str(ROOT / "config" / "roster.demo.csv"))
    text = text.replace("data/gate-edge.db", str(tmp_path / "gate.db"))
    # A port nothing listens on (taken from the kernel, then let go): offline, records stay queued.
    text = text.replace("port: 1883", f"port: {free_port()}")
    path = tmp_path / "gate.yaml"
    path.write_text(text)
    return path


@contextlib.contextmanager
def running_daemon(config: Path, cwd: Path, *args: str) -> Iterator[subprocess.Popen]:
    """`gate-edge run --headless`; on leaving, SIGTERM and wait (kill if it hangs).
    The caller checks ``proc.returncode`` and reads ``proc.stderr_text`` afterwards."""
    proc = subprocess.Popen([sys.executable, "-m", "edge", "run", "--config", str(config), "--headless", *args],
                            cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "DISPLAY": ""})
    try:
        yield proc
        proc.send_signal(signal.SIGTERM)
        _out, proc.stderr_text = proc.communicate(timeout=30)  # type: ignore[attr-defined]
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
