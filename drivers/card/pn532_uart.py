"""NXP PN532 NFC reader over UART/HSU (115200, DESIGN.md section 3).

Start-up (after every reconnect or missed ACK): wake-up bytes + SAMConfiguration,
GetFirmwareVersion, RFConfiguration MaxRetries. Then InListPassiveTarget is polled;
every command must be ACKed first: a missing ACK means the chip went back to sleep or
lost sync, so the next command is sent behind a new wake-up and the start-up repeats.
"""
from __future__ import annotations

import dataclasses
import logging
import time
from typing import Optional

from drivers.base import CardEvent, CardReader, DeviceState
from drivers.card import pn532_frames as pf
from drivers.card.common import Debouncer, card_event
from drivers.framing import FrameScanner
from drivers.serialport import SerialDevice, SerialOptions
from edge.settings.fields import setting

log = logging.getLogger(__name__)

#: Start-ups in a row without an answer before the reader is reported not ok: the port is
#: there but the chip is unpowered, miswired or at another baud.
SILENT_LIMIT = 3


@dataclasses.dataclass
class Options(SerialOptions):
    baud: int = setting(115200, min=9600, max=921600, doc="HSU line speed (115200 after power-up).")
    poll_interval: float = setting(0.15, min=0.0, max=5.0, doc="Seconds between InListPassiveTarget polls.")
    ack_timeout: float = setting(0.1, min=0.01, max=2.0, doc="Seconds to wait for the ACK of a command.")
    reply_timeout: float = setting(1.0, min=0.05, max=10.0, doc="Seconds to wait for a command's reply.")
    debounce: float = setting(1.0, min=0.0, max=60.0,
                              doc="Seconds a card must be away before it counts as a new presentation.")


class Pn532UartReader(SerialDevice, CardReader):
    type_name = "pn532_uart"
    Options = Options

    def __init__(self, options: Options, context) -> None:
        super().__init__(options, context)
        self._scan = FrameScanner(pf.START, pf.frame_length, pf.verify, max_frame=300)
        self._debounce = Debouncer(options.debounce)
        self._need_init = True
        self._next_poll = 0.0
        self._init_failures = 0
        #: (IC, version, revision, support) from GetFirmwareVersion, for doctor.
        self.firmware: Optional[bytes] = None

    def _serial_connected(self) -> None:
        self._scan.clear()
        self._need_init = True

    def describe(self) -> str:
        fw = f", firmware {self.firmware.hex()}" if self.firmware else ""
        return super().describe() + fw

    # -- transactions ----------------------------------------------------------------
    def _command(self, command: bytes, wake: bool = False) -> Optional[bytes]:
        """Send ``command``; the reply payload (D5, code+1, data) or None.

        May outlast the caller's read timeout by up to ack_timeout + reply_timeout.
        """
        self._scan.clear()
        self.serial_discard_input()
        frame = pf.build(command)
        if not self.serial_write((pf.WAKE + frame) if wake else frame):
            return None
        now = time.monotonic()
        # Not cut short by the caller's deadline: a half-awaited ACK would look missed and
        # cost a needless re-wake. Both waits are bounded by their own (short) timeouts.
        ack = self._await(lambda kind, _: kind in ("ack", "nack"), now + self.options.ack_timeout)
        if ack is None or ack[0] != "ack":
            self.count("missed_ack")
            if not self._need_init:  # first miss after working: later ones show in the state
                log.warning("pn532: no ACK for command %02X; waking the chip again", command[0])
            self._need_init = True
            return None
        want = command[0] + 1
        reply = self._await(lambda kind, p: kind == "data" and len(p) >= 2 and p[0] == pf.TFI_CHIP
                            and p[1] == want, now + self.options.reply_timeout)
        if reply is None:
            self.count("reply_timeouts")
            # An ACK from the host aborts the command the chip may still be working on.
            self.serial_write(pf.ACK)
            return None
        return reply[1]

    def _await(self, match, until: float):
        while True:
            frame = self.read_frame(self._scan, until)
            if frame is None:
                return None
            kind, payload = pf.parse(frame)
            if match(kind, payload):
                return kind, payload
            self.count("unexpected_frames")

    def _init(self) -> bool:
        sam = self._command(pf.SAM_CONFIGURATION, wake=True)
        fw = self._command(pf.GET_FIRMWARE_VERSION) if sam is not None else None
        if fw is None or self._command(pf.RF_MAX_RETRIES) is None:
            self._init_failures += 1
            if self._init_failures >= SILENT_LIMIT and self.connected:
                self._set_state(DeviceState.RECONNECTING,
                                "PN532 not answering: check power, wiring (HSU mode) and baud")
            return False
        if fw[2:] != self.firmware:
            self.firmware = fw[2:]
            log.info("pn532: firmware %s", fw[2:].hex())
        self._init_failures = 0
        self._need_init = False
        self._set_state(DeviceState.OK, "")
        return True

    # -- CardReader ----------------------------------------------------------------------
    def read(self, timeout: float) -> Optional[CardEvent]:
        deadline = time.monotonic() + timeout
        while True:
            now = time.monotonic()
            if now >= deadline:
                return None
            if not self.connected:
                self.serial_read(deadline)  # waits for the reconnect (or the deadline)
                continue
            if self._need_init:
                if not self._init():
                    self._pause(min(deadline, time.monotonic() + self.options.poll_interval))
                continue
            if now < self._next_poll:
                self._pause(min(deadline, self._next_poll))
                continue
            self._next_poll = now + self.options.poll_interval
            reply = self._command(pf.IN_LIST_PASSIVE_TARGET)
            uid = pf.target_uid(reply) if reply is not None else None
            if uid is None:
                continue
            uid_hex = uid.hex().upper()
            if self._debounce.accept(uid_hex):
                return card_event(self.type_name, uid_hex)
            self.count("repeats")

    def _pause(self, until: float) -> None:
        # Reading (rather than sleeping) notices an unplug while idle.
        while self.connected and time.monotonic() < until:
            data = self.serial_read(until)
            if data:
                self.count("unsolicited_bytes", len(data))
