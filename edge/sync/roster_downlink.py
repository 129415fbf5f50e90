"""Receiving the signed, retained roster: verify, reject older, apply atomically.

The roster tables and their atomic replacement belong to edge.roster_store; this module
decides whether a message may be applied. Until a good roster arrives the gate keeps
deciding from the last one applied (offline included).
"""
from __future__ import annotations

import logging
import sqlite3
from typing import Callable, Dict, Optional

from edge import roster_store
from edge.settings.fields import SecretRef
from edge.settings.secrets import SecretError, read_secret
from edge.sync.roster_sign import RosterRejected, parse_key, verify

log = logging.getLogger(__name__)


class RosterDownlink:
    def __init__(self, key_ref: Optional[SecretRef], db_path: str, site: str) -> None:
        self.key_ref = key_ref
        self.db_path = db_path
        self.site = site
        self.counters: Dict[str, int] = {"applied": 0, "rejected": 0}
        self.last_reject: Optional[str] = None
        # Called on the sync thread with the version just applied: the daemon hands the new
        # roster to the lane, which decides from what it holds until then.
        self.on_applied: Callable[[int], None] = lambda version: None

    @property
    def version(self) -> Optional[int]:
        """Version of the roster in the database, whoever applied it (read each time: a
        `gate-edge roster import` may have changed it)."""
        return roster_store.current_version(self.db_path)

    def _reject(self, code: str, detail: str) -> None:
        self.counters["rejected"] += 1
        self.counters[f"rejected_{code}"] = self.counters.get(f"rejected_{code}", 0) + 1
        self.last_reject = code
        try:
            kept = str(self.version)
        except sqlite3.Error as exc:  # the database may be why we are here
            kept = f"unknown ({exc})"
        log.warning("roster rejected (%s): %s; keeping roster version %s", code, detail, kept)

    def handle(self, message: bytes) -> bool:
        """True when the message was applied. Never raises: whatever arrives on the topic, the
        sync thread goes on (a rejection is logged and counted; the current roster stays)."""
        try:
            return self._handle(message)
        except Exception as exc:  # untrusted input at a thread boundary: a bug here must not stop delivery
            log.exception("roster message (%d bytes) could not be handled", len(message))
            self._reject("error", f"{type(exc).__name__}: {exc}")
            return False

    def _handle(self, message: bytes) -> bool:
        if not message:
            return False  # the retained roster was cleared on the broker: keep ours
        if self.key_ref is None:
            self._reject("no_key", "mqtt.roster_key is not configured")
            return False
        try:
            key = parse_key(read_secret(self.key_ref))
        except SecretError as exc:
            self._reject("no_key", str(exc))
            return False
        try:
            snap = verify(message, key, self.site)
        except RosterRejected as exc:
            self._reject(exc.code, str(exc))
            return False
        current = self.version
        if current is not None and snap["version"] <= current:
            if snap["version"] < current:
                self._reject("older", f"version {snap['version']} is older than applied {current}")
            return False  # the same version again (retained redelivery after reconnect) is no error
        try:
            applied = roster_store.apply_snapshot(self.db_path, snap)
        except (ValueError, KeyError, TypeError) as exc:  # RosterError is a ValueError
            self._reject("malformed", f"snapshot could not be applied: {exc}")
            return False
        self.counters["applied"] += 1
        log.info("roster version %d applied from the broker (%d persons)", applied, len(snap["persons"]))
        try:
            self.on_applied(applied)
        except Exception:  # applied all the same; only the hand-over failed
            log.exception("roster version %d is stored, but the lane did not get it yet (the roster watch "
                          "tries again)", applied)
        return True
