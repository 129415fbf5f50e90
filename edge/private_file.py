"""Database files that hold health data and names are readable by their owner only."""
from __future__ import annotations

import os
from pathlib import Path


def make_private(path: str) -> None:
    """Create the database file (and its folder) readable by its owner only, before SQLite
    opens it: new -wal and -shm files take the file's mode. Health data and names are in it.

    The folder, and any parent made for it, is 0700 whatever the umask (outside systemd's
    StateDirectory, a shell's umask 000 made it writable by anyone, who could then put their
    own card-hash.key in it); -wal and -shm files left by an earlier run keep the mode they
    were made with, so they are set too."""
    folder = Path(path).parent
    for missing in reversed([f for f in (folder, *folder.parents) if not f.exists()]):
        missing.mkdir(mode=0o700, exist_ok=True)  # (mkdir -p would make the parents by the umask)
    if not os.path.exists(path):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    os.chmod(path, 0o600)
    for leftover in (f"{path}-wal", f"{path}-shm"):
        if os.path.exists(leftover):
            os.chmod(leftover, 0o600)
