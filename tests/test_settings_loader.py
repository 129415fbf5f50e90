"""Config loading: YAML -> GateConfig, and every kind of error as FILE:LINE: key.path: message."""
from __future__ import annotations

from pathlib import Path
from typing import List

import pytest

from drivers import registry
from edge.settings.errors import ConfigError, ConfigIssue
from edge.settings.fields import SecretRef
from edge.settings.loader import load_config, load_config_text
from edge.settings.root import GateConfig

REPO = Path(__file__).resolve().parent.parent


#: Every config file names its thermal sensor; appended, so the lines of a snippet stay as written.
SENSOR = "thermal: {type: sim}\n"


def errors(text: str, sensor: bool = True) -> List[str]:
    """The error lines of ``text`` (with :data:`SENSOR` appended unless ``sensor`` is false)."""
    with pytest.raises(ConfigError) as info:
        load_config_text(text + (SENSOR if sensor else ""), "gate.yaml")
    return str(info.value).splitlines()


def test_a_file_with_only_its_sensor_gives_all_defaults_and_the_default_light() -> None:
    config = load_config_text(SENSOR, "gate.yaml")
    assert config.device.direction == "entry"
    assert config.thermal.type == "sim" and config.light.type == "log"
    assert config.card is None and config.mqtt is None
    assert config.signals.pass_.lamps == ["green"]


def test_a_file_must_name_its_thermal_sensor() -> None:
    # No default sensor: a real card reader would otherwise get simulated temperatures.
    want = ("expected a section with 'type:' naming the thermal sensor "
            f"({', '.join(registry.driver_types('thermal'))})")
    for text in ("", "\n", "# gate.yaml\n# thermal: {type: p2pro_uvc}\n"):
        assert errors(text, sensor=False) == [
            f"gate.yaml:1: thermal: the file has no settings (empty, only comments or null); {want}"]
    assert errors("# lane 1\ndevice:\n  id: g1\ncard:\n  type: rdm6300\n  port: /dev/ttyUSB0\n",
                  sensor=False) == [f"gate.yaml:2: thermal: missing section; {want}"]
    assert errors("device:\n  id: g1\nthermal:\n#  type: p2pro_uvc\ncard: {type: rdm6300, port: /dev/ttyS0}\n",
                  sensor=False) == [f"gate.yaml:3: thermal: empty section; {want}"]
    assert errors("thermal: ~\n", sensor=False) == [f"gate.yaml:1: thermal: empty section; {want}"]


def test_the_packaged_default_still_names_the_simulated_devices() -> None:
    config = load_config(None)
    assert config.thermal.type == "sim" and config.card.type == "sim"


def test_simulated_and_real_devices_do_not_mix() -> None:
    assert errors("thermal:\n  type: sim\ncard:\n  type: rdm6300\n  port: /dev/ttyUSB0\n", sensor=False) == [
        "gate.yaml:2: thermal.type: 'sim' is a simulated thermal source, but card type 'rdm6300' is a real "
        "reader: name the real thermal sensor (or use card type 'sim')"]
    (line,) = errors("thermal: {type: replay, path: rec.npz}\ncard: {type: hid_keyboard, device: /dev/input/x}\n",
                     sensor=False)
    assert line.startswith("gate.yaml:1: thermal.type: 'replay' is a simulated thermal source, but card type ")
    assert errors("thermal: {type: mlx90640_uart, port: /dev/ttyUSB0}\ncard:\n  type: sim\n", sensor=False) == [
        "gate.yaml:3: card.type: card type 'sim' taps the cards of simulated people: it needs thermal type "
        "'sim' or 'replay', not 'mlx90640_uart'"]
    assert load_config_text("thermal: {type: sim}\ncard: {type: sim}\n", "gate.yaml").card.type == "sim"


