"""Database files that hold health data and names are readable by their owner only."""
from __future__ import annotations

import os
from pathlib import Path


def make_private(path: str) -> None:
    """Create the database file (and its folder) readable by its owner only, before SQLite
    opens it: its -wal and -shm files take the same mode. Health data and names are in it."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    if not os.path.exists(path):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    os.chmod(path, 0o600)
