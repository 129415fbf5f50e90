"""Store-and-forward to the school's MQTT broker, roster downlink, and the school-side collector."""
from __future__ import annotations
