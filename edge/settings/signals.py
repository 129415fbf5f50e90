from __future__ import annotations

import dataclasses
from typing import List

from drivers.base import LAMPS
from edge.settings.errors import FieldError
from edge.settings.fields import setting


@dataclasses.dataclass
class LightPattern:
    """What the light does for one verdict."""

    lamps: List[str] = setting(factory=list, doc="Lamps to light: red, yellow, green, buzzer.")
    blink_hz: float = setting(0.0, min=0, max=10, doc="0 = steady; otherwise blink at this rate.")
    seconds: float = setting(2.0, min=0, max=3600, doc="How long the pattern lasts; 0 = until acknowledged (fever only).")
    buzzer_seconds: float = setting(0.0, min=0, max=3600, doc="Buzzer time within the pattern (0 = as long as the pattern, when 'buzzer' is in lamps).")

    def __post_init__(self) -> None:
        unknown = [lamp for lamp in self.lamps if lamp not in LAMPS]
        if unknown:
            raise FieldError([("lamps", f"unknown lamp {unknown[0]!r}; lamps are {', '.join(LAMPS)}")])


def _pattern(lamps: List[str], blink_hz: float = 0.0, seconds: float = 2.0, buzzer_seconds: float = 0.0):
    return lambda: LightPattern(list(lamps), blink_hz, seconds, buzzer_seconds)


@dataclasses.dataclass
class SignalSettings:
    """Light and buzzer pattern per verdict."""

    pass_: LightPattern = setting(factory=_pattern(["green"], 0, 2), doc="Verdict 'pass' (YAML key: pass).")
    fever: LightPattern = setting(factory=_pattern(["red", "buzzer"], 2, 0, 10), doc="Verdict 'fever': until acknowledged (seconds: 0) or a timeout.")
    retry: LightPattern = setting(factory=_pattern(["yellow"], 0, 2), doc="Verdict 'retry'.")
    deny: LightPattern = setting(factory=_pattern(["yellow", "red"], 0, 3), doc="Verdict 'deny'.")
    fault: LightPattern = setting(factory=_pattern(["yellow"], 1, 0), doc="A required device is down: lasts while the fault does.")
    fever_timeout_s: float = setting(120.0, min=0, max=3600, doc="Fever pattern ends after this if nobody acknowledges (0 = never).")

    def __post_init__(self) -> None:
        # The guard's acknowledgement ends only the fever pattern: 0 (until acknowledged) on
        # another verdict would keep its light on for good and hide the fault pattern.
        endless = [name for name, pattern in (("pass", self.pass_), ("retry", self.retry), ("deny", self.deny))
                   if pattern.seconds == 0]
        if endless:
            raise FieldError([(f"{endless[0]}.seconds", "0 means until acknowledged, but only a fever is "
                                                        f"acknowledged: give {endless[0]} a duration in seconds")])
        # A guard reads the light at a glance: a fever or a fault must never look like a pass.
        wrong = [(f"{name}.lamps", "green means go to the guard: only pass may light it")
                 for name, pattern in (("fever", self.fever), ("retry", self.retry), ("deny", self.deny),
                                       ("fault", self.fault)) if "green" in pattern.lamps]
        if "red" not in self.fever.lamps:
            wrong.append(("fever.lamps", "a fever must light red"))
        if "red" in self.pass_.lamps:
            wrong.append(("pass.lamps", "red means stop to the guard: a pass may not light it"))
        if not [lamp for lamp in self.fault.lamps if lamp != "buzzer"]:
            wrong.append(("fault.lamps", "a device fault must light a lamp: the guard screens by hand while it lasts"))
        if wrong:
            raise FieldError(wrong)
