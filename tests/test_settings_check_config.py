"""``gate-edge check-config``: exit codes, messages, summary, reference."""
from __future__ import annotations

import argparse
import io
import subprocess
import sys
from pathlib import Path

import pytest

from drivers import registry
from edge.commands import check_config
from edge.settings.reference import render_reference

REPO = Path(__file__).resolve().parent.parent


def run_check(path: "str | None") -> "tuple[int, str, str]":
    out, err = io.StringIO(), io.StringIO()
    code = check_config.check(path, out, err)
    return code, out.getvalue(), err.getvalue()


def test_acceptance_typo_exits_2_via_the_cli(tmp_path: Path) -> None:
    bad = tmp_path / "gate.yaml"
    bad.write_text("device:\n  id: lane-1\nthermal: {typ: sim}\n", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "edge", "check-config", str(bad)],
                          capture_output=True, text=True, timeout=60, cwd=REPO, check=False)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.strip() == f"{bad}:3: thermal.typ: unknown key; did you mean 'type'?"
    assert "Traceback" not in proc.stderr and proc.stdout == ""


def test_acceptance_typo_exits_2_via_the_function(tmp_path: Path) -> None:
    bad = tmp_path / "gate.yaml"
    bad.write_text("thermal: {typ: sim}\n", encoding="utf-8")
    code, out, err = run_check(str(bad))
    assert (code, out) == (2, "")
    assert err == f"{bad}:1: thermal.typ: unknown key; did you mean 'type'?\n"


def test_a_time_zone_offset_exits_2_with_asia_shanghai_not_utc(tmp_path: Path) -> None:
    bad = tmp_path / "gate.yaml"
    bad.write_text("device:\n  timezone: UTC+8\nthermal: {type: sim}\n", encoding="utf-8")
    code, out, err = run_check(str(bad))
    assert (code, out) == (2, "")
    assert err == (f"{bad}:2: device.timezone: unknown time zone 'UTC+8'; did you mean 'Asia/Shanghai'? "
                   "(an offset is not a time zone: China's IANA name is Asia/Shanghai, UTC+8)\n")


def test_several_errors_one_line_each(tmp_path: Path) -> None:
    bad = tmp_path / "gate.yaml"
    bad.write_text("device: {direction: sideways}\nmqtt:\n  password: plain\n  port: 99999\nthermal: {type: sim}\n",
                   encoding="utf-8")
    code, _, err = run_check(str(bad))
    assert code == 2
    assert err.splitlines() == [
        f"{bad}:1: device.direction: 'sideways' is not allowed; use one of: entry, exit",
        f"{bad}:3: mqtt.password: secrets may not be inline; use {{file: PATH}}, {{env: NAME}} or {{credential: NAME}}",
        f"{bad}:4: mqtt.port: must be at most 65535 (got 99999)",
    ]


@pytest.mark.parametrize("text, line, problem", [
    ("", 1, "the file has no settings (empty, only comments or null)"),
    ("# thermal:\n#   type: p2pro_uvc\n", 1, "the file has no settings (empty, only comments or null)"),
    # A null document once passed check-config, then run crashed on a missing thermal section.
    ("---\n", 1, "the file has no settings (empty, only comments or null)"),
    ("# gate\n~\n", 1, "the file has no settings (empty, only comments or null)"),
    ("null # x\n", 1, "the file has no settings (empty, only comments or null)"),
    ("--- # c\n...\n", 1, "the file has no settings (empty, only comments or null)"),
    ("device:\n  id: g1\ncard: {type: rdm6300, port: /dev/ttyUSB0}\n", 1, "missing section"),
    ("device:\n  id: g1\nthermal:\n", 3, "empty section"),
])
def test_a_config_without_its_thermal_sensor_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture,
                                                      text: str, line: int, problem: str) -> None:
    # Never the simulated sensor by default: real people would be screened on invented temperatures.
    from edge.cli import main

    bad = tmp_path / "gate.yaml"
    bad.write_text(text, encoding="utf-8")
    code, out, err = run_check(str(bad))
    assert (code, out) == (2, "")
    assert err.startswith(f"{bad}:{line}: thermal: {problem}; expected a section with 'type:' naming the thermal ")
    assert main(["run", "--config", str(bad), "--headless", "--for", "0"]) == 2
    assert capsys.readouterr().err == err


