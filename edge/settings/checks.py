"""Checks of single values the type accepts but the program could not use (``setting(check=...)``).

Each raises ValueError with what was expected; the validator reports it at the key's line.
"""
from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from edge.screen.layout import parse_size
from edge.settings.schema import did_you_mean


def timezone_name(name: str) -> None:
    """An IANA time zone this system knows: the store and the policy open it at start."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a directory such as 'Asia'
        hint = did_you_mean(name, available_timezones())
        raise ValueError(f"unknown time zone '{name}'{hint} (expected an IANA name such as Asia/Shanghai)") from None


def window_size(text: str) -> None:
    """WIDTHxHEIGHT the screen can lay out: the same parser the renderer uses at start."""
    parse_size(text)
