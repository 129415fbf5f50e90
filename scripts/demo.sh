#!/usr/bin/env bash
# Runs a whole simulated gate lane: simulated thermal sensor and card reader, local
# SQLite under data/, syncing to a broker on 127.0.0.1:1883 when one is running.
# One line per passage is printed: time, person, temperature, verdict.
# Extra arguments go to `gate-edge run` (e.g. --for 30, or --config FILE).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup_venv.sh
has_config=0
for arg in "$@"; do [ "$arg" = "--config" ] && has_config=1; done
config_args=()
[ "$has_config" -eq 1 ] || config_args=(--config config/demo.yaml)
headless=()
[ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] || headless=(--headless)
exec .venv/bin/gate-edge run "${config_args[@]}" "${headless[@]}" --print-passages "$@"
