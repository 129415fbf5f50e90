#!/usr/bin/env bash
# Creates .venv (if needed) and installs Gate Edge into it, editable.
# Usage: scripts/setup_venv.sh [EXTRAS]   e.g. "test". Re-installs only when setup.cfg changed.
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-}"
python="${PYTHON:-python3}"

if [ ! -x .venv/bin/python ]; then
  if ! "$python" -m venv .venv 2>/dev/null; then
    # Debian splits venv out of the interpreter package.
    echo "setup: installing python3-venv" >&2
    scripts/apt_install.sh python3-venv
    rm -rf .venv
    "$python" -m venv .venv
  fi
fi

stamp=".venv/.gate-edge-installed${extras:+-$extras}"
if [ ! -f "$stamp" ] || [ setup.cfg -nt "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "setup: installing Python packages into .venv" >&2
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -e ".${extras:+[$extras]}"
  touch "$stamp"
fi
