"""A database that cannot be used at all: one line a technician can act on, no traceback.

Corrupt files (an SD card that failed, a file copied over it), a folder where the file
should be, or a file the service user may not write (made by a root shell before the first
start) stop the daemon at start; systemd keeps restarting it, so the message must say what
to do.
"""
from __future__ import annotations

import os
import sqlite3

from edge.disk_reserve import disk_full


class StoreUnusable(Exception):
    """str() is the technician message (path, SQLite's reason, what to do)."""


def unusable(path: str, exc: BaseException, key: str = "store.path", user: str = "gate-edge") -> StoreUnusable:
    """``key``: where the path came from (a config key, or a command's option such as --db);
    ``user``: who runs the program that needs the file ("" when it is not a known service)."""
    reason = str(exc) or type(exc).__name__
    if os.path.isdir(path):
        hint = f"{key} names a folder: give it a file name"
    elif isinstance(exc, PermissionError) or "readonly" in reason or "permission" in reason.lower():
        hint = (f"the service runs as user {user}: give it the files (chown {user}: {path}*)" if user
                else "give the user that runs it the file and its folder")
    elif isinstance(exc, sqlite3.DatabaseError) and ("not a database" in reason or "malformed" in reason):
        hint = ("the file is damaged: move it aside (keep it for recovery) and start again with a new one"
                " (its passage numbers start above the old ones)")
    elif disk_full(path, exc):
        hint = "the disk is full: free some space (a running gate keeps its records in memory meanwhile)"
    else:
        hint = "check the disk, the folder and the file's owner"
    return StoreUnusable(f"{path}: cannot use the database ({reason}): {hint}")