def test_the_embedded_default_still_runs_simulated_devices() -> None:
    code, out, err = run_check(None)
    assert (code, err) == (0, "")
    assert "  thermal: sim" in out and "  card: sim" in out


def test_missing_file_exits_2(tmp_path: Path) -> None:
    code, _, err = run_check(str(tmp_path / "nope.yaml"))
    assert code == 2 and err == f"{tmp_path / 'nope.yaml'}: cannot read: No such file or directory\n"


def test_summary_of_the_demo_config() -> None:
    code, out, err = run_check(str(REPO / "config" / "demo.yaml"))
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0].endswith("demo.yaml: ok")
    assert "  device: gate-demo-1 at demo-school, gate main (entry, Asia/Shanghai)" in lines
    assert any(line.startswith("  thermal: sim") for line in lines)
    assert any(line.startswith("  card: sim") for line in lines)
    assert any(line.startswith("  light: log") for line in lines)
    assert any(line.startswith("  store: data/gate-edge.db") for line in lines)
    assert any(line.startswith("  mqtt: 127.0.0.1:1883") for line in lines)


def test_summary_offline_and_temperature_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    good = tmp_path / "gate.yaml"
    good.write_text("thermal: {type: sim}\nlight: {type: log}\nstore: {path: /var/lib/gate/x.db}\n", encoding="utf-8")
    code, out, _ = run_check(str(good))
    assert code == 0
    assert "  card: none (temperature-only lane)" in out.splitlines()
    assert "  mqtt: offline only (records stay in the local store)" in out.splitlines()
    monkeypatch.setenv("GATE_TEST_MQTT_PW", "pw")
    good.write_text("thermal: {type: sim}\n"
                    "mqtt: {host: b.example, username: gate, password: {env: GATE_TEST_MQTT_PW},"
                    " tls_ca: /etc/gate-edge/ca.crt}\n", encoding="utf-8")
    code, out, _ = run_check(str(good))
    assert code == 0
    assert "user gate, password from environment variable GATE_TEST_MQTT_PW" in out and "pw\n" not in out


def test_reference_lists_every_section_and_driver() -> None:
    text = render_reference()
    for section in ("device", "thermal", "card", "light", "lane", "screening", "policy", "signals",
                    "store", "mqtt", "display"):
        assert f"## `{section}`" in text
    for role in registry.DRIVERS:
        for type_name in registry.driver_types(role):
            assert f"### `{role}: {{type: {type_name}}}`" in text
    assert "### `signals.pass`" in text and "### `screening.blackbody`" in text
    assert "| `fever_c` | number | `37.3` | 35 .. 40 |" in text
    assert "| `direction` | one of: `entry`, `exit` | `entry` |" in text
    assert "| `x` | integer | **required** | 0 .. 4095 |" in text
    # Each verdict's own defaults, not the class's (lamps [], 2 s) for all five.
    fever = text.split("### `signals.fever`")[1].split("###")[0]
    assert "| `lamps` | list of text | `[red, buzzer]` |" in fever and "| `seconds` | number | `0` |" in fever
    deny = text.split("### `signals.deny`")[1].split("###")[0]
    assert "| `lamps` | list of text | `[yellow, red]` |" in deny and "| `seconds` | number | `3` |" in deny
    # The developers' design notes the docstrings cite are not on the gate (audit 11b).
    assert "DESIGN.md" not in text
    assert "\nChinese resident ID card reader with a SAM module (115200).\n" in text
    assert "\nWho may pass this gate.\n" in text


def test_reference_option_prints_it(capsys: pytest.CaptureFixture) -> None:
    parser = argparse.ArgumentParser()
    check_config.register(parser.add_subparsers())
    args = parser.parse_args(["check-config", "--reference"])
    assert args.func(args) == 0
    assert capsys.readouterr().out == render_reference()


