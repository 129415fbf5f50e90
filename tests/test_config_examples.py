"""The shipped example configs stay valid, and bad lamp names are config errors."""
from __future__ import annotations

from pathlib import Path

import pytest

from edge.settings.errors import ConfigError
from edge.settings.loader import load_config, load_config_text

ROOT = Path(__file__).resolve().parent.parent


def test_gate_example_is_valid():
    config = load_config(str(ROOT / "config" / "gate.example.yaml"))
    assert config.thermal.type == "p2pro_uvc" and config.card.type == "rdm6300"
    assert config.screening.blackbody is not None and config.mqtt.port == 8883


def test_unknown_lamp_is_reported_with_line():
    with pytest.raises(ConfigError) as err:
        load_config_text("signals:\n  fever:\n    lamps: [red, blue]\n", "g.yaml")
    assert "g.yaml:" in str(err.value) and "signals.fever" in str(err.value) and "blue" in str(err.value)
