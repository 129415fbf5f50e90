#!/usr/bin/env bash
# Soak run, not part of CI: the daemon on accelerated simulated traffic for MINUTES
# (default 60) against a private Mosquitto and collector, under a 2 MB database cap.
# Prints RSS and database size every minute; exits 1 if either keeps growing.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup_venv.sh
command -v mosquitto >/dev/null || [ -x /usr/sbin/mosquitto ] || scripts/apt_install.sh mosquitto
exec .venv/bin/python scripts/soak.py "$@"
