"""Chinese resident ID card reader with a SAM module (115200, DESIGN.md section 3).

Cycle: SAM status once per connection, then find card -> select -> read text. The ID
number never leaves this module in clear: ``CardEvent.card_id`` is the masked
``first6********last4`` form and ``extra`` carries only what the visitor workflow
needs (name, masked id, keyed hash, validity end).
"""
from __future__ import annotations

import dataclasses
import logging
import os
import secrets
import time
from pathlib import Path
from typing import Dict, Optional

from drivers.base import CardEvent, CardReader, DeviceState
from drivers.card import sam_frames as sf
from drivers.card.common import Debouncer
from drivers.card.idcard_text import IdCardText, parse_text
from drivers.framing import FrameScanner
from drivers.serialport import SerialDevice, SerialOptions
from edge.cards import hash_card_id, normalize_card_id
from edge.settings.fields import SecretRef, setting

log = logging.getLogger(__name__)

#: Unanswered requests in a row before the reader is reported not ok: the port is there
#: but the module is unpowered, miswired or at another baud.
SILENT_LIMIT = 3


@dataclasses.dataclass
class Options(SerialOptions):
    baud: int = setting(115200, min=9600, max=921600, doc="Line speed of the SAM module.")
    poll_interval: float = setting(0.3, min=0.05, max=10.0, doc="Seconds between find-card polls.")
    reply_timeout: float = setting(1.5, min=0.1, max=10.0,
                                   doc="Seconds to wait for a reply (reading text+photo takes ~1 s).")
    debounce: float = setting(3.0, min=0.0, max=60.0,
                              doc="Seconds a card must be away before it counts as a new presentation.")
    hash_key: Optional[SecretRef] = setting(
        None, doc="Key for the keyed hash of ID numbers (id_hash), the same on every gate of the site"
                  " (make one with `openssl rand -hex 32`). Without it a random key per start is used,"
                  " so hashes do not match across restarts.",
        unset="a random key at each start: a visitor's id_hash (their identity in the school's records)"
              " changes at every restart; give the site's key file (hash_key: {file: ...})")


def read_secret(ref: SecretRef) -> bytes:
    """The secret a SecretRef points to (first line), as bytes."""
    if ref.file:
        text = Path(ref.file).read_text(encoding="utf-8")
    elif ref.env:
        text = os.environ[ref.env]
    elif ref.credential:
        text = (Path(os.environ["CREDENTIALS_DIRECTORY"]) / ref.credential).read_text(encoding="utf-8")
    else:
        raise ValueError("empty secret reference")
    line = text.splitlines()[0].strip() if text.strip() else ""
    if not line:
        raise ValueError("the secret is empty")
    return line.encode("utf-8")


def visitor_extra(card: IdCardText, key: bytes) -> Dict[str, str]:
    return {"name": card.name, "id_masked": card.id_masked,
            "id_hash": hash_card_id(card.id_number, key), "valid_to": card.valid_to}


class IdCardSamReader(SerialDevice, CardReader):
    type_name = "idcard_sam"
    Options = Options

    def __init__(self, options: Options, context) -> None:
        super().__init__(options, context)
        self._scan = FrameScanner(sf.PREAMBLE, sf.frame_length, sf.verify, max_frame=7 + sf.MAX_LEN)
        self._debounce = Debouncer(options.debounce)
        self._key: Optional[bytes] = None
        self._status_ok = False
        self._next_poll = 0.0
        self._silent = 0

    def open(self) -> None:
        if self._key is None:
            self._key = self._load_key()
        super().open()

    def _load_key(self) -> bytes:
        if self.options.hash_key is not None:
            try:
                return read_secret(self.options.hash_key)
            except (OSError, KeyError, ValueError) as exc:
                log.error("idcard_sam: cannot read hash_key (%s); using a random key", exc)
        else:
            log.warning("idcard_sam: no hash_key configured; id_hash is only stable until restart")
        return secrets.token_bytes(32)

    def _serial_connected(self) -> None:
        self._scan.clear()
        self._status_ok = False

    def _request(self, command: bytes) -> Optional[bytes]:
        """Send a request; the verified reply frame or None (timeout / lost port)."""
        self._scan.clear()
        self.serial_discard_input()
        if not self.serial_write(sf.build(command)):
            return None
        frame = self.read_frame(self._scan, time.monotonic() + self.options.reply_timeout)
        if frame is not None:
            self._silent = 0
            return frame
        self.count("reply_timeouts")
        self._silent += 1
        if self._silent >= SILENT_LIMIT and self.connected:
            self._status_ok = False  # ask for the SAM status again once it answers
            self._set_state(DeviceState.RECONNECTING,
                            "ID card module not answering: check power, wiring and baud")
        return None

    def _check_status(self) -> None:
        frame = self._request(sf.SAM_STATUS)
        if frame is None:
            return
        code = sf.sw3(frame)
        if code == sf.SW_OK:
            self._status_ok = True
            self._set_state(DeviceState.OK, "")
            return
        self.count("sam_errors")
        msg = f"SAM status: {sf.describe_sw(code)}"
        log.error("idcard_sam: %s", msg)
        self._set_state(DeviceState.DOWN, msg)

    def _step(self, command: bytes, want: int, what: str) -> Optional[bytes]:
        frame = self._request(command)
        if frame is None:
            return None
        code = sf.sw3(frame)
        if code == want:
            return frame
        if code != sf.SW_NO_CARD:
            self.count("sam_errors")
            log.warning("idcard_sam: %s: %s", what, sf.describe_sw(code))
        return None

    def _read_card(self) -> Optional[CardEvent]:
        if self._step(sf.FIND_CARD, sf.SW_FOUND, "find card") is None:
            return None
        if self._step(sf.SELECT_CARD, sf.SW_OK, "select card") is None:
            return None
        frame = self._step(sf.READ_TEXT_PHOTO, sf.SW_OK, "read card")
        block = sf.text_block(frame) if frame is not None else None
        card = parse_text(block) if block is not None else None
        if card is None:
            if frame is not None:
                self.count("malformed")
                log.warning("idcard_sam: unreadable text block")
            return None
        extra = visitor_extra(card, self._key or b"")
        if not self._debounce.accept(extra["id_hash"]):
            self.count("repeats")
            return None
        log.info("idcard_sam: card %s read", card.id_masked)
        # The identity is the keyed hash of the whole number: the masked form (first 6 and
        # last 4 digits) is shared by everyone of one district whose numbers end alike.
        return CardEvent(t=time.monotonic(), reader=self.type_name,
                         card_id=normalize_card_id(extra["id_hash"]), extra=extra)

    def read(self, timeout: float) -> Optional[CardEvent]:
        deadline = time.monotonic() + timeout
        while True:
            now = time.monotonic()
            if now >= deadline:
                return None
            if not self.connected:
                self.serial_read(deadline)
                continue
            if now < self._next_poll:
                time.sleep(min(deadline, self._next_poll) - now)
                continue
            self._next_poll = now + self.options.poll_interval
            if not self._status_ok:
                self._check_status()
                continue
            event = self._read_card()
            if event is not None:
                return event
