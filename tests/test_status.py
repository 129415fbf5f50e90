"""``gate-edge status``: read-only view of the database and the daemon's state file."""
from __future__ import annotations

import hashlib
import json
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

from daemon_support import demo_config, running_daemon
from sync_producer import make_record

from edge.commands import status as status_command
from edge.housekeeping import Housekeeping, state_path
from edge.retention import Retention
from edge.settings.device import DeviceSettings
from edge.settings.policy import PolicySettings
from edge.status_read import read_database, read_state
from edge.store import Store
from edge.verdict import Verdict


def _status(config: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "edge", "status", "--config", str(config), *extra],
                          capture_output=True, text=True, timeout=60)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_status_reads_without_writing(tmp_path):
    config = demo_config(tmp_path)
    db = tmp_path / "gate.db"
    store = Store(str(db), DeviceSettings(id="gate-demo-1", site="demo-school")).open()
    store.record_passage(make_record(0))
    fever = store.record_passage(make_record(1, Verdict.FEVER))
    sqlite3.connect(db, isolation_level=None).execute("DELETE FROM outbox_passages")
    store.close()  # checkpoints: the file alone holds everything
    before = _digest(db)
    done = _status(config)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert f"1 unsent (1 alerts, 1 fevers); oldest #{fever}," in out
    assert f"last passage #{fever}" in out and "fever" in out
    # Nothing imported, no daemon yet: the demo config's CSV file is what the gate will read.
    assert "roster       stored version none; the gate also reads " in out and "roster.demo.csv" in out
    assert "daemon: never ran" in out
    assert _digest(db) == before  # read-only: no roster tables made, nothing written
    as_json = json.loads(_status(config, "--json").stdout)
    assert as_json["backlog"]["messages"] == 1 and as_json["passages_total"] == 2
    assert as_json["last_passage"]["verdict"] == "fever"


def test_status_without_a_database_says_so(tmp_path):
    done = _status(demo_config(tmp_path))
    assert done.returncode == 1
    assert "no database at" in done.stderr and "Traceback" not in done.stderr


def test_status_of_a_database_the_daemon_has_not_migrated_yet_says_so(tmp_path):
    """After an upgrade, before the daemon restarts: status cannot migrate (read-only)."""
    from edge.store_schema import MIGRATIONS, SCHEMA_VERSION

    config = demo_config(tmp_path)
    conn = sqlite3.connect(tmp_path / "gate.db", isolation_level=None)
    conn.executescript(";".join(MIGRATIONS[:-1]) + "; CREATE TABLE schema_version (version INTEGER);"
                       f" INSERT INTO schema_version VALUES ({SCHEMA_VERSION - 1});")
    conn.close()
    done = _status(config)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert f"schema {SCHEMA_VERSION - 1}, this software reads {SCHEMA_VERSION}" in done.stderr
    assert "restart" in done.stderr


def test_state_file_round_trip_and_staleness(tmp_path):
    db = str(tmp_path / "gate.db")
    Store(db, DeviceSettings(id="g1")).open().close()
    stop = threading.Event()
    chores = Housekeeping(Retention(db, 30, 1 << 30), 3600, stop, lambda: {"devices": {"thermal": "ok"}}, db)
    chores.write_state()
    state = read_state(db)
    assert state["daemon"] == "running" and state["health"]["devices"] == {"thermal": "ok"}
    assert read_state(db, now=time.time() + 300)["daemon"].startswith("not running?")
    chores.write_state(stopped=True)
    assert read_state(db)["daemon"].startswith("stopped")


def test_under_systemd_the_state_file_is_on_tmpfs_and_status_finds_it(tmp_path, monkeypatch):
    """The daemon (RUNTIME_DIRECTORY set by the unit) writes status.json to its runtime
    directory, not the SD card; a technician's shell (no such variable) still finds it,
    and skips another gate's file there."""
    import edge.housekeeping

    runtime, data = tmp_path / "run", tmp_path / "data"
    runtime.mkdir()
    data.mkdir()
    db = str(data / "gate.db")
    Store(db, DeviceSettings(id="g1")).open().close()
    monkeypatch.setattr(edge.housekeeping, "RUNTIME_DIR", str(runtime))
    monkeypatch.setenv("RUNTIME_DIRECTORY", str(runtime))
    Housekeeping(Retention(db, 30, 1 << 30), 3600, threading.Event(), lambda: {"devices": {"thermal": "ok"}},
                 db).write_state()
    assert (runtime / "status.json").exists() and not (data / "status.json").exists()
    monkeypatch.delenv("RUNTIME_DIRECTORY")
    state = read_state(db)
    assert state["daemon"] == "running" and state["health"]["devices"] == {"thermal": "ok"}
    other = str(tmp_path / "other.db")
    Store(other, DeviceSettings(id="g2")).open().close()
    assert read_state(other)["daemon"] == "never ran (no state file)"