def test_values_are_typed_and_keys_map_to_fields() -> None:
    config = load_config_text(
        "device: {id: g7, direction: exit}\n"
        "light: {type: log, level: debug}\n"
        "screening: {fever_c: 38, stable_frames: 6, blackbody: {x: 1, y: 2, w: 3, h: 4}}\n"
        "signals:\n  pass: {lamps: [green, buzzer], seconds: 1.5}\n"
        "mqtt: {host: broker.school, port: 8883, protocol: 3.1.1, username: g7, password: {env: GATE_PW},"
        " tls_ca: ca.crt}\n"
        + SENSOR, "g.yaml")
    assert config.device.id == "g7" and config.device.direction == "exit"
    assert config.light.type == "log" and config.light.options.level == "debug"
    assert config.screening.fever_c == 38.0 and isinstance(config.screening.fever_c, float)
    assert config.screening.blackbody.w == 3 and config.screening.blackbody.setpoint_c == 35.0
    assert config.signals.pass_.lamps == ["green", "buzzer"] and config.signals.pass_.seconds == 1.5
    assert config.mqtt.port == 8883 and config.mqtt.protocol == "3.1.1"
    assert config.mqtt.password == SecretRef(env="GATE_PW")


def test_acceptance_typo_in_driver_type_key() -> None:
    lines = errors("device:\n  id: g1\nthermal: {typ: sim}\n", sensor=False)
    assert lines == ["gate.yaml:3: thermal.typ: unknown key; did you mean 'type'?"]


def test_driver_section_without_type() -> None:
    assert errors("light:\n  level: info\n") == [
        f"gate.yaml:2: light: missing required key 'type' (one of: {', '.join(registry.driver_types('light'))})"]


def test_unknown_section_suggests_the_near_one() -> None:
    assert errors("displya:\n  fps: 10\n") == ["gate.yaml:1: displya: unknown section; did you mean 'display'?"]
    (line,) = errors("weather: sunny\n")
    assert line.startswith("gate.yaml:1: weather: unknown section (allowed: device, thermal,")


def test_wrong_types() -> None:
    assert errors("lane:\n  leave_frames: 2.5\n  require_card: 1\ndisplay:\n  fps: fast\n  enabled: 'yes'\n") == [
        "gate.yaml:2: lane.leave_frames: expected a whole number, got '2.5'",
        "gate.yaml:3: lane.require_card: expected true or false, got '1'",
        "gate.yaml:5: display.fps: expected a number, got 'fast'",
        "gate.yaml:6: display.enabled: expected true or false, got 'yes'",
    ]
    assert errors("device: [a, b]\n") == ["gate.yaml:1: device: expected a mapping of settings (key: value), got a list"]
    assert errors("signals:\n  fever:\n    lamps: red\n") == ["gate.yaml:3: signals.fever.lamps: expected a list, got 'red'"]


def test_int_is_a_valid_float_and_text_keeps_its_spelling() -> None:
    config = load_config_text("device: {gate: 007}\nscreening: {fever_c: 38}\nmqtt: {protocol: 5}\n" + SENSOR, "x.yaml")
    assert config.device.gate == "007"
    assert config.screening.fever_c == 38.0 and isinstance(config.screening.fever_c, float)
    assert config.mqtt.protocol == "5"


def test_empty_section_means_defaults_and_empty_optional_means_absent() -> None:
    config = load_config_text("device:\nmqtt:\nscreening:\n  blackbody:\n" + SENSOR, "x.yaml")
    assert config.device.id == "gate-demo-1"
    assert config.mqtt is None and config.screening.blackbody is None


def test_literal_wrong_value_with_suggestion() -> None:
    assert errors("device:\n  direction: entyr\n") == [
        "gate.yaml:2: device.direction: 'entyr' is not allowed; use one of: entry, exit; did you mean 'entry'?"]
    assert errors("display: {language: fr}\n") == [
        "gate.yaml:1: display.language: 'fr' is not allowed; use one of: zh, en"]


def test_bounds() -> None:
    assert errors("signals:\n  fever:\n    blink_hz: 20\nmqtt:\n  port: 0\n") == [
        "gate.yaml:3: signals.fever.blink_hz: must be at most 10 (got 20)",
        "gate.yaml:5: mqtt.port: must be at least 1 (got 0)",
    ]


def test_inline_secret_is_rejected() -> None:
    assert errors("mqtt:\n  username: gate\n  password: hunter2\n") == [
        "gate.yaml:3: mqtt.password: secrets may not be inline; use {file: PATH}, {env: NAME} or {credential: NAME}"]


def test_secret_needs_exactly_one_source() -> None:
    assert errors("mqtt:\n  password: {file: /a, env: B}\n") == [
        "gate.yaml:2: mqtt.password: give exactly one of file, env or credential"]
    assert errors("mqtt:\n  password: {vault: x}\n")[0].startswith("gate.yaml:2: mqtt.password.vault: unknown key")


