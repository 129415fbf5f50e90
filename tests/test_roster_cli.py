"""``gate-edge roster import | show | check``: real config files, real SQLite, exact output."""
from __future__ import annotations

import datetime as dt
import os
import stat
from pathlib import Path
from typing import List, Tuple

import pytest
from roster_fixtures import denial_roster_csv

from drivers.thermal.scene_cards import card_id
from edge.cli import main as cli_main
from edge.roster_store import current_version, load

TODAY = dt.date(2026, 3, 10)


def cli(argv: List[str], capsys: pytest.CaptureFixture) -> Tuple[int, str, str]:
    code = cli_main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def config(tmp_path: Path, policy: str = "", direction: str = "entry", roster_file: str = "") -> str:
    path = tmp_path / "gate.yaml"
    lines = ["device:", "  site: school-1", "  gate: east", f"  direction: {direction}", "policy:"]
    lines += [f"  roster_file: {roster_file}"] if roster_file else []
    lines += [f"  {line}" for line in policy.splitlines() if line]
    lines += ["  unknown_card: true", "store:", f"  path: {tmp_path / 'data' / 'gate.db'}", "thermal: {type: sim}"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


@pytest.fixture
def roster_file(tmp_path: Path) -> str:
    path = tmp_path / "roster.csv"
    path.write_bytes(denial_roster_csv(TODAY).encode("gb18030"))
    return str(path)


def test_import_then_check_every_denial_with_its_texts(tmp_path: Path, roster_file: str,
                                                      capsys: pytest.CaptureFixture) -> None:
    cfg = config(tmp_path)
    code, out, _ = cli(["roster", "import", roster_file, "--config", cfg], capsys)
    db = str(tmp_path / "data" / "gate.db")
    assert code == 0 and "40 persons imported as roster version" in out and db in out
    version = current_version(db)
    assert version is not None and load(db).site == "school-1"
    assert stat.S_IMODE(os.stat(db).st_mode) == 0o600  # names and cards: the import may create the file

    code, out, _ = cli(["roster", "check", card_id(1), "--at", "2026-03-10T08:00", "--config", cfg], capsys)
    assert code == 1
    assert out.splitlines() == [
        f"gate east (entry), roster version {version} from {db}, day 2026-03-10",
        f"card {card_id(1)}: P00002 学生0002 (student, 高一(2)班)",
        "DENY",
        "  return_not_open [hard]: 未经学校批准不得提前返校 / Return batch not open yet: no early return",
        "  return_from: 2026-03-11",
    ]
    code, out, _ = cli(["roster", "check", card_id(2), "--at", "2026-03-10T23:59:59+08:00", "--config", cfg], capsys)
    assert code == 1 and "  quarantine [hard]: 隔离观察期未满 不得通行 / Under quarantine: may not pass" in out
    assert "  quarantine_until: 2026-03-10" in out
    # One second later, midnight in Shanghai (still 16:00 on the 10th in UTC): quarantine is over.
    code, out, _ = cli(["roster", "check", card_id(2), "--at", "2026-03-10T16:00:00+00:00", "--config", cfg], capsys)
    assert code == 0 and out.splitlines()[2] == "PASS" and "day 2026-03-11" in out
    code, out, _ = cli(["roster", "check", "30:00:00:00:01", "--config", cfg], capsys)
    assert code == 1 and "card 3000000001: not in the roster" in out and "card_unknown [hard]: 卡未登记" in out


def test_check_soft_rule_and_other_modes(tmp_path: Path, roster_file: str, capsys: pytest.CaptureFixture) -> None:
    cfg = config(tmp_path, policy="mode: dorm\ndormitory: 1号楼\nhealth_card: soft")
    assert cli(["roster", "import", roster_file, "--config", cfg], capsys)[0] == 0
    code, out, _ = cli(["roster", "check", card_id(3), "--at", "2026-03-10T12:00", "--config", cfg], capsys)
    assert code == 0 and out.splitlines()[2] == "PASS with flags"
    assert "  health_card_missing [soft]: 未填报健康卡 / Health card not filled in" in out
    code, out, _ = cli(["roster", "check", card_id(6), "--at", "2026-03-10T12:00", "--config", cfg], capsys)
    assert code == 1 and "not_dorm_resident [hard]: 非本宿舍楼住宿人员" in out

    cfg = config(tmp_path, direction="exit")
    code, out, _ = cli(["roster", "check", card_id(5), "--at", "2026-03-10T12:00", "--config", cfg], capsys)
    assert code == 1 and "(exit)" in out and "exit_not_approved [hard]: 非经批准不得离开校园" in out


def test_check_without_a_date_answers_as_the_gate_would_on_its_clock(tmp_path: Path, capsys, monkeypatch) -> None:
    """An exit gate whose clock is not synchronized sends approvals to the guard; so does the
    technician's check of a card there (with --at the date is given, so it is not in doubt)."""
    import edge.commands.roster as roster_command

    until = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    csv = tmp_path / "exit.csv"
    csv.write_text(f"person_id,name,card,exit_approved_until\nP1,Ann,C0001,{until}\n", encoding="utf-8")
    cfg = config(tmp_path, direction="exit", roster_file=str(csv))
    monkeypatch.setattr(roster_command, "kernel_clock_synchronized", lambda: False)
    code, out, _ = cli(["roster", "check", "C0001", "--config", cfg], capsys)
    assert code == 1 and "(clock not synchronized)" in out and "date_unverified [hard]" in out
    code, out, _ = cli(["roster", "check", "C0001", "--at", dt.date.today().isoformat() + "T08:00", "--config", cfg],
                       capsys)
    assert code == 0 and "(clock not synchronized)" not in out
    monkeypatch.setattr(roster_command, "kernel_clock_synchronized", lambda: True)
    assert cli(["roster", "check", "C0001", "--config", cfg], capsys)[0] == 0


def test_check_uses_roster_file_when_nothing_was_imported(tmp_path: Path, roster_file: str,
                                                          capsys: pytest.CaptureFixture) -> None:
    cfg = config(tmp_path, roster_file=roster_file)
    code, out, _ = cli(["roster", "check", card_id(0), "--at", "2026-03-10T12:00", "--config", cfg], capsys)
    assert code == 0 and f"from {roster_file}" in out
    code, out, _ = cli(["roster", "show", "--persons", "--config", cfg], capsys)
    assert code == 0 and "40 persons" in out and "health card missing 1, abnormal 1" in out
    assert "******0001" in out and card_id(1) not in out  # cards are masked


def test_failed_import_leaves_the_previous_roster(tmp_path: Path, roster_file: str,
                                                  capsys: pytest.CaptureFixture) -> None:
    cfg = config(tmp_path)
    cli(["roster", "import", roster_file, "--config", cfg], capsys)
    db = str(tmp_path / "data" / "gate.db")
    before = load(db)
    bad = tmp_path / "bad.csv"
    bad.write_text("person_id,name,card,return_from\nP1,A,1,2026-03-01\nP2,B,1,tomorrow\n", encoding="utf-8-sig")
    code, out, err = cli(["roster", "import", str(bad), "--config", cfg], capsys)
    assert code == 2 and out == ""
    assert err.splitlines() == [f"{bad}: row 3: return_from: bad date 'tomorrow' (expected YYYY-MM-DD)"]
    after = load(db)
    assert after.version == before.version and after.persons() == before.persons()
    header_only = tmp_path / "export.csv"  # an export that went wrong: everyone would be denied
    header_only.write_text("person_id,name,card\n", encoding="utf-8")
    code, out, err = cli(["roster", "import", str(header_only), "--config", cfg], capsys)
    assert code == 2 and out == "" and "no persons after the header" in err
    assert load(db).persons() == before.persons()


def test_bad_config_and_contradicting_mode_are_reported(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    cfg = config(tmp_path, policy="mode: gym")
    code, _, err = cli(["roster", "check", "1", "--config", cfg], capsys)
    assert code == 2 and "mode" in err
    cfg = config(tmp_path, policy="mode: exit")
    code, _, err = cli(["roster", "check", "1", "--config", cfg], capsys)
    assert code == 2 and "gate.yaml:6: policy.mode: 'exit' contradicts device.direction 'entry'" in err


def test_publish_signs_a_retained_snapshot_the_gates_can_apply(tmp_path: Path, roster_file: str, mosquitto,
                                                              capsys: pytest.CaptureFixture) -> None:
    import threading

    import paho.mqtt.client as mqtt

    from edge.roster_store import apply_snapshot
    from edge.sync.roster_sign import verify

    key_file = tmp_path / "roster.key"
    key_file.write_text("00112233445566778899aabbccddeeff\n", encoding="utf-8")
    cfg = config(tmp_path)
    code, out, err = cli(["roster", "publish", roster_file, "--broker", mosquitto.url, "--key", str(key_file),
                          "--config", cfg], capsys)
    assert code == 0, err
    assert "(40 persons) published for site school-1" in out

    # A gate connecting afterwards receives the retained message.
    got: List[bytes] = []
    done = threading.Event()
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2)
    client.on_connect = lambda c, *a: c.subscribe("gate-edge/school-1/roster", qos=1)
    client.on_message = lambda c, u, msg: (got.append(msg.payload), done.set())
    client.connect("127.0.0.1", mosquitto.port)
    client.loop_start()
    try:
        assert done.wait(10), "no retained roster received"
    finally:
        client.disconnect()
        client.loop_stop()
    snapshot = verify(got[0], bytes.fromhex("00112233445566778899aabbccddeeff"), "school-1")
    db = str(tmp_path / "gate.db")
    assert apply_snapshot(db, snapshot) == snapshot["version"]
    assert load(db).lookup(card_id(7)).person_id == "P00008"  # type: ignore[union-attr]

    code, _, err = cli(["roster", "publish", roster_file, "--broker", mosquitto.url, "--key",
                        str(tmp_path / "absent.key"), "--config", cfg], capsys)
    assert code == 2 and "cannot read the key" in err


def test_publish_without_a_broker_fails_clearly(tmp_path: Path, roster_file: str,
                                                capsys: pytest.CaptureFixture) -> None:
    from conftest import free_port

    key_file = tmp_path / "roster.key"
    key_file.write_text("site-secret\n", encoding="utf-8")
    url = f"mqtt://127.0.0.1:{free_port()}"
    code, out, err = cli(["roster", "publish", roster_file, "--broker", url, "--key", str(key_file),
                          "--config", config(tmp_path)], capsys)
    assert code == 1 and out == "" and f"{url}: roster not published" in err


def test_publish_names_its_site_or_refuses(tmp_path: Path, roster_file: str, capsys: pytest.CaptureFixture) -> None:
    """Neither --site nor --config: the embedded demo config's site would take the school's
    roster, retained where no gate of the school looks, with exit 0."""
    key_file = tmp_path / "roster.key"
    key_file.write_text("site-secret\n", encoding="utf-8")
    code, out, err = cli(["roster", "publish", roster_file, "--broker", "mqtt://127.0.0.1:1", "--key",
                          str(key_file)], capsys)
    assert code == 2 and out == ""
    assert err == ("roster publish: say which site the roster is for: --site SITE, or --config with the gates' YAML"
                   " (device.site); without them it would go to the demo site 'demo-school'\n")


def test_show_and_check_decide_from_the_stored_roster_when_the_file_is_gone(tmp_path: Path, roster_file: str,
                                                                            capsys: pytest.CaptureFixture) -> None:
    """The example config names /etc/gate-edge/roster.csv; a technician who imported the roster
    instead gets what the gate decides (from the stored roster), not an error."""
    missing = tmp_path / "absent.csv"
    cfg = config(tmp_path, roster_file=str(missing))
    assert cli(["roster", "import", roster_file, "--config", cfg], capsys)[0] == 0
    db = str(tmp_path / "data" / "gate.db")
    for argv in (["show"], ["check", card_id(3), "--at", "2026-03-10T12:00"]):
        code, out, err = cli(["roster", *argv, "--config", cfg], capsys)
        assert code in (0, 1) and f"roster version {current_version(db)} from {db}" in out, (argv, err)
        assert argv[0] == "show" or f"card {card_id(3)}: P00004" in out  # found: the roster is there
        assert err.startswith(f"roster file not usable ({missing}: cannot read roster") and \
            err.endswith("): deciding from the stored roster, as the gate does\n")


def test_a_database_this_user_cannot_read_is_an_error_not_an_empty_roster(
        tmp_path: Path, roster_file: str, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    """Review 11f: a technician outside the gate's user (its state folder is 0700) got 'roster
    version 0 from (no roster)' and DENY no_roster for every card, with the roster file gone."""
    cfg = config(tmp_path, roster_file=str(tmp_path / "absent.csv"))
    assert cli(["roster", "import", roster_file, "--config", cfg], capsys)[0] == 0
    db = str(tmp_path / "data" / "gate.db")
    real_stat = os.stat

    def stat(path, *args, **kwargs):  # as for any user but the gate's (tests run as root)
        if str(path) == db:
            raise PermissionError(13, "Permission denied", str(path))
        return real_stat(path, *args, **kwargs)

    monkeypatch.setattr(os, "stat", stat)
    for argv in (["show"], ["check", card_id(3)]):
        code, out, err = cli(["roster", *argv, "--config", cfg], capsys)
        assert (code, out) == (2, "") and err == (f"{db}: cannot read the gate's database (Permission denied): run"
                                                  " this as the user the gate runs as, or as root\n"), argv
