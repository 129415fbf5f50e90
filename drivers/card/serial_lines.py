"""Line-based serial card readers: one card per line, the id picked out by a regex.

Many 13.56 MHz / 125 kHz modules and USB-CDC readers print each card as a text line
(``CARD:DEADBEEF\\r\\n``, ``0006762840\\n`` ...). The id is the named group ``id`` of
``pattern`` if it has one, else its first group, else the whole match.
"""
from __future__ import annotations

import dataclasses
import re
import time
from typing import Optional

from drivers.base import CardEvent, CardReader
from drivers.card.common import Debouncer, next_new_card
from drivers.serialport import SerialDevice, SerialOptions
from edge.settings.checks import regex
from edge.settings.fields import setting

MAX_LINE = 256


@dataclasses.dataclass
class Options(SerialOptions):
    pattern: str = setting(r"([0-9A-Fa-f]{4,32})", check=regex,
                           doc="Regular expression finding the id in a line: named group 'id', "
                               "else the first group, else the whole match.")
    debounce: float = setting(1.0, min=0.0, max=60.0,
                              doc="Seconds a card must be away before it counts as a new presentation.")


class LineParser:
    """Splits bytes into lines (CR, LF or CRLF) and extracts ids."""

    def __init__(self, pattern: str) -> None:
        self.regex = re.compile(pattern)
        self._buf = bytearray()
        self.malformed = 0

    def clear(self) -> None:
        self._buf.clear()

    def feed(self, data: bytes) -> list:
        """Ids of the complete lines in ``data`` (in order)."""
        self._buf += data
        ids = []
        while True:
            cut = min((i for i in (self._buf.find(b"\r"), self._buf.find(b"\n")) if i >= 0), default=-1)
            if cut < 0:
                break
            line = bytes(self._buf[:cut])
            del self._buf[:cut + 1]
            card_id = self.extract(line)
            if card_id:
                ids.append(card_id)
        if len(self._buf) > MAX_LINE:  # no line end in sight: noise or wrong baud
            self.malformed += 1
            self._buf.clear()
        return ids

    def extract(self, line: bytes) -> Optional[str]:
        text = line.decode("ascii", errors="replace").strip()
        if not text:
            return None
        match = self.regex.search(text)
        if match is None:
            self.malformed += 1
            return None
        if "id" in self.regex.groupindex:
            value = match.group("id")
        elif self.regex.groups:
            value = match.group(1)
        else:
            value = match.group(0)
        if not value:
            self.malformed += 1
            return None
        return value


class SerialLinesReader(SerialDevice, CardReader):
    type_name = "serial_lines"
    Options = Options

    def __init__(self, options: Options, context) -> None:
        super().__init__(options, context)
        self._lines = LineParser(options.pattern)
        self._debounce = Debouncer(options.debounce)
        self._pending: list = []

    def _serial_connected(self) -> None:
        self._lines.clear()

    def read(self, timeout: float) -> Optional[CardEvent]:
        deadline = time.monotonic() + timeout
        while True:
            event = next_new_card(self._pending, self._debounce, self.count, self.type_name)
            if event is not None:
                return event
            data = self.serial_read(deadline)
            if data:
                self._pending.extend(self._lines.feed(data))
                if self._lines.malformed:
                    self.count("malformed", self._lines.malformed)
                    self._lines.malformed = 0
            elif time.monotonic() >= deadline:
                return None
