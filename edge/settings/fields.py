"""Helpers for declaring documented config fields."""
from __future__ import annotations

import dataclasses
from typing import Any, Callable, Optional


def setting(default: Any = dataclasses.MISSING, *, doc: str, factory: Any = dataclasses.MISSING,
            min: Optional[float] = None, max: Optional[float] = None, role: Optional[str] = None,
            check: Optional[Callable[[Any], None]] = None, unset: Optional[str] = None) -> Any:
    """A dataclass field with documentation and optional numeric bounds.

    ``role`` marks a :class:`DriverConfig` field with the driver role it selects from
    (``thermal``, ``card``, ``light``). ``check`` is called with the validated value (not
    with an empty one) and raises ValueError, whose message is reported at that key's line:
    a value the type accepts but the program cannot use (a time zone, a regex) is refused
    by check-config rather than crashing the daemon later. ``unset``: what leaving an optional
    setting out costs, shown by check-config as a warning when it is left out.
    """
    meta = {"doc": doc, "min": min, "max": max, "role": role, "check": check, "unset": unset}
    if factory is not dataclasses.MISSING:
        return dataclasses.field(default_factory=factory, metadata=meta)
    return dataclasses.field(default=default, metadata=meta)


@dataclasses.dataclass
class DriverConfig:
    """A device section: ``type:`` names the driver, the other keys are its options."""

    type: str
    options: Any  # instance of the driver's Options dataclass


@dataclasses.dataclass
class SecretRef:
    """A secret given by reference, never inline: ``{file: PATH}`` or ``{env: NAME}``.

    ``credential: NAME`` reads ``$CREDENTIALS_DIRECTORY/NAME`` (systemd LoadCredential=).
    """

    file: Optional[str] = setting(None, doc="Path of a file holding the secret (first line).")
    env: Optional[str] = setting(None, doc="Name of an environment variable holding the secret.")
    credential: Optional[str] = setting(None, doc="systemd credential name (LoadCredential=).")
