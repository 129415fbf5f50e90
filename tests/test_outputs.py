"""What the lane's passages become outside the store: the console line, the log line and
the temperature the guard reads."""
from __future__ import annotations

import dataclasses
import logging

import pytest
from sync_producer import make_record

from edge.outputs import LaneOutputs, LiveState
from edge.record import shown_c
from edge.screen.canned import canned_view
from edge.screen.render import make_renderer
from edge.verdict import Verdict


@pytest.mark.parametrize("value,shown", [(37.27, "37.2"), (37.3, "37.3"), (37.299, "37.2"), (36.99, "36.9"),
                                         (38.0, "38.0"), (37.30000001, "37.3")])
def test_a_temperature_is_shown_rounded_down(value: float, shown: str) -> None:
    """Under a 37.3 fever line 37.27 passes: it must not read 37.3 beside PASS."""
    assert shown_c(value) == shown


def test_the_log_line_names_no_one_and_no_temperature(capsys, caplog) -> None:
    caplog.set_level(logging.INFO, logger="edge.outputs")
    record = dataclasses.replace(make_record(1, Verdict.DENY, card="04A1B2C3D4", person_id="S2026-0413"),
                                 reasons=("quarantine",), body_c=37.27)
    LaneOutputs(None, None, LiveState(), console=True).on_passage(record, None)
    console = capsys.readouterr().out
    assert "S2026-0413" in console and "37.2C" in console and "DENY (quarantine)" in console
    (line,) = [r.getMessage() for r in caplog.records if r.name == "edge.outputs"]
    assert line.endswith("DENY (quarantine)")
    assert "S2026" not in line and "37" not in line.split(" ", 2)[2] and "D4" not in line


def test_the_guard_screen_shows_the_rounded_down_temperature() -> None:
    view = dataclasses.replace(canned_view("pass"), body_c=37.27)
    out = make_renderer("en", "800x480").render_layers(view)
    assert any("37.2°C" in text for _region, _box, text in out.boxes)
    assert not any("37.3" in text for _region, _box, text in out.boxes)
