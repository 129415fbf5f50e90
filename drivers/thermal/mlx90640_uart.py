"""GY-MCU90640 (MLX90640 32x24 behind an MCU) streaming over UART (DESIGN.md section 3).

At every (re)connect the driver tells the module its baud, frame rate and auto output,
then reads 1544-byte frames through the resynchronizing scanner of the serial base.
"""
from __future__ import annotations

import dataclasses
import logging
import time
from typing import Any, Dict, Optional, Tuple

from drivers.base import AccuracyClass, ThermalFrame, ThermalSource
from drivers.serialport import SerialDevice, SerialOptions
from drivers.thermal import mlx90640_frame as wire
from edge.settings.errors import raise_problems
from edge.settings.fields import setting

log = logging.getLogger(__name__)

# The MCU needs a moment to switch its UART after the baud command.
_BAUD_SWITCH_S = 0.05


@dataclasses.dataclass
class Options(SerialOptions):
    port: str = setting("/dev/gate-edge/thermal", doc="Serial port; use /dev/gate-edge/... or /dev/serial/by-id/...")
    baud: int = setting(460800, min=9600, max=460800,
                        doc="Line speed to run at: 9600, 115200 or 460800 (8 Hz needs 460800).")
    start_baud: int = setting(115200, min=9600, max=460800,
                              doc="Speed the module powers up at; the baud command is sent at this speed "
                                  "(set equal to baud to skip the switch).")
    rate_hz: float = setting(8.0, min=0.5, max=8.0, doc="Frame rate: 0.5, 1, 2, 4 or 8 Hz.")
    configure: bool = setting(True, doc="Send baud, rate and auto-output commands at every connect.")
    emissivity: Optional[float] = setting(None, min=0.1, max=1.0,
                                          doc="Emissivity to set on the module (skin: 0.98); empty = leave as is.")
    mirror: bool = setting(False, doc="Flip left-right (some units stream a mirrored image).")

    def __post_init__(self) -> None:
        # The module knows these codes only (DESIGN.md section 3); anything else between the
        # bounds would be sent as a command it cannot follow.
        bauds = ", ".join(str(b) for b in sorted(wire.BAUD_CODES))
        rates = ", ".join(f"{r:g}" for r in sorted(wire.RATE_CODES))
        raise_problems([(key, f"must be one of {bauds} (got {value})")
                        for key, value in (("baud", self.baud), ("start_baud", self.start_baud))
                        if value not in wire.BAUD_CODES]
                       + ([("rate_hz", f"must be one of {rates} Hz (got {self.rate_hz:g})")]
                          if float(self.rate_hz) not in wire.RATE_CODES else []))


class Mlx90640Uart(SerialDevice, ThermalSource):
    type_name = "mlx90640_uart"
    Options = Options
    accuracy = AccuracyClass.REFERENCE_REQUIRED
    nominal_fps = 8.0
    warmup_minutes = 5.0

    def __init__(self, options: Options, context) -> None:
        super().__init__(options, context)
        self._scan = wire.new_scanner()

    def frame_size(self) -> Tuple[int, int]:
        return wire.COLS, wire.ROWS

    def reading_settings(self) -> Dict[str, Any]:
        # The module reports temperatures already corrected for its emissivity. None: not
        # set by us, the module keeps its own (0.95 from the factory, or what was set before).
        return {"type": self.type_name, "emissivity": self.options.emissivity if self.options.configure else None}

    def start_commands(self) -> bytes:
        """Everything sent after the baud switch (exact bytes; tests and doctor show them)."""
        out = wire.cmd_rate(self.options.rate_hz)
        if self.options.emissivity is not None:
            out += wire.cmd_emissivity(self.options.emissivity)
        return out + wire.cmd_auto_output()

    def _serial_connected(self) -> None:
        self._scan.clear()
        opts = self.options
        if not opts.configure:
            return
        if opts.start_baud != opts.baud:
            if not (self.serial_set_baud(opts.start_baud) and self.serial_write(wire.cmd_baud(opts.baud))):
                return
            time.sleep(_BAUD_SWITCH_S)
            if not self.serial_set_baud(opts.baud):
                return
        # Sent one command at a time: the MCU parses 4-byte commands from its UART buffer.
        cmds = self.start_commands()
        for i in range(0, len(cmds), 4):
            if not self.serial_write(cmds[i:i + 4]):
                return
        self.serial_discard_input()

    def read(self, timeout: float) -> Optional[ThermalFrame]:
        deadline = time.monotonic() + timeout
        while True:
            frame = self.read_frame(self._scan, deadline)
            if frame is None:
                return None
            parsed = wire.parse_frame(frame, mirror=self.options.mirror)
            if parsed is None:  # read_frame returns verified frames only
                continue
            celsius, ambient = parsed
            return ThermalFrame(t=time.monotonic(), celsius=celsius, ambient_c=ambient)