def test_missing_required_keys_reported_at_the_mapping() -> None:
    assert errors("screening:\n  blackbody:\n    x: 3\n    setpoint_c: 36\n") == [
        "gate.yaml:3: screening.blackbody: missing required keys 'y', 'w', 'h'"]


def test_yaml_syntax_error_has_the_parser_line() -> None:
    (line,) = errors("device:\n  id: g1\n  gate: [main\nstore: {}\n")
    assert line.startswith("gate.yaml:4: YAML syntax error: ")
    (line,) = errors("device:\n\tid: g1\n")
    assert line.startswith("gate.yaml:2: YAML syntax error: found character '\\t'")
    # An unclosed quote is found where the file ends: the message says where it starts.
    (line,) = errors('device:\n  id: "g1\n  site: s1\n')
    assert line.startswith("gate.yaml:") and "end of stream" in line and "that starts on line 2)" in line
    # A control character pasted from elsewhere: its line, not only a position in the text.
    assert errors("device:\n  id: g\x071\n") == [
        "gate.yaml:2: YAML syntax error: control character #x0007 (special characters are not allowed): "
        "retype the line"]


def test_duplicate_key() -> None:
    assert errors("store:\n  path: a.db\n  path: b.db\n") == [
        "gate.yaml:3: store.path: duplicate key (first given on line 2)"]


def test_all_errors_reported_at_once_in_file_order() -> None:
    lines = errors(
        "device:\n"
        "  direction: out\n"          # 2
        "thermal: {typ: sim}\n"       # 3
        "light: {type: lamp}\n"       # 4
        "screening:\n"
        "  fever_c: 50\n"             # 6
        "  offset: 0.3\n"             # 7
        "mqtt:\n"
        "  password: secret\n"        # 9
        "extra: 1\n", sensor=False)   # 10
    assert [line.split(": ")[0] for line in lines] == [f"gate.yaml:{n}" for n in (2, 3, 4, 6, 7, 9, 10)]
    assert "did you mean 'offset_c'?" in lines[4]


def test_unknown_driver_type_lists_the_available_ones() -> None:
    available = ", ".join(registry.driver_types("light"))
    assert errors("light:\n  type: quasar\n") == [
        f"gate.yaml:2: light.type: unknown light driver 'quasar' (available: {available})"]
    (line,) = errors("card:\n  type: rdm630\n")
    assert line.startswith("gate.yaml:2: card.type: unknown card driver 'rdm630'; did you mean 'rdm6300'? (available: ")
    (line,) = errors("light:\n  type: lcus\n")  # a shortened name: far by edit distance
    assert line.startswith("gate.yaml:2: light.type: unknown light driver 'lcus'; did you mean 'lcus_relay'?")


def test_driver_options_are_validated_against_the_driver_options() -> None:
    assert errors("light:\n  type: log\n  level: loud\n") == [
        "gate.yaml:3: light.level: 'loud' is not allowed; use one of: debug, info"]
    assert errors("light:\n  type: log\n  levle: debug\n") == [
        "gate.yaml:3: light.levle: unknown key; did you mean 'level'?"]


