"""The guard's keypad: acknowledge a fever, type the clinical thermometer reading.

Works with a plain numeric keypad (USB numpad): digits and ``.`` type a reading, Enter
stores it; Enter with nothing typed acknowledges (as do Space and ``*``); Backspace
deletes a digit, Esc clears. Key codes are what ``cv2.waitKey`` returns: the Qt backend
gives ASCII for numpad keys, the GTK backend gives X keysyms (low byte kept by waitKey).
A numpad with NumLock off still types digits: a gate box often boots with it off, and
the guard cannot tell why the digits do nothing.
"""
from __future__ import annotations

import dataclasses
import logging
from typing import Callable, Optional

from edge.clinical import parse_reading
from edge.screen.view import SecondaryCheck

log = logging.getLogger(__name__)

MAX_TYPED = 5  # "37.95" at most

# The keysyms of the numpad with NumLock off, 0..9: KP_Insert, KP_End, KP_Down, KP_Next,
# KP_Left, KP_Begin, KP_Right, KP_Home, KP_Up, KP_Prior (0xFF9E ... 0xFF9A, low bytes here).
_NUMLOCK_OFF = (0x9E, 0x9C, 0x99, 0x9B, 0x96, 0x9D, 0x98, 0x95, 0x97, 0x9A)
_DIGITS = {**{48 + d: str(d) for d in range(10)}, **{0xB0 + d: str(d) for d in range(10)},  # '0'.., KP_0..
           **{code: str(d) for d, code in enumerate(_NUMLOCK_OFF)}}
_DOT = {ord("."), ord(","), 0xAE, 0xAC, 0x9F}  # also KP_Decimal, KP_Separator (comma layouts), KP_Delete
_ENTER = {13, 10, 0x8D}  # Return, Linefeed, KP_Enter
_BACKSPACE = {8, 127}
_CLEAR = {27}  # Esc (not 255: callers that mask "no key" (-1) with & 0xFF get 255)
_ACK = {ord(" "), ord("*"), 0xAA}  # Space, '*', KP_Multiply
_VISITOR = {ord("/"), ord("v"), 0xAF}  # '/', 'v', KP_Divide: a visitor registers at the gate


@dataclasses.dataclass(frozen=True)
class GuardAction:
    """What the guard did: ``ack`` (fever acknowledged), ``secondary`` (a clinical
    thermometer reading in ``value_c``, deg C) or ``visitor`` (the next person is a
    visitor without a card: register and screen them)."""

    kind: str
    value_c: Optional[float] = None


class Keypad:
    def __init__(self, on_action: Callable[[GuardAction], Optional[bool]]) -> None:
        self.on_action = on_action
        self._typed = ""
        self._stored: Optional[float] = None
        self._error: Optional[str] = None
        # Set by the screen (edge.screen.live) while a fever waits for its card: there is no
        # passage yet, and a reading sent now would be filed under an earlier one (review 10a).
        # Not kept for the passage either: it may be for a fever acknowledged before (10b).
        self.awaiting_card = False

    @property
    def secondary(self) -> SecondaryCheck:
        """The secondary-check state for ScreenView.secondary."""
        return SecondaryCheck(typed=self._typed, value_c=self._stored, error=self._error)

    def reset(self) -> None:
        """A new passage is on show: forget what was typed and stored for the last one."""
        self._typed, self._stored, self._error = "", None, None

    def key(self, code: int) -> bool:
        """Feed one key code; returns True if it meant something."""
        if code is None or code < 0:
            return False
        code &= 0xFF
        if code in _DIGITS or code in _DOT:
            return self._type("." if code in _DOT else _DIGITS[code])
        if code in _BACKSPACE:
            self._typed, self._error = self._typed[:-1], None
            return True
        if code in _CLEAR:
            self._typed, self._error = "", None
            return True
        if code in _ENTER:
            if self._typed:
                return self._submit()
            return self._emit(GuardAction("ack"))
        if code in _ACK:
            return self._emit(GuardAction("ack"))
        if code in _VISITOR:
            return self._emit(GuardAction("visitor"))
        return False

    def _type(self, char: str) -> bool:
        self._error = None
        if char == "." and "." in self._typed:
            return False
        if len(self._typed) >= MAX_TYPED:
            return False
        self._typed += char
        return True

    def _submit(self) -> bool:
        value = parse_reading(self._typed)
        if value is not None and self.awaiting_card:
            log.info("keypad: a thermometer reading typed before the fever's card came: not recorded")
            self._typed, self._error = "", "card_first"
            return True
        if value is None:
            log.info("keypad: a typed thermometer reading rejected (%d characters)", len(self._typed))
            self._typed, self._error = "", "bad_reading"
            return True
        self._typed = ""
        # "stored" only once the daemon took it: a reading with no passage to go with it is
        # said to be lost, not shown as kept.
        if self.on_action(GuardAction("secondary", value)) is False:
            log.warning("keypad: a typed thermometer reading was not recorded (no passage to go with it)")
            self._stored, self._error = None, "not_recorded"
        else:
            self._stored, self._error = value, None
        return True

    def _emit(self, action: GuardAction) -> bool:
        self.on_action(action)
        return True
