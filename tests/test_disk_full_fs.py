"""A really full file system (a size-limited tmpfs, mounted by the test as root): the
daemon starts on it, screens on, and writes its records once there is room; the disk
reserve gives the store room the moment the disk fills."""
from __future__ import annotations

import errno
import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Iterator, List

import pytest
from daemon_support import ROOT, demo_config
from sync_producer import make_record

from edge.disk_reserve import RESERVE_BYTES, DiskReserve
from edge.settings.device import DeviceSettings
from edge.store import Store
from edge.store_writer import StoreWriter


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 100 MB file system of its own (tmpfs: RAM for what is written only)."""
    disk = tmp_path / "disk"
    disk.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a size-limited tmpfs needs root (CI runs the suite as root)")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=100m", "tmpfs", str(disk)], capture_output=True,
                          text=True, timeout=30)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield disk
    finally:
        subprocess.run(["umount", "-l", str(disk)], capture_output=True, timeout=30)


def fill(disk: Path) -> Path:
    """Write until the file system says ENOSPC, to the last block."""
    filler = disk / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        for chunk in (1 << 20, 4096, 512):
            while True:
                try:
                    os.write(fd, b"\0" * chunk)
                except OSError as exc:
                    assert exc.errno == errno.ENOSPC
                    break
    finally:
        os.close(fd)
    return filler


def passages(db: Path) -> int:
    conn = sqlite3.connect(db)
    try:
        return int(conn.execute("SELECT COUNT(*) FROM passages").fetchone()[0])
    finally:
        conn.close()


def gate_config(tmp_path: Path, disk: Path) -> Path:
    config = demo_config(tmp_path)
    text = config.read_text().replace(str(tmp_path / "gate.db"), str(disk / "gate.db"))
    config.write_text(text.replace("type: sim             # simulated people",
                                   "type: sim\n  gap_min_s: 0\n  gap_max_s: 0.3  # simulated people"))
    return config


def run_daemon(config: Path, seconds: float) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "edge", "run", "--config", str(config), "--headless", "--for",
                           str(seconds)], cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_the_writer_uses_the_reserve_when_the_disk_fills(small_disk):
    store = Store(str(small_disk / "gate.db"), DeviceSettings(id="g1", site="s1")).open()
    reserve = DiskReserve(store.path)
    assert reserve.ensure() and os.path.getsize(reserve.path) == RESERVE_BYTES
    fill(small_disk)
    writer = StoreWriter(store, on_disk_full=reserve.release)
    writer.start()
    try:
        for i in range(200):
            writer.put(make_record(i))
        deadline = time.monotonic() + 20
        while writer.waiting and time.monotonic() < deadline:
            time.sleep(0.02)
        assert writer.waiting == 0 and writer.fault is None  # written, thanks to the reserve
        assert not os.path.exists(reserve.path) and reserve.room_wanted  # and retention is asked to make room
    finally:
        writer.stop()
        store.close()
    assert passages(small_disk / "gate.db") == 200


def test_the_daemon_starts_on_a_full_disk_with_its_reserve(small_disk, tmp_path):
    config = gate_config(tmp_path, small_disk)
    first = run_daemon(config, 4)
    assert first.returncode == 0, first.stderr
    assert os.path.getsize(str(small_disk / "gate.db") + ".reserve") == RESERVE_BYTES
    before = passages(small_disk / "gate.db")
    fill(small_disk)
    again = run_daemon(config, 8)  # a clean stop removed the WAL and SHM: they must be made anew
    assert again.returncode == 0, again.stderr
    assert "released the 16 MB reserve" in again.stderr
    assert passages(small_disk / "gate.db") > before


def test_the_daemon_screens_on_a_full_disk_without_a_reserve_and_writes_once_there_is_room(small_disk, tmp_path):
    """Not a crash loop under systemd with nothing screened: the lane decides, the records
    wait in memory, and the store opens when space returns."""
    config = gate_config(tmp_path, small_disk)
    assert run_daemon(config, 3).returncode == 0
    os.unlink(str(small_disk / "gate.db") + ".reserve")
    before = passages(small_disk / "gate.db")
    filler = fill(small_disk)
    proc = subprocess.Popen([sys.executable, "-m", "edge", "run", "--config", str(config), "--headless"], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    lines: List[str] = []
    reader = threading.Thread(target=lambda: lines.extend(iter(proc.stderr.readline, "")), daemon=True)
    reader.start()

    def seen(pattern: str, count: int = 1, timeout: float = 60.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and proc.poll() is None:
            if sum(bool(re.search(pattern, line)) for line in list(lines)) >= count:
                return True
            time.sleep(0.1)
        return False

    try:
        assert seen("The gate screens on and keeps its records in memory"), "".join(lines)
        assert seen(r"passage \d\d:\d\d:\d\d ", count=3), "".join(lines)  # deciding, records in memory
        decided = sum(bool(re.search(r"passage \d\d:\d\d:\d\d ", line)) for line in list(lines))
        filler.unlink()  # space returns
        assert seen("store writable again"), "".join(lines)
        deadline = time.monotonic() + 30
        while passages(small_disk / "gate.db") < before + decided and time.monotonic() < deadline:
            time.sleep(0.2)
        assert passages(small_disk / "gate.db") >= before + decided
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
        reader.join(10)
    assert proc.returncode == 0, "".join(lines)
