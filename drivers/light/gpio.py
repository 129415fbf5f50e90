"""Lamps on Raspberry Pi GPIO lines through libgpiod v2 (optional extra ``gpio``).

``gpiod`` is imported inside :meth:`open`, so configs without GPIO never need it.
Relay HATs are often active-low: ``active_low`` lets the kernel invert the lines, so
"on" is always the logical active value.
"""
from __future__ import annotations

import dataclasses
import logging
import threading
from typing import Any, Dict, FrozenSet, Optional

from drivers.base import LAMPS, DeviceState, Lamps, Light, OFF
from edge.settings.errors import FieldError, raise_problems
from edge.settings.fields import setting

log = logging.getLogger(__name__)


@dataclasses.dataclass
class Options:
    chip: str = setting("/dev/gpiochip0", doc="GPIO chip device (Raspberry Pi 5: /dev/gpiochip4 on old kernels).")
    red_line: Optional[int] = setting(None, min=0, max=1023,
                                      doc="Line offset (BCM number) of the red lamp; empty = none.")
    yellow_line: Optional[int] = setting(None, min=0, max=1023, doc="Line offset of the yellow lamp; empty = none.")
    green_line: Optional[int] = setting(None, min=0, max=1023, doc="Line offset of the green lamp; empty = none.")
    buzzer_line: Optional[int] = setting(None, min=0, max=1023, doc="Line offset of the buzzer; empty = none.")
    active_low: bool = setting(False, doc="Lines are active-low (most relay HATs): on drives the pin low.")
    consumer: str = setting("gate-edge", doc="Consumer label shown by gpioinfo.")

    def __post_init__(self) -> None:
        keys = [f"{name}_line" for name in LAMPS]
        if all(getattr(self, key) is None for key in keys):  # a light that can show nothing, yet reports ok
            raise FieldError([("red_line", "no lamp has a GPIO line: set red_line, yellow_line, green_line "
                                           "and/or buzzer_line")])
        lines = {key: getattr(self, key) for key in keys}
        raise_problems([(key, f"line {line} is also {', '.join(k for k, n in lines.items() if n == line and k != key)}"
                              "'s: two lamps cannot share a line")
                        for key, line in lines.items() if line is not None and list(lines.values()).count(line) > 1])


class GpioLight(Light):
    type_name = "gpio"
    Options = Options

    def __init__(self, options: Options, context) -> None:
        super().__init__(options, context)
        self.lines: Dict[str, int] = {name: int(getattr(options, f"{name}_line")) for name in LAMPS
                                      if getattr(options, f"{name}_line") is not None}
        self.wanted: Lamps = OFF
        self._request: Any = None
        self._gpiod: Any = None
        self._lock = threading.Lock()

    def describe(self) -> str:
        pins = ", ".join(f"{name}={line}" for name, line in self.lines.items())
        return f"gpio on {self.options.chip} ({pins}{', active-low' if self.options.active_low else ''})"

    @classmethod
    def device_path(cls, options: Any) -> str:
        return str(options.chip)

    @classmethod
    def wired_lamps(cls, options: Options) -> FrozenSet[str]:
        return frozenset(name for name in LAMPS if getattr(options, f"{name}_line") is not None)

    def open(self) -> None:
        with self._lock:
            self._connect()

    def close(self) -> None:
        with self._lock:
            self._release()
            self._set_state(DeviceState.DOWN, "closed")

    def apply(self, lamps: Lamps) -> None:
        with self._lock:
            self.wanted = lamps
            if self._request is None and not self._connect():
                return
            try:
                self._request.set_values(self._values(lamps))
                self.count("writes")
            except OSError as exc:
                self._release()
                self._set_state(DeviceState.RECONNECTING, f"set_values failed: {exc}")
                log.warning("gpio: %s", exc)

    def _values(self, lamps: Lamps) -> Dict[int, Any]:
        value = self._gpiod.line.Value
        return {line: value.ACTIVE if getattr(lamps, name) else value.INACTIVE for name, line in self.lines.items()}

    def _connect(self) -> bool:
        try:
            import gpiod  # optional extra: pip install gate-edge[gpio]
            from gpiod.line import Direction
        except ImportError as exc:
            self._set_state(DeviceState.DOWN, f"python gpiod v2 missing ({exc}): pip install 'gate-edge[gpio]'")
            return False
        self._gpiod = gpiod
        try:
            settings = gpiod.LineSettings(direction=Direction.OUTPUT, active_low=self.options.active_low,
                                          output_value=gpiod.line.Value.INACTIVE)
            config = {tuple(self.lines.values()): settings} if self.lines else {}
            self._request = gpiod.request_lines(self.options.chip, consumer=self.options.consumer, config=config)
            if self.lines:
                self._request.set_values(self._values(self.wanted))
        except (OSError, ValueError) as exc:
            self._release()
            self._set_state(DeviceState.RECONNECTING, f"cannot request lines on {self.options.chip}: {exc}")
            log.warning("gpio: cannot request lines on %s: %s", self.options.chip, exc)
            return False
        self._set_state(DeviceState.OK, "")
        return True

    def _release(self) -> None:
        request, self._request = self._request, None
        if request is not None:
            try:
                request.release()
            except OSError as exc:
                log.debug("gpio release failed: %s", exc)