def test_retention_failure_is_counted_and_the_thread_goes_on(tmp_path):
    db = tmp_path / "gate.db"
    Store(str(db), DeviceSettings(id="g1")).open().close()
    stop = threading.Event()
    chores = Housekeeping(Retention(str(tmp_path / "missing" / "x.db"), 30, 1 << 30), 3600, stop, dict, str(db))
    chores.run_retention()
    assert chores.last_error and chores.totals["runs"] == 0
    ok = Housekeeping(Retention(str(db), 30, 1 << 30), 3600, stop, dict, str(db))
    ok.run_retention()
    assert ok.last_error is None and ok.totals["runs"] == 1


def test_daemon_state_shows_in_status(tmp_path):
    config = demo_config(tmp_path)
    with running_daemon(config, tmp_path) as proc:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not state_path(str(tmp_path / "gate.db")).exists():
            time.sleep(0.2)
        running = _status(config)
    err = proc.stderr_text
    assert proc.returncode == 0, err
    assert "daemon: running" in running.stdout, running.stdout + running.stderr
    assert "devices      card ok, light ok, thermal ok" in running.stdout  # the light is a device too
    assert "sync         offline" in running.stdout
    after = _status(config)
    assert "daemon: stopped" in after.stdout
    # What the daemon saw when it stopped, not the state now: no device is being watched.
    assert "devices      at stop: card ok, light ok, thermal ok" in after.stdout, after.stdout
    assert "sync         at stop: offline" in after.stdout


def test_full_disk_triggers_a_squeeze_run_at_once(tmp_path):
    db = str(tmp_path / "gate.db")
    store = Store(db, DeviceSettings(id="g1")).open()
    store.record_passages(make_record(i) for i in range(2000))
    sqlite3.connect(db, isolation_level=None).execute("DELETE FROM outbox_passages")  # all synced
    store.close()
    fault = {"text": None}
    stop = threading.Event()
    chores = Housekeeping(Retention(db, 3650, 1 << 30), 3600, stop, dict, db, store_fault=lambda: fault["text"],
                          first_run_delay_s=3600, state_every_s=0.05)
    chores.start()
    try:
        time.sleep(0.3)
        assert chores.totals["runs"] == 0  # nothing due, no fault: no run
        fault["text"] = "database or disk is full"
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not chores.totals["squeezes"]:
            time.sleep(0.05)
        assert chores.totals["squeezes"] == 1 and chores.totals["dropped_synced"] > 0
        time.sleep(0.3)
        assert chores.totals["squeezes"] == 1  # at most one squeeze per SQUEEZE_EVERY_S
    finally:
        stop.set()
        chores.join(timeout=5)
    assert read_state(db)["daemon"].startswith("stopped")


def test_status_names_the_roster_the_running_gate_decides_from():
    """Stored version none, but the daemon decides from its roster file: say so, not 'none'."""
    running = {"roster_version": 1764400000, "devices": {"thermal": "ok"}}
    assert status_command._roster_line(None, running, "/etc/gate-edge/roster.csv") == (
        "roster       stored version none; the gate decides from version 1764400000")
    assert status_command._roster_line("1764400000", running, None) == "roster       stored version 1764400000"
    # The daemon runs with no roster at all (its file unusable, nothing stored): not 'also reads'.
    assert status_command._roster_line(None, {"roster_version": None}, "/etc/gate-edge/roster.csv") == (
        "roster       stored version none; the gate has no roster: every card is denied (no_roster)")
    assert status_command._roster_line(None, {"roster_version": None}, None,
                                       PolicySettings(unknown_card=False).no_roster_effect()) == (
        "roster       stored version none; the gate has no roster: every card passes, flagged no_roster "
        "(policy.unknown_card: false)")



def test_status_shows_a_store_fault_and_the_passages_let_go_while_it_lasted(tmp_path):
    db = str(tmp_path / "gate.db")
    Store(db, DeviceSettings(id="g1")).open().close()
    health = {"devices": {"thermal": "ok"}, "store_fault": "disk full: database or disk is full",
              "store_dropped": 221}
    Housekeeping(Retention(db, 30, 1 << 30), 3600, threading.Event(), lambda: health, db).write_state()
    lines = status_command.render("s1", "g1", read_database(db, "UTC"), read_state(db))
    assert "STORE FAULT  disk full: database or disk is full (passages wait in memory)" in lines
    assert any(line.startswith("STORE LOSS   221 routine passages (pass, deny, retry) let go") for line in lines)
    health["store_dropped"] = 0
    Housekeeping(Retention(db, 30, 1 << 30), 3600, threading.Event(), lambda: health, db).write_state()
    assert not any("STORE LOSS" in line for line in status_command.render("s1", "g1", read_database(db, "UTC"),
                                                                           read_state(db)))


