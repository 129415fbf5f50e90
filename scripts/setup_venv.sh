#!/usr/bin/env bash
# Creates .venv (if needed) and installs Gate Edge into it, editable.
# Usage: scripts/setup_venv.sh [EXTRAS]   e.g. "test". Re-installs only when setup.cfg changed.
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-}"
python="${PYTHON:-python3}"

# A venv whose pip is missing is what a first run cut short leaves (python3-venv missing,
# no network): made again, not kept broken for every later run.
if ! { [ -x .venv/bin/python ] && .venv/bin/python -m pip --version >/dev/null 2>&1; }; then
  rm -rf .venv
  if ! "$python" -m venv .venv 2>/dev/null; then
    # Debian splits venv out of the interpreter package.
    echo "setup: installing python3-venv" >&2
    rm -rf .venv
    scripts/apt_install.sh python3-venv
    "$python" -m venv .venv
  fi
fi

# opencv-python needs the system's libGL and GLib even on a gate without a screen; a
# server or Lite image has neither. (GLib's package is libglib2.0-0t64 from Debian 13 on.)
libs=$(/sbin/ldconfig -p 2>/dev/null || true)  # (not piped into grep -q: with pipefail, SIGPIPE reads as missing)
if ! grep -q 'libGL\.so\.1 ' <<<"$libs" || ! grep -q 'libgthread-2\.0\.so\.0 ' <<<"$libs"; then
  scripts/apt_install.sh libgl1 libglib2.0-0 || scripts/apt_install.sh libgl1 libglib2.0-0t64
fi

stamp=".venv/.gate-edge-installed${extras:+-$extras}"
if [ ! -f "$stamp" ] || [ setup.cfg -nt "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "setup: installing Python packages into .venv" >&2
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -e ".${extras:+[$extras]}"
  touch "$stamp"
fi
