"""Broker login options shared by the school-side commands (``collect``, ``roster publish``):
the same names, the same checks, so what works for one works for the other."""
from __future__ import annotations

import argparse
import dataclasses
import os
from typing import Optional, Tuple

from edge.settings.checks import loopback_host
from edge.sync.client import parse_broker_url


@dataclasses.dataclass(frozen=True)
class BrokerLogin:
    username: str = ""
    password: str = ""
    ca_file: Optional[str] = None


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--username", help="Broker user name.")
    secret = p.add_mutually_exclusive_group()
    secret.add_argument("--password-file", metavar="FILE",
                        help="File holding the broker password (first line; e.g. a systemd credential).")
    secret.add_argument("--password-env", metavar="NAME", help="Environment variable holding the broker password.")
    p.add_argument("--ca", metavar="FILE", help="CA file for TLS (the school's own CA; default: the system's).")
    p.add_argument("--plaintext-password", action="store_true",
                   help="send the password without TLS (mqtt://) to a broker on another machine: only on a trusted "
                        "wire, anyone on the network can read it")


def from_arguments(args: argparse.Namespace) -> Tuple[Optional[BrokerLogin], str]:
    """(login, error): login is None when an option cannot be used; the error names it."""
    password = ""
    if args.password_file:
        try:
            with open(args.password_file, encoding="utf-8") as fh:
                password = fh.readline().rstrip("\r\n")
        except OSError as exc:
            return None, f"--password-file {args.password_file}: cannot read it ({exc.strerror})"
    elif args.password_env:
        if args.password_env not in os.environ:
            return None, f"--password-env {args.password_env}: no such environment variable"
        password = os.environ[args.password_env]
    if password and not args.username:
        return None, "a password was given without --username"
    try:
        host, _port, tls = parse_broker_url(args.broker)
    except ValueError as exc:  # (the commands report a bad URL themselves; here it is only checked early)
        return None, f"--broker {args.broker}: {exc}"
    tls = tls or bool(args.ca)  # --ca switches TLS on with any scheme, as the clients do (tls_set)
    if password and not tls and not args.plaintext_password and not loopback_host(host):
        return None, (f"--broker {args.broker}: the password would cross the network in clear text; use "
                      "mqtts://HOST:8883 (TLS, with --ca for the school's CA), or --plaintext-password on a "
                      "trusted wire")
    if args.ca and not os.access(args.ca, os.R_OK):
        return None, f"--ca {args.ca}: cannot read the CA file"
    return BrokerLogin(args.username or "", password, args.ca), ""