@pytest.mark.parametrize("content, problem", [
    (None, "cannot read calibration file: No such file or directory"),
    ("{not json", "not a calibration file (invalid JSON: "),
    ('{"format": "something else"}', "not a calibration file of format "),
])
def test_an_unusable_calibration_file_is_a_config_error_for_check_and_run(
        tmp_path: Path, capsys: pytest.CaptureFixture, content: "str | None", problem: str) -> None:
    # The daemon loads it at start; check-config said ok and run died with a traceback.
    from edge.cli import main

    calibration = tmp_path / "calibration.json"
    if content is not None:
        calibration.write_text(content, encoding="utf-8")
    bad = tmp_path / "gate.yaml"
    bad.write_text(f"thermal: {{type: sim}}\nscreening:\n  calibration_file: {calibration}\n", encoding="utf-8")
    code, out, err = run_check(str(bad))
    assert (code, out) == (2, "")
    assert err.startswith(f"{bad}:3: screening.calibration_file: {calibration}: {problem}"), err
    assert main(["run", "--config", str(bad), "--headless", "--for", "0"]) == 2
    assert capsys.readouterr().err == err
    assert main(["replay", str(tmp_path / "rec.npz"), "--config", str(bad)]) == 2
    assert capsys.readouterr().err == err


def test_a_calibration_file_does_not_have_to_exist_to_calibrate(tmp_path: Path) -> None:
    # `gate-edge calibrate` writes the file the config names: plain loading does not open it.
    from edge.settings.loader import load_config

    cfg = tmp_path / "gate.yaml"
    cfg.write_text(f"thermal: {{type: sim}}\nscreening: {{calibration_file: {tmp_path / 'new.json'}}}\n")
    assert load_config(str(cfg)).screening.calibration_file == str(tmp_path / "new.json")


def test_a_malformed_roster_file_is_warned_about_with_its_rows(tmp_path: Path) -> None:
    """check-config only looked for the file; the daemon then skipped it and denied every card
    (no_roster). Its rows are listed, as warnings: the unit runs check-config before every
    start, and the daemon does start on a bad roster file (it falls back), so must the unit."""
    roster = tmp_path / "roster.csv"
    roster.write_text("person_id,name,card,return_from\nP1,A,1,2026-03-01\nP2,B,2,tomorrow\nP3,C,3,2026-13-01\n",
                      encoding="utf-8")
    bad = tmp_path / "gate.yaml"
    bad.write_text(f"thermal: {{type: sim}}\npolicy:\n  roster_file: {roster}\n", encoding="utf-8")
    code, out, err = run_check(str(bad))
    assert (code, err) == (0, "")
    lines = out.splitlines()
    at = lines.index(f"  roster: {roster} (WARNING: not usable: the gate decides from the stored roster, or denies "
                     f"every card (no_roster) when none is stored)")
    assert lines[at + 1].startswith(f"    WARNING: {roster}: row 3: ") and "tomorrow" in lines[at + 1]
    assert lines[at + 2].startswith(f"    WARNING: {roster}: row 4: ") and "2026-13-01" in lines[at + 2]
    roster.write_text('person_id,name,card\nP1,A,1\nP2,"B,2\n', encoding="utf-8")
    code, out, err = run_check(str(bad))
    assert (code, err) == (0, "") and "(a stray double quote?)" in out
    roster.write_text("person_id,name,card\nP1,A,1\n", encoding="utf-8")
    code, out, err = run_check(str(bad))
    assert (code, err) == (0, "") and f"  roster: {roster} (1 person)" in out.splitlines()
    roster.unlink()  # missing: a warning too (an import or MQTT may bring the roster)
    code, out, err = run_check(str(bad))
    assert (code, err) == (0, "") and f"  roster: {roster} (WARNING: file not found)" in out.splitlines()


