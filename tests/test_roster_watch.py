"""A roster changed under a running gate reaches its lane: import, edited file, broker."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from daemon_support import ROOT, demo_config, running_daemon

from edge import roster_store
from edge.roster_watch import RosterWatch

CSV = "person_id,name,card\nP1,Ann,C0001\n"


def snapshot(version: int) -> dict:
    return {"v": 1, "site": "s1", "version": version, "persons": [
        {"person_id": "P1", "name": "Ann", "role": "student", "group": "7A", "cards": ["C0001"],
         "return_from": None, "exit_approved_until": None, "quarantine_until": None, "health_card": "ok",
         "dormitory": None, "resident": False}]}


def make_watch(tmp_path: Path):
    db, csv = str(tmp_path / "gate.db"), tmp_path / "roster.csv"
    csv.write_text(CSV)
    roster_store.apply_snapshot(db, snapshot(100))
    calls: list = []
    watch = RosterWatch(db, str(csv), lambda: calls.append(time.monotonic()), threading.Event())
    return watch, db, csv, calls


def test_each_change_of_a_source_means_one_reload(tmp_path):
    watch, db, csv, calls = make_watch(tmp_path)
    assert not watch.check() and calls == []
    roster_store.apply_snapshot(db, snapshot(101))  # `gate-edge roster import`, or the broker
    assert watch.check() and not watch.check() and len(calls) == 1
    csv.write_text(CSV + "P2,Bob,C0002\n")
    assert not watch.check()  # first look at the new file: it may still be being written
    assert watch.check() and not watch.check() and len(calls) == 2  # the same at the second look
    csv.unlink()
    assert not watch.check() and watch.check() and len(calls) == 3


def test_a_file_still_being_written_waits_until_two_looks_agree(tmp_path):
    """Not by its age: a file copied with its time kept (scp -p, rsync -a) may be dated ahead
    of a gate whose clock is behind, or long before; what counts is that it stopped changing."""
    watch, _db, csv, calls = make_watch(tmp_path)
    future = time.time() + 86400
    with open(csv, "a") as f:
        f.write("P2,Bob,")  # half a row: the copy goes on
    assert not watch.check()
    with open(csv, "a") as f:
        f.write("C0002\n")
    os.utime(csv, (future, future))
    assert not watch.check() and calls == []
    assert watch.check() and len(calls) == 1  # unchanged since the last look: taken
    csv.unlink()  # removed, then copied again (rm before cp): a new file, two looks again
    assert not watch.check()
    csv.write_text(CSV)
    assert not watch.check() and watch.check() and len(calls) == 2


def test_an_import_on_the_running_gate_reaches_its_lane(tmp_path):
    """`gate-edge roster import` while the daemon runs: the daemon's own state file (the lane's
    roster version, as `gate-edge status` shows it) moves to the imported version."""
    config = demo_config(tmp_path)
    state = tmp_path / "status.json"
    csv = tmp_path / "new.csv"
    csv.write_text(CSV)

    def lane_version():
        try:
            return json.loads(state.read_text())["health"]["roster_version"]
        except (OSError, ValueError, KeyError):
            return None

    with running_daemon(config, tmp_path) as proc:
        deadline = time.monotonic() + 30
        while lane_version() is None and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.2)
        first = lane_version()
        assert first is not None, "the daemon wrote no state file"
        done = subprocess.run([sys.executable, "-m", "edge", "roster", "import", str(csv), "--config", str(config)],
                              cwd=ROOT, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        imported = roster_store.current_version(str(tmp_path / "gate.db"))
        assert imported is not None and imported > int(first)
        deadline = time.monotonic() + 30  # a 5 s look, then the 10 s state file
        while lane_version() != imported and time.monotonic() < deadline:
            time.sleep(0.2)
        assert lane_version() == imported
    assert proc.returncode == 0, proc.stderr_text
    assert "roster changed under the running gate" in proc.stderr_text


def test_a_failed_reload_is_tried_again_at_the_next_look(tmp_path):
    watch, db, _csv, calls = make_watch(tmp_path)
    failures = [RuntimeError("the lane's queue is gone")]

    def reload() -> None:
        calls.append(time.monotonic())
        if failures:
            raise failures.pop()

    watch.on_change = reload
    roster_store.apply_snapshot(db, snapshot(101))
    with pytest.raises(RuntimeError):
        watch.check()
    assert watch.check() and len(calls) == 2 and not watch.check()


def test_a_roster_file_made_unusable_under_a_running_gate_keeps_the_lane_on_its_roster(tmp_path, caplog):
    """A stray quote saved into the file, or the file removed before a copy: the lane keeps the
    roster it has instead of an older stored one or none (every card denied: no_roster)."""
    from edge.assembly import load_gate_roster
    from edge.settings.loader import load_config_text

    csv = tmp_path / "roster.csv"
    csv.write_text(CSV + "P2,Bob,C0002\n")
    config = load_config_text(f"thermal: {{type: sim}}\nstore: {{path: {tmp_path / 'gate.db'}}}\n"
                              f"policy: {{roster_file: {csv}}}\n", "gate.yaml")
    current = load_gate_roster(config)
    assert current is not None and len(current) == 2
    csv.write_text('person_id,name,card\nP1,"Ann,C0001\n')
    assert load_gate_roster(config, current) is current
    csv.unlink()
    assert load_gate_roster(config, current) is current
    with caplog.at_level("WARNING", logger="edge.assembly"):
        assert load_gate_roster(config) is None  # at start there is nothing to keep
    # What the log says is what the lane does (it once said "cards are not checked").
    assert "no roster: every card is denied (no_roster)" in caplog.text
    # A stored roster newer than the lane's still wins (a publish arrived meanwhile).
    roster_store.apply_snapshot(str(tmp_path / "gate.db"), snapshot(int(current.version) + 10))
    newer = load_gate_roster(config, current)
    assert newer is not current and newer.version == int(current.version) + 10


def test_a_poke_makes_the_watch_thread_look_at_once_on_its_own_thread(tmp_path):
    """The sync thread pokes after storing a roster received over MQTT: the reload (which may
    wait up to 5 s for a full lane queue) runs on the watch thread, never on the sync thread."""
    watch, db, _csv, _calls = make_watch(tmp_path)
    stop = threading.Event()
    watch.stop_event, watch.poll_s = stop, 3600.0  # only a poke can make it look
    looked_from: list = []
    watch.on_change = lambda: looked_from.append(threading.current_thread().name)
    watch.start()
    try:
        roster_store.apply_snapshot(db, snapshot(101))
        watch.poke()
        deadline = time.monotonic() + 10
        while not looked_from and time.monotonic() < deadline:
            time.sleep(0.01)
        assert looked_from == ["roster-watch"]
    finally:
        stop.set()
        watch.poke()
        watch.join(timeout=5)
    assert not watch.is_alive()
