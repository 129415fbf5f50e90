"""Reading secrets given by reference (``{file:}``, ``{env:}``, ``{credential:}``).

Messages name where the secret was looked for, never its value.
"""
from __future__ import annotations

import logging
import os
from pathlib import Path

from edge.settings.fields import SecretRef

log = logging.getLogger(__name__)


class SecretError(Exception):
    """A secret could not be read; the message names the source."""


def describe(ref: SecretRef) -> str:
    """Where a reference points, for messages."""
    if ref.file:
        return f"file {ref.file}"
    if ref.env:
        return f"environment variable {ref.env}"
    if ref.credential:
        return f"systemd credential {ref.credential}"
    return "empty secret reference"


def read_secret(ref: SecretRef) -> str:
    """The secret's first line, stripped. Raises :class:`SecretError`."""
    source = describe(ref)
    if ref.file:
        text = _read_file(Path(ref.file), source)
    elif ref.env:
        if ref.env not in os.environ:
            raise SecretError(f"secret from {source}: the variable is not set")
        text = os.environ[ref.env]
    elif ref.credential:
        directory = os.environ.get("CREDENTIALS_DIRECTORY")
        if not directory:
            raise SecretError(f"secret from {source}: $CREDENTIALS_DIRECTORY is not set "
                              "(start the service with LoadCredential=)")
        text = _read_file(Path(directory) / ref.credential, source)
    else:
        raise SecretError("secret reference names no file, env or credential")
    lines = text.splitlines()
    value = lines[0].strip() if lines else ""
    if not value:
        raise SecretError(f"secret from {source} is empty")
    return value


def _read_file(path: Path, source: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SecretError(f"secret from {source}: cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise SecretError(f"secret from {source}: not UTF-8 text") from None