def _offline_config(tmp_path: Path) -> Path:
    """The demo config without its mqtt: section: an offline-only gate."""
    text = demo_config(tmp_path).read_text()
    path = tmp_path / "offline.yaml"
    path.write_text(text[:text.index("\nmqtt:")] + "\n")
    return path


def test_an_offline_only_gate_does_not_say_its_records_reached_the_school(tmp_path):
    config = _offline_config(tmp_path)
    db = tmp_path / "gate.db"
    Store(str(db), DeviceSettings(id="gate-demo-1", site="demo-school")).open().close()
    Housekeeping(Retention(str(db), 30, 1 << 30, sends=False), 3600, threading.Event(),
                 lambda: {"devices": {"thermal": "ok"}, "sync": "disabled"}, str(db)).write_state()
    done = _status(config)
    assert done.returncode == 0, done.stderr
    assert "reached the school" not in done.stdout, done.stdout
    assert "backlog      none: offline-only gate (no mqtt: section), records stay on this gate\n" in done.stdout
    assert "sync         disabled" in done.stdout
    store = Store(str(db), DeviceSettings(id="gate-demo-1", site="demo-school")).open()
    store.record_passage(make_record(0))
    store.record_passage(make_record(1, Verdict.FEVER))
    store.close()
    out = _status(config).stdout
    # Queued rows would go if a broker were configured; nothing is "unsent" and ageing now.
    assert "records stay on this gate; 2 queued, sent only if an mqtt: section is added" in out, out
    assert "unsent" not in out


def _stale_health_lines(tmp_path: Path, stopped: bool, now: "float | None" = None, pid: "int | None" = None):
    db = str(tmp_path / "gate.db")
    Store(db, DeviceSettings(id="g1")).open().close()
    health = {"devices": {"card": "ok", "light": "ok", "thermal": "ok"}, "sync": "online",
              "roster_version": 1764400000, "store_fault": "disk full: database or disk is full",
              "retention": {"runs": 1, "vacuums": 1}}
    Housekeeping(Retention(db, 30, 1 << 30), 3600, threading.Event(), lambda: health, db).write_state(stopped)
    if pid is not None:  # the file a daemon killed with -9 leaves behind: fresh, not stopped
        path = state_path(db)
        path.write_text(json.dumps({**json.loads(path.read_text()), "pid": pid}))
    state = read_state(db, now=now)
    return state, status_command.render("s1", "g1", read_database(db, "UTC"), state)


def test_a_stopped_daemons_devices_and_sync_are_labelled_as_at_stop(tmp_path):
    state, lines = _stale_health_lines(tmp_path, stopped=True, now=time.time() + 90)
    assert state["daemon"] == "stopped 90 s ago" and not state["live"]
    assert "devices      at stop: card ok, light ok, thermal ok" in lines
    assert "sync         at stop: online" in lines
    assert "roster       stored version none; the gate decided from version 1764400000 (at stop)" in lines
    assert "STORE FAULT  at stop: disk full: database or disk is full (passages were waiting in memory)" in lines
    assert any(line.startswith("retention    at stop: 0 purged") for line in lines)


def test_a_daemon_gone_without_a_stopped_state_is_not_shown_as_live(tmp_path):
    # Silent for more than 3 heartbeats (hung, or killed long ago): the last report, with its age.
    state, lines = _stale_health_lines(tmp_path, stopped=False, now=time.time() + 300)
    assert state["daemon"].startswith("not running?") and not state["live"]
    assert "devices      last reported 300 s ago: card ok, light ok, thermal ok" in lines
    assert "sync         last reported 300 s ago: online" in lines
    # Killed a moment ago: the file is fresh, but its process is gone.
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    state, lines = _stale_health_lines(tmp_path, stopped=False, pid=gone.pid)
    assert state["daemon"].startswith(f"not running: process {gone.pid} is gone"), state["daemon"]
    assert any(line.startswith("sync         last reported ") and line.endswith(" ago: online") for line in lines)


def test_a_running_daemons_lines_carry_no_label(tmp_path):
    state, lines = _stale_health_lines(tmp_path, stopped=False)
    assert state["daemon"] == "running" and state["live"]
    assert "devices      card ok, light ok, thermal ok" in lines and "sync         online" in lines
    assert "roster       stored version none; the gate decides from version 1764400000" in lines