def test_every_secret_that_cannot_be_read_now_is_a_warning(tmp_path: Path) -> None:
    """Found by review 9b: only mqtt.password was looked at. A missing roster_key rejects every
    signed roster; a missing hash_key gives visitors a new identity at each start."""
    (tmp_path / "pw").write_text("pw\n")
    good = tmp_path / "gate.yaml"
    good.write_text("thermal: {type: mlx90640_uart, port: /dev/ttyUSB1}\n"
                    f"card: {{type: idcard_sam, port: /dev/ttyUSB0, hash_key: {{file: {tmp_path / 'nokey'}}}}}\n"
                    f"mqtt: {{host: 127.0.0.1, username: g, password: {{file: {tmp_path / 'pw'}}},"
                    f" roster_key: {{file: {tmp_path / 'no-roster-key'}}}}}\n", encoding="utf-8")
    code, out, err = run_check(str(good))
    assert code == 0, err
    card = next(line for line in out.splitlines() if line.startswith("  card:"))
    mqtt = next(line for line in out.splitlines() if line.startswith("  mqtt:"))
    assert "hash_key WARNING: " in card and "nokey" in card
    assert f"password from file {tmp_path / 'pw'}" in mqtt
    assert "roster key WARNING: " in mqtt and "no-roster-key" in mqtt
    (tmp_path / "nokey").write_text("k\n")
    (tmp_path / "no-roster-key").write_text("k\n")
    code, out, _ = run_check(str(good))
    assert "WARNING" not in out and "hash_key from file" in out and "roster key from file" in out


def test_an_id_card_reader_without_its_hash_key_is_a_warning(tmp_path: Path) -> None:
    """Audit 11b: left out, every start makes a random key, so a visitor's identity in the
    school's records changes at each restart; check-config said nothing."""
    path = tmp_path / "gate.yaml"
    path.write_text("thermal: {type: mlx90640_uart, port: /dev/ttyUSB1}\n"
                    "card: {type: idcard_sam, port: /dev/ttyUSB0}\n", encoding="utf-8")
    code, out, err = run_check(str(path))
    assert code == 0, err
    card = next(line for line in out.splitlines() if line.startswith("  card:"))
    assert card.endswith(", hash_key WARNING: not set: a random key at each start: a visitor's id_hash (their"
                         " identity in the school's records) changes at every restart; give the site's key file"
                         " (hash_key: {file: ...})")


def test_a_fever_or_fault_pattern_the_light_cannot_show_is_a_warning(tmp_path: Path) -> None:
    """Review 11f: a red/green LCUS-2 board (yellow_channel 0) with the default yellow fault
    pattern shows a fault as an idle light. A warning (review 11g): as an error it stopped
    gates that ran before, since the unit runs check-config before every start."""
    path = tmp_path / "gate.yaml"
    sensor = "thermal: {type: mlx90640_uart, port: /dev/ttyUSB1}\n"
    cases = {
        "light: {type: lcus_relay, port: /dev/ttyUSB2, yellow_channel: 0, buzzer_channel: 0}\n": [
            "WARNING: this lcus_relay light has no yellow lamp (it drives green, red): a fault would light nothing;"
            " wire one, or set signals.fault.lamps to a lamp it has"],
        "light: {type: gpio, green_line: 17, yellow_line: 27}\n": [
            "WARNING: this gpio light has no red lamp (it drives green, yellow): a fever would light nothing;"
            " wire a red lamp"],
        "light: {type: lcus_relay, port: /dev/ttyUSB2, yellow_channel: 0}\n"
        "signals: {fault: {lamps: [red, yellow]}}\n": [],
        "light: {type: tower_light, port: /dev/ttyUSB2}\n": [],
    }
    for light, expected in cases.items():
        path.write_text(sensor + light, encoding="utf-8")
        code, out, err = run_check(str(path))
        assert code == 0, err
        assert [line.strip() for line in out.splitlines() if "WARNING" in line] == expected, light


