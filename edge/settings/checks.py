"""Checks of single values the type accepts but the program could not use (``setting(check=...)``).

Each raises ValueError with what was expected; the validator reports it at the key's line.
"""
from __future__ import annotations

import ipaddress
import re
from typing import Tuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from edge.screen.layout import parse_size
from edge.settings.zone_hint import zone_hint


def timezone_name(name: str) -> None:
    """An IANA time zone this system knows: the store and the policy open it at start."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a directory such as 'Asia'
        raise ValueError(f"unknown time zone '{name}'{zone_hint(name, available_timezones())}") from None
    west = re.fullmatch(r"Etc/GMT\+(\d+)", name)
    if west and int(west.group(1)):
        # A valid name that says the opposite of what it looks like: 'Etc/GMT+8' is UTC-8 (POSIX
        # signs), 16 hours from China; a school's day change and dates would follow it. (Etc/GMT-8
        # is UTC+8, right for China: a gate set so by someone who knew the rule keeps running.)
        hours = west.group(1)
        raise ValueError(f"'{name}' is UTC-{hours}, not UTC+{hours} (the Etc/ names reverse the sign): give the"
                         " IANA name of the school's place instead, e.g. Asia/Shanghai for UTC+8")


def window_size(text: str) -> None:
    """WIDTHxHEIGHT the screen can lay out: the same parser the renderer uses at start."""
    parse_size(text)


#: Characters no topic level may hold: the level separator, the wildcards, NUL (MQTT forbids it).
TOPIC_FORBIDDEN = ("/", "+", "#", "\0")


def topic_level(text: str) -> None:
    """One MQTT topic level: a '/' would shift the levels and '+' / '#' are wildcards a publish
    may not contain, so the gate's alerts would never reach the school's subscription."""
    problem = "got empty text" if not text else _forbidden(text, TOPIC_FORBIDDEN)
    if problem:
        raise ValueError(f"{problem}; expected one MQTT topic level (not empty, no '/', '+' or '#')")


def topic_prefix(text: str) -> None:
    """Topic levels joined by '/', none of them empty, no wildcard."""
    if not text:
        problem = "got empty text"
    elif "" in text.split("/"):
        problem = f"'{text}' has an empty level"
    else:
        problem = _forbidden(text, TOPIC_FORBIDDEN[1:])
    if problem:
        raise ValueError(f"{problem}; expected MQTT topic levels joined by '/', none empty, no '+' or '#' "
                         f"(e.g. gate-edge or school/gates)")


def _forbidden(text: str, chars: Tuple[str, ...]) -> str:
    """'' when ``text`` holds none of ``chars``, else what to tell the technician."""
    bad = next((c for c in chars if c in text), None)
    return "" if bad is None else f"{bad!r} is not allowed"


def host_name(text: str) -> None:
    """A broker address: empty text, a URL or host:port would fail every connection attempt of
    the sync thread, which retries for ever."""
    if not text.strip():
        raise ValueError("expected the broker's host name or address, got empty text")
    if "://" in text or "/" in text:
        raise ValueError(f"expected a host name or address, got '{text}': no scheme or path here "
                         "(TLS is switched on by tls_ca, the port is mqtt.port)")
    if text.startswith("[") or text.endswith("]"):  # a URL's form; the MQTT client looks it up as a name
        raise ValueError(f"expected a host name or address, got '{text}': write an IPv6 address without brackets")
    if ":" in text:
        try:
            ipaddress.ip_address(text.split("%")[0])  # an IPv6 address has colons of its own (%: a zone)
        except ValueError:
            raise ValueError(f"expected a host name or address, got '{text}': give the port in mqtt.port") from None


def file_path(text: str) -> None:
    """A file name the program opens: empty text names no file (a quoted '' is not "not set")."""
    if not text.strip():
        raise ValueError("expected a file path, got empty text (leave the key out, or empty, for 'not set')")
    if "\0" in text:
        raise ValueError("expected a file path, got text with a NUL character")


def loopback_host(host: str) -> bool:
    """A broker on this very machine: what goes to it never crosses a wire."""
    name = host.strip().lower().rstrip(".")
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name.strip("[]").split("%")[0]).is_loopback
    except ValueError:
        return False


def regex(text: str) -> None:
    """A pattern Python's ``re`` compiles, as the driver does when it is built."""
    try:
        re.compile(text)
    except re.error as exc:
        raise ValueError(f"expected a regular expression, got one that does not compile: {exc}") from None
