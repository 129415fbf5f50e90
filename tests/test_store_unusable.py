"""A database that cannot be used at all: the daemon and the commands say which file and
what to do, exit 1, no traceback (systemd restarts the daemon, so the journal repeats it)."""
from __future__ import annotations

import os

import pytest
from daemon_support import demo_config

from edge.cli import main


@pytest.fixture(params=["damaged", "folder"])
def broken(request, tmp_path):
    db = tmp_path / "gate.db"
    if request.param == "damaged":
        db.write_bytes(os.urandom(8192))  # a failed SD card, or something copied over it
        hint = "the file is damaged: move it aside"
    else:
        db.mkdir()
        hint = "store.path names a folder"
    return demo_config(tmp_path), str(db), hint


@pytest.mark.parametrize("command", [["run", "--headless", "--for", "5"], ["roster", "show"],
                                     ["roster", "import", "config/roster.demo.csv"]])
def test_the_daemon_and_roster_commands_name_the_file_and_what_to_do(broken, command, capsys):
    config, db, hint = broken
    assert main([*command, "--config", str(config)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"gate-edge: {db}: cannot use the database (") and hint in err
    assert "Traceback" not in err


def test_status_says_it_cannot_read_the_database(broken, capsys):
    """In the daemon's words, with its next step (review 9b: status had none for a damaged file)."""
    config, db, hint = broken
    assert main(["status", "--config", str(config)]) == 1
    err = capsys.readouterr().err
    assert f"{db}: cannot use the database (" in err and hint in err and "Traceback" not in err
