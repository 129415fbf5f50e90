"""Room kept on the data disk for the day it fills up.

A full disk stops SQLite in more places than the insert: the WAL cannot grow, so the
deletes that would make room fail too, and a database whose WAL and shared-memory files
were removed at a clean stop cannot even be opened (the daemon could not start, and
systemd would restart it every few seconds with nothing screened). So a reserve file of
RESERVE_BYTES lies next to the database. When a write or an open fails for a full disk,
it is deleted: the store gets room to write, retention to delete and checkpoint. It is
laid down again once the disk has room (fallocate: blocks reserved, nothing written, so
no wear on an SD card).
"""
from __future__ import annotations

import errno
import logging
import os
import shutil
import sqlite3
from typing import Callable, Optional

log = logging.getLogger(__name__)

RESERVE_BYTES = 16 * 1024 * 1024
FULL_BELOW_BYTES = 1024 * 1024  # less free than this: the disk counts as full whatever the error says
SUFFIX = ".reserve"


def free_bytes(db_path: str) -> Optional[int]:
    """Free bytes on the disk holding ``db_path``'s folder; None when it cannot be told."""
    try:
        return shutil.disk_usage(os.path.dirname(os.path.abspath(db_path))).free
    except OSError:
        return None


def disk_full(db_path: str, exc: Optional[BaseException] = None) -> bool:
    """Did ``exc`` (or does the disk now) mean "no space left"? SQLite says "database or
    disk is full" for a write, but "disk I/O error" when it cannot size its shared-memory
    file: the free space decides those."""
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        return True
    if isinstance(exc, sqlite3.Error) and "disk is full" in str(exc):
        return True
    free = free_bytes(db_path)
    return free is not None and free < FULL_BELOW_BYTES


class DiskReserve:
    def __init__(self, db_path: str, size: int = RESERVE_BYTES) -> None:
        self.db_path = db_path
        self.path = db_path + SUFFIX
        self.size = size
        # Set when the reserve was used up: the disk filled, so retention should make room
        # now (edge.housekeeping), before the space the reserve gave is gone too.
        self.room_wanted = False

    @property
    def held(self) -> bool:
        try:
            return os.path.getsize(self.path) >= self.size
        except OSError:
            return False

    def ensure(self) -> bool:
        """Lay the reserve down if it is missing and the disk has room for it with plenty
        to spare; True when it is in place."""
        if self.held:
            return True
        free = free_bytes(self.db_path)
        if free is None or free < 4 * self.size:
            return False
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT, 0o600)
            try:
                os.posix_fallocate(fd, 0, self.size)
            finally:
                os.close(fd)
        except OSError as exc:  # a file system without fallocate, a read-only mount: the gate goes on
            log.warning("cannot lay down the disk reserve %s: %s", self.path, exc)
            self._remove()
            return False
        log.info("disk reserve of %d MB in place: %s", self.size >> 20, self.path)
        return True

    def release(self) -> int:
        """Delete the reserve; the bytes it freed (0: there was none)."""
        try:
            size = os.path.getsize(self.path)
        except OSError:
            return 0
        if not self._remove():
            return 0
        self.room_wanted = True
        log.warning("disk full: released the %d MB reserve (%s) so the store can write and retention can make"
                    " room", size >> 20, self.path)
        return size

    def _remove(self) -> bool:
        try:
            os.unlink(self.path)
            return True
        except FileNotFoundError:
            return False
        except OSError as exc:
            log.error("cannot remove the disk reserve %s: %s", self.path, exc)
            return False


def open_with_reserve(open_store: Callable[[], object], db_path: str, reserve: DiskReserve) -> bool:
    """Open the store; on a full disk release the reserve and try again. False when the
    disk is still too full: the caller runs on (records wait in memory, the writer keeps
    trying). Any other failure raises as it came."""
    failure: Optional[Exception] = None
    for attempt in range(2):
        if attempt and not reserve.release():
            break
        try:
            open_store()
            return True
        except Exception as exc:
            if not disk_full(db_path, exc.__cause__ or exc):
                raise
            failure = exc
    log.error("%s. The gate screens on and keeps its records in memory until there is room", failure)
    return False