def test_roster_cards_the_reader_can_never_send_are_a_warning(tmp_path: Path) -> None:
    """Audit 11b: an rdm6300 (dec10) sends 0012345678; a roster saved from a spreadsheet says
    12345678, and that card is denied as unknown at the gate with nothing said before."""
    roster = tmp_path / "roster.csv"
    roster.write_text("person_id,name,group,card\nP1,A,7A,0012345678\nP2,B,7A,12345679\n", encoding="utf-8")
    path = tmp_path / "gate.yaml"
    for number_format, warned in (("dec10", True), ("hex", True), ("wiegand26", False)):
        path.write_text("thermal: {type: mlx90640_uart, port: /dev/ttyUSB1}\n"
                        f"card: {{type: rdm6300, port: /dev/ttyUSB0, number_format: {number_format}}}\n"
                        f"policy: {{roster_file: {roster}}}\n", encoding="utf-8")
        code, out, err = run_check(str(path))
        assert code == 0, err
        warnings = [line.strip() for line in out.splitlines() if "WARNING" in line]
        assert bool(warnings) is warned, (number_format, out)
    # (Full-width digits, as a Chinese input method types them, are not the reader's digits.)
    roster.write_text("person_id,name,group,card\nP1,A,7A,0012345678\nP2,B,7A,12345679\nP3,C,7A,００１２３４５６８０\n",
                      encoding="utf-8")
    path.write_text("thermal: {type: mlx90640_uart, port: /dev/ttyUSB1}\ncard: {type: rdm6300, port: /dev/ttyUSB0}\n"
                    f"policy: {{roster_file: {roster}}}\n", encoding="utf-8")
    assert [line.strip() for line in run_check(str(path))[1].splitlines() if "WARNING" in line] == [
        "WARNING: 2 roster card ids are not in the form this rdm6300 reader sends (10 digits with the leading zeros,"
        " number_format dec10), e.g. ****5679: this gate never matches them (a spreadsheet drops leading zeros:"
        " keep the column as text)"]


def test_a_blackbody_region_outside_the_sensors_frames_is_a_warning(tmp_path: Path) -> None:
    """Found by review 9b: the example's P2 Pro region kept with an MLX90640 (32x24) passed, and
    every passage was FAULT (reference_missing). A warning, not an error: the gate still
    starts and shows the fault, so the guard screens by hand."""
    config = tmp_path / "gate.yaml"
    config.write_text("thermal: {type: mlx90640_uart, port: /dev/ttyUSB1}\n"
                      "screening:\n  blackbody: {x: 234, y: 4, w: 16, h: 16}\n", encoding="utf-8")
    code, out, _ = run_check(str(config))
    assert code == 0
    assert ("  WARNING: screening.blackbody region x 234, y 4, 16x16 is outside the 32x24 frames of this sensor: "
            "every passage would be FAULT (reference_missing); set x, y, w, h in this sensor's pixels") in out
    config.write_text("thermal: {type: mlx90640_uart, port: /dev/ttyUSB1}\n"
                      "screening:\n  blackbody: {x: 28, y: 0, w: 4, h: 4}\n", encoding="utf-8")
    assert "WARNING" not in run_check(str(config))[1]
    config.write_text("thermal: {type: p2pro_uvc}\nscreening:\n  blackbody: {x: 234, y: 4, w: 16, h: 16}\n")
    assert "WARNING" not in run_check(str(config))[1]
    config.write_text("thermal: {type: sim, sensor: lepton35}\n"
                      "screening:\n  blackbody: {x: 150, y: 110, w: 11, h: 4}\n")
    # Partly outside: the analyzer uses the part inside (review 9d: not every passage a FAULT).
    assert ("region x 150, y 110, 11x4 reaches past the 160x120 frames of this sensor: only the 10x4 inside is "
            "used") in run_check(str(config))[1]


def test_tls_files_that_cannot_be_read_are_a_warning(tmp_path: Path) -> None:
    (tmp_path / "ca.crt").write_text("-----BEGIN CERTIFICATE-----\n")
    config = tmp_path / "gate.yaml"
    config.write_text(f"thermal: {{type: sim}}\nmqtt: {{host: b.example, tls_ca: {tmp_path / 'ca.crt'},"
                      f" tls_cert: {tmp_path / 'gate.crt'}}}\n", encoding="utf-8")
    code, out, _ = run_check(str(config))
    assert code == 0
    assert f", tls_ca {tmp_path / 'ca.crt'}," in out
    assert f"tls_cert WARNING: cannot read {tmp_path / 'gate.crt'} (No such file or directory)" in out
