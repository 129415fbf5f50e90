"""Receiving the signed, retained roster: verify, reject older, apply atomically.

The roster tables and their atomic replacement belong to edge.roster_store; this module
decides whether a message may be applied. Until a good roster arrives the gate keeps
deciding from the last one applied (offline included).
"""
from __future__ import annotations

import logging
from typing import Dict, Optional

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
        self._version: Optional[int] = None
        self._loaded = False

    @property
    def version(self) -> Optional[int]:
        """Version of the roster in the database (whoever applied it)."""
        if not self._loaded:
            self._version = roster_store.current_version(self.db_path)
            self._loaded = True
        return self._version

    def _reject(self, code: str, detail: str) -> None:
        self.counters["rejected"] += 1
        self.counters[f"rejected_{code}"] = self.counters.get(f"rejected_{code}", 0) + 1
        self.last_reject = code
        log.warning("roster rejected (%s): %s; keeping roster version %s", code, detail, self.version)

    def handle(self, message: bytes) -> bool:
        """True when the message was applied."""
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
        self._version = applied
        self.counters["applied"] += 1
        log.info("roster version %d applied from the broker (%d persons)", applied, len(snap["persons"]))
        return True