def test_missing_file_and_not_a_mapping(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    with pytest.raises(ConfigError) as info:
        load_config(str(missing))
    assert str(info.value) == f"{missing}: cannot read: No such file or directory"
    assert errors("- a\n- b\n", sensor=False) == [
        "gate.yaml:1: expected a mapping of settings (key: value), got a list"]


def test_issue_formatting() -> None:
    err = ConfigError([ConfigIssue("f.yaml", 9, "b", "two"), ConfigIssue("f.yaml", 2, "a.x", "one"),
                       ConfigIssue("f.yaml", None, "", "three")])
    assert str(err) == "f.yaml: three\nf.yaml:2: a.x: one\nf.yaml:9: b: two"


def test_demo_config_equals_the_packaged_default() -> None:
    demo = load_config(str(REPO / "config" / "demo.yaml"))
    default = load_config(None)
    assert isinstance(default, GateConfig) and demo == default
    assert default.thermal.type == "sim" and default.card.type == "sim" and default.light.type == "log"
    assert default.store.path == "data/gate-edge.db"
    assert (default.mqtt.host, default.mqtt.port) == ("127.0.0.1", 1883)
    assert default.policy.roster_file == "config/roster.demo.csv"
    assert (REPO / default.policy.roster_file).is_file()


def test_only_the_fever_light_may_wait_for_an_acknowledgement() -> None:
    assert errors("signals:\n  fever_timeout_s: 100\n  pass:\n    lamps: [green]\n    seconds: 0\n") == [
        "gate.yaml:5: signals.pass.seconds: 0 means until acknowledged, but only a fever is acknowledged: "
        "give pass a duration in seconds"]
    assert load_config_text("signals:\n  fever:\n    seconds: 0\n" + SENSOR, "gate.yaml").signals.fever.seconds == 0


def test_a_light_pattern_that_makes_a_fever_or_a_fault_look_like_a_pass_is_refused() -> None:
    """Audit 11b: `fever: {lamps: [green]}` and `fault: {lamps: []}` were accepted."""
    assert errors("signals:\n  fever:\n    lamps: [green]\n  fault:\n    lamps: []\n") == [
        "gate.yaml:3: signals.fever.lamps: green means go to the guard: only pass may light it",
        "gate.yaml:3: signals.fever.lamps: a fever must light red",
        "gate.yaml:5: signals.fault.lamps: a device fault must light a lamp: the guard screens by hand while it lasts"]
    assert errors("signals:\n  pass:\n    lamps: [green, red]\n  deny:\n    lamps: [green]\n") == [
        "gate.yaml:3: signals.pass.lamps: red means stop to the guard: a pass may not light it",
        "gate.yaml:5: signals.deny.lamps: green means go to the guard: only pass may light it"]
    lit = load_config_text("signals:\n  fever:\n    lamps: [red]\n  fault:\n    lamps: [red, yellow]\n" + SENSOR,
                           "gate.yaml").signals  # other choices stay the school's
    assert (lit.fever.lamps, lit.fault.lamps) == (["red"], ["red", "yellow"])


def test_a_fault_pattern_of_the_buzzer_alone_is_refused() -> None:
    """Review 11f: a buzzer is not a lamp: the fault would look like an idle light."""
    assert errors("signals: {fault: {lamps: [buzzer]}}\n") == [
        "gate.yaml:1: signals.fault.lamps: a device fault must light a lamp: the guard screens by hand while it lasts"]


def test_a_partial_signal_section_keeps_the_rest_of_that_verdicts_own_default() -> None:
    """`fever: {buzzer_seconds: 5}` once took the class defaults for the rest: no lamps,
    2 s. The fever light showed nothing."""
    default = load_config_text(SENSOR, "g.yaml").signals
    for text in ("signals:\n  fever:\n    buzzer_seconds: 5\n", "signals:\n  fever:\n"):
        fever = load_config_text(text + SENSOR, "g.yaml").signals.fever
        assert (fever.lamps, fever.blink_hz, fever.seconds) == (["red", "buzzer"], 2.0, 0.0), text
    assert load_config_text("signals:\n  fever:\n    buzzer_seconds: 5\n" + SENSOR, "g.yaml"
                            ).signals.fever.buzzer_seconds == 5.0
    signals = load_config_text("signals:\n  deny: {seconds: 5}\n  fault: {blink_hz: 2}\n" + SENSOR, "g.yaml").signals
    assert (signals.deny.lamps, signals.deny.seconds) == (default.deny.lamps, 5.0) == (["yellow", "red"], 5.0)
    assert (signals.fault.lamps, signals.fault.seconds, signals.fault.blink_hz) == (["yellow"], 0.0, 2.0)
    assert signals.pass_ == default.pass_ and signals.fever == default.fever


def test_checks_across_keys_blame_the_key_they_are_about() -> None:
    assert errors("signals:\n  fever_timeout_s: 100\n  fever:\n    seconds: 0\n    lamps:\n      - red\n"
                  "      - blu\n") == ["gate.yaml:5: signals.fever.lamps: unknown lamp 'blu'; lamps are "
                                      "red, yellow, green, buzzer"]
    assert errors("policy:\n  roster_file: r.csv\n  mode: dorm\n  dormitory: ''\n") == [
        "gate.yaml:4: policy.dormitory: mode dorm needs dormitory: the building name as written in the roster"]


def test_non_finite_numbers_are_rejected() -> None:
    # NaN compares false with everything: a NaN fever threshold would pass every fever.
    assert errors("screening:\n  fever_c: .nan\nlane:\n  pair_window_s: .inf\n  idle_tick_s: -.Inf\n"
                  "mqtt:\n  health_interval_s: .NaN\n") == [
        "gate.yaml:2: screening.fever_c: expected a finite number, got .nan",
        "gate.yaml:4: lane.pair_window_s: expected a finite number, got .inf",
        "gate.yaml:5: lane.idle_tick_s: expected a finite number, got -.Inf",
        "gate.yaml:7: mqtt.health_interval_s: expected a finite number, got .NaN",
    ]


def test_values_the_daemon_would_stop_on_are_config_errors() -> None:
    # check-config said ok and `run` then died with a traceback on each of these.
    assert errors("device:\n  timezone: Asia/Shangai\n") == [
        "gate.yaml:2: device.timezone: unknown time zone 'Asia/Shangai'; did you mean 'Asia/Shanghai'? "
        "(expected an IANA name such as Asia/Shanghai)"]
    for zone in ("", "Asia", "/etc/localtime", "../etc/passwd"):
        (line,) = errors(f"device: {{timezone: '{zone}'}}\n")
        assert line.startswith(f"gate.yaml:1: device.timezone: unknown time zone '{zone}'"), line
    assert errors("device:\n  direction: entry\npolicy:\n  mode: exit\n") == [
        "gate.yaml:4: policy.mode: 'exit' contradicts device.direction 'entry': leave mode out "
        "(it defaults to device.direction) or make them agree"]
    assert errors("display:\n  size: big\n") == [
        "gate.yaml:2: display.size: screen size 'big' is not WIDTHxHEIGHT, e.g. 1024x600"]
    assert errors("display: {size: 0x0}\n") == ["gate.yaml:1: display.size: screen size 0x0 is smaller than 320x240"]
    assert errors("display: {size: 1024x600x3}\n") == [
        "gate.yaml:1: display.size: screen size '1024x600x3' is not WIDTHxHEIGHT, e.g. 1024x600"]
    assert errors("display:\n  thermal_min_c: 50\n  thermal_max_c: 10\n") == [
        "gate.yaml:3: display.thermal_max_c: must be above thermal_min_c (50), got 10"]
    assert errors("display:\n  thermal_min_c: 45\n") == [  # the key not given: the section's first line
        "gate.yaml:2: display.thermal_max_c: must be above thermal_min_c (45), got 40"]


def test_a_time_zone_written_as_an_offset_or_a_chinese_name_is_pointed_at_asia_shanghai() -> None:
    # 'UTC' (one letter from 'UTC+8', and from 'CST' as 'UCT') would move the day change to 08:00.
    assert errors("device:\n  timezone: UTC+8\n") == [
        "gate.yaml:2: device.timezone: unknown time zone 'UTC+8'; did you mean 'Asia/Shanghai'? "
        "(an offset is not a time zone: China's IANA name is Asia/Shanghai, UTC+8)"]
    assert errors("device:\n  timezone: CST\n") == [
        "gate.yaml:2: device.timezone: unknown time zone 'CST'; did you mean 'Asia/Shanghai'? "
        "(the IANA name of China's time, UTC+8; 'CST' also stands for US Central time, America/Chicago)"]
    for zone in ("UTC+8", "GMT+8", "+08:00", "UTC+08:00", "utc +8", "+0800", "CST", "CST-8", "Beijing",
                 "Asia/Beijing", "China", "Bejing", "北京时间"):
        (line,) = errors(f"device: {{timezone: '{zone}'}}\n")
        assert line.startswith(f"gate.yaml:1: device.timezone: unknown time zone '{zone}'; "
                               "did you mean 'Asia/Shanghai'?"), line
    for zone in ("UTC+9", "GMT-5", "+05:30", "UTC8"):  # another offset: what to write instead, no guess
        (line,) = errors(f"device: {{timezone: '{zone}'}}\n")
        assert line == (f"gate.yaml:1: device.timezone: unknown time zone '{zone}'; an offset is not a time zone: "
                        "expected the IANA name of the school's place, e.g. Asia/Shanghai for UTC+8"), line
    # Nothing that is only an offset is guessed for what is not one ('PST' once got 'MST').
    for zone in ("UTC+8", "GMT+8", "CST", "UTC+9", "PST", "UTX", "Z", "/etc/localtime"):
        (line,) = errors(f"device: {{timezone: '{zone}'}}\n")
        assert not any(f"'{z}'" in line.split("did you mean")[-1] for z in ("UTC", "UCT", "GMT", "GMT+0", "MST",
                                                                              "NZ", "localtime")), line
    # A zero offset is UTC, and typos of place names still get their edit-distance answer.
    assert errors("device: {timezone: 'UTC+0'}\n")[0].endswith("did you mean 'UTC'? "
                                                               "(expected an IANA name such as Asia/Shanghai)")
    assert "did you mean 'Asia/Chongqing'?" in errors("device: {timezone: Asia/Chongqin}\n")[0]
    assert "did you mean 'Europe/Berlin'?" in errors("device: {timezone: Europe/Berln}\n")[0]


def test_an_etc_gmt_zone_whose_sign_reads_the_wrong_way_is_refused() -> None:
    """Etc/GMT+8 loads, and is UTC-8: a technician writing it for China's UTC+8 put the day
    change 16 hours off."""
    assert errors("device:\n  timezone: Etc/GMT+8\n") == [
        "gate.yaml:2: device.timezone: 'Etc/GMT+8' is UTC-8, not UTC+8 (the Etc/ names reverse the sign): give the"
        " IANA name of the school's place instead, e.g. Asia/Shanghai for UTC+8"]
    # Etc/GMT-8 is UTC+8, right for China: someone who knew the rule set it so, and it runs.
    assert load_config_text("device: {timezone: Etc/GMT-8}\n" + SENSOR, "g.yaml").device.timezone == "Etc/GMT-8"
    assert load_config_text("device: {timezone: Etc/UTC}\n" + SENSOR, "g.yaml").device.timezone == "Etc/UTC"


def test_values_the_daemon_accepts_still_load() -> None:
    config = load_config_text("device: {timezone: UTC, direction: exit}\npolicy: {mode: exit}\n"
                              "display: {size: 800x480, thermal_min_c: 25, thermal_max_c: 38}\n" + SENSOR, "g.yaml")
    assert (config.device.timezone, config.policy.mode, config.display.size) == ("UTC", "exit", "800x480")


def test_topic_levels_are_checked() -> None:
    # device.id, device.site and mqtt.topic_prefix build the topics: '/', '+', '#' or an empty
    # level put the alerts where the school's collector never subscribes.
    level = "expected one MQTT topic level (not empty, no '/', '+' or '#')"
    assert errors("device:\n  id: gate/1\n  site: ''\n") == [
        f"gate.yaml:2: device.id: '/' is not allowed; {level}",
        f"gate.yaml:3: device.site: got empty text; {level}"]
    assert errors("device: {id: 'gate+1', site: 'school#2'}\n") == [
        f"gate.yaml:1: device.id: '+' is not allowed; {level}",
        f"gate.yaml:1: device.site: '#' is not allowed; {level}"]
    assert errors('device: {id: "a\\0b"}\n') == [f"gate.yaml:1: device.id: '\\x00' is not allowed; {level}"]
    prefix = "expected MQTT topic levels joined by '/', none empty, no '+' or '#' (e.g. gate-edge or school/gates)"
    for value, problem in (("''", "got empty text"), ("a//b", "'a//b' has an empty level"),
                           ("/gates", "'/gates' has an empty level"), ("gates/", "'gates/' has an empty level"),
                           ("gates/+", "'+' is not allowed"), ("'#'", "'#' is not allowed")):
        assert errors(f"mqtt:\n  topic_prefix: {value}\n") == [f"gate.yaml:2: mqtt.topic_prefix: {problem}; {prefix}"]
    assert errors("mqtt:\n  host: ''\n") == [
        "gate.yaml:2: mqtt.host: expected the broker's host name or address, got empty text"]


def test_topic_prefix_may_have_several_levels() -> None:
    config = load_config_text("device: {id: north-1, site: school_7}\nmqtt: {topic_prefix: city/schools}\n" + SENSOR,
                              "g.yaml")
    assert (config.mqtt.topic_prefix, config.device.id, config.device.site) == ("city/schools", "north-1", "school_7")


def test_mqtt_keys_that_would_be_ignored_or_misused() -> None:
    assert errors("mqtt:\n  host: b.example\n  password: {env: GATE_PW}\n") == [
        "gate.yaml:3: mqtt.password: a password is sent only with a user name: set username, or leave password out"]
    assert errors("mqtt:\n  backoff_min_s: 30\n  backoff_max_s: 10\n") == [
        "gate.yaml:2: mqtt.backoff_min_s: must not be above backoff_max_s (10), got 30"]
    assert errors("mqtt:\n  tls_cert: gate.crt\n  tls_key: gate.key\n") == [  # no tls_ca: no TLS at all
        "gate.yaml:2: mqtt.tls_cert: a client certificate is used only over TLS, which tls_ca switches on: "
        "set tls_ca (the CA that signed the broker's certificate)"]
    assert errors("mqtt: {tls_ca: ca.crt, tls_key: gate.key, password: {env: PW}}\n") == [
        "gate.yaml:1: mqtt.password: a password is sent only with a user name: set username, or leave password out",
        "gate.yaml:1: mqtt.tls_key: a client key needs its certificate: set tls_cert"]
    # A certificate file that holds its key too (one PEM): ssl and paho take it without tls_key.
    assert load_config_text("mqtt: {tls_ca: ca.crt, tls_cert: gate.pem}\n" + SENSOR, "g.yaml").mqtt.tls_key is None
    config = load_config_text("mqtt: {username: g1, password: {env: PW}, backoff_min_s: 5, backoff_max_s: 5, "
                              "tls_ca: ca.crt, tls_cert: g.crt, tls_key: g.key}\n" + SENSOR, "g.yaml")
    assert (config.mqtt.username, config.mqtt.tls_key, config.mqtt.backoff_max_s) == ("g1", "g.key", 5.0)


def test_a_password_never_crosses_the_network_in_clear_text_unless_the_wire_is_declared_trusted() -> None:
    assert errors("mqtt:\n  host: broker.school.lan\n  username: g1\n  password: {env: GATE_PW}\n") == [
        "gate.yaml:4: mqtt.password: would cross the network to broker.school.lan in clear text (no TLS): set "
        "tls_ca (the CA of the broker's certificate; port 8883 in config/mosquitto/site.conf), or "
        "plaintext_password: true for a trusted wire"]
    # port 8883 alone is no TLS: tls_ca switches it on (the CONNECT would go out before the refusal)
    assert len(errors("mqtt: {host: 10.0.0.5, port: 8883, username: g1, password: {env: PW}}\n")) == 1
    for fine in ("mqtt: {host: broker.school.lan, username: g1, password: {env: PW}, tls_ca: ca.crt}\n",
                 "mqtt: {host: broker.school.lan, username: g1, password: {env: PW}, plaintext_password: true}\n",
                 "mqtt: {host: 127.0.0.1, username: g1, password: {env: PW}}\n",
                 "mqtt: {host: localhost, username: g1, password: {env: PW}}\n",
                 "mqtt: {host: '::1', username: g1, password: {env: PW}}\n",
                 "mqtt: {host: broker.school.lan, username: g1}\n"):  # no password: nothing to leak
        assert load_config_text(fine + SENSOR, "g.yaml").mqtt is not None, fine


def test_fever_line_and_plausibility_limits_must_leave_room_for_a_fever() -> None:
    """fever_c 38.5 with max_body_c 38 was accepted: every fever became RETRY (implausible)."""
    assert errors("screening:\n  fever_c: 38.5\n  max_body_c: 38\n") == [
        "gate.yaml:2: screening.fever_c: must lie between min_body_c (34.5) and max_body_c (38), else no fever can "
        "be found; got 38.5"]
    assert len(errors("screening: {fever_c: 36, min_body_c: 36.5}\n")) == 1
    assert errors("screening:\n  cold_skin_c: 40\n  max_skin_c: 38\n") == [
        "gate.yaml:2: screening.cold_skin_c: must be below max_skin_c (38), else every reading is too cold or too "
        "hot; got 40"]
    assert load_config_text("screening: {fever_c: 37.9, max_body_c: 38}\n" + SENSOR, "g.yaml").screening.fever_c == 37.9


def test_values_that_load_but_name_nothing_usable_are_refused() -> None:
    """Found by review 9b: each passed check-config, then the daemon stopped or retried for ever."""
    assert errors("store: {path: ''}\n") == [
        "gate.yaml:1: store.path: expected a file path, got empty text (leave the key out, or empty, for 'not set')"]
    assert errors("policy: {roster_file: ''}\nscreening: {calibration_file: ' '}\n") == [
        "gate.yaml:1: policy.roster_file: expected a file path, got empty text (leave the key out, or empty, "
        "for 'not set')",
        "gate.yaml:2: screening.calibration_file: expected a file path, got empty text (leave the key out, or "
        "empty, for 'not set')"]
    assert errors("mqtt: {host: 'mqtt://broker:1883'}\n")[0].startswith(
        "gate.yaml:1: mqtt.host: expected a host name or address, got 'mqtt://broker:1883': no scheme or path")
    assert errors("mqtt: {host: 'broker.school.lan:8883'}\n") == [
        "gate.yaml:1: mqtt.host: expected a host name or address, got 'broker.school.lan:8883': give the port in "
        "mqtt.port"]
    assert load_config_text("mqtt: {host: 'fd00::5'}\n" + SENSOR, "g.yaml").mqtt.host == "fd00::5"
    assert load_config_text("mqtt: {host: 'fe80::1%eth0'}\n" + SENSOR, "g.yaml").mqtt.host == "fe80::1%eth0"
    assert errors("mqtt: {host: '[::1]'}\n") == [  # the client would look '[::1]' up as a name
        "gate.yaml:1: mqtt.host: expected a host name or address, got '[::1]': write an IPv6 address without "
        "brackets"]
    assert errors("store: {retention_days: 1:30}\nlane: {pair_window_s: 1:30.5}\n") == [
        "gate.yaml:1: store.retention_days: expected a whole number, got 1:30 (YAML reads it as a base-60 number); "
        "write the number itself",
        "gate.yaml:2: lane.pair_window_s: expected a number, got 1:30.5 (YAML reads it as a base-60 number); "
        "write the number itself"]


def test_driver_option_errors_name_their_key_and_line() -> None:
    """Found by review 9b: the drivers' constructors checked these, so check-config said only
    "thermal: driver ... cannot be set up" with no line, key or "did you mean"."""
    assert errors("thermal:\n  type: mlx90640_uart\n  rate_hz: 3\n  baud: 57600\n", sensor=False) == [
        "gate.yaml:3: thermal.rate_hz: must be one of 0.5, 1, 2, 4, 8 Hz (got 3)",
        "gate.yaml:4: thermal.baud: must be one of 9600, 115200, 460800 (got 57600)"]
    assert errors("thermal:\n  type: sim\n  sensor: p2pr\n", sensor=False) == [
        "gate.yaml:3: thermal.sensor: unknown sensor 'p2pr'; did you mean 'p2pro'? (one of lepton35, mlx90640, p2pro)"]
    assert errors("light:\n  type: lcus_relay\n  port: /dev/ttyUSB2\n  red_channel: 2\n") == [  # green's default is 2
        "gate.yaml:2: light.green_channel: channel 2 is also red_channel's: two lamps cannot share a relay "
        "(0 = not wired)",
        "gate.yaml:4: light.red_channel: channel 2 is also green_channel's: two lamps cannot share a relay "
        "(0 = not wired)"]
    assert errors("light:\n  type: gpio\n  red_line: 5\n  green_line: 5\n") == [
        "gate.yaml:3: light.red_line: line 5 is also green_line's: two lamps cannot share a line",
        "gate.yaml:4: light.green_line: line 5 is also red_line's: two lamps cannot share a line"]
    assert errors("light:\n  type: gpio\n") == [
        "gate.yaml:2: light.red_line: no lamp has a GPIO line: set red_line, yellow_line, green_line and/or "
        "buzzer_line"]
    # Review 9f: a noise-free sim renders identical empty frames, which the lane takes for a frozen sensor.
    assert errors("thermal: {type: sim, noise_c: 0}\n", sensor=False) == [
        "gate.yaml:1: thermal.noise_c: must be at least 0.01 (got 0)"]
    assert errors("device: {ID: g1}\n") == [
        "gate.yaml:1: device.ID: unknown key; did you mean 'id'?"]


def test_a_relay_light_with_no_lamp_wired_is_refused() -> None:
    assert errors("light:\n  type: lcus_relay\n  port: /dev/ttyUSB2\n  red_channel: 0\n  yellow_channel: 0\n"
                  "  green_channel: 0\n  buzzer_channel: 0\n") == [
        "gate.yaml:4: light.red_channel: no lamp is wired: set red_channel, yellow_channel, green_channel and/or "
        "buzzer_channel (0 = not wired)"]
