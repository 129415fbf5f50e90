#!/usr/bin/env bash
# Installs what the tests need and runs the whole suite. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

# System parts the tests use for real: the Mosquitto broker, a CJK font for the guard
# screen, systemd-analyze for the unit file, openssl for the TLS test's CA.
system_packages=()
command -v mosquitto >/dev/null || [ -x /usr/sbin/mosquitto ] || system_packages+=(mosquitto)
fc-list :lang=zh 2>/dev/null | grep -q . || system_packages+=(fontconfig fonts-wqy-microhei)
command -v systemd-analyze >/dev/null || system_packages+=(systemd)
command -v openssl >/dev/null || system_packages+=(openssl)
[ ${#system_packages[@]} -eq 0 ] || scripts/apt_install.sh "${system_packages[@]}"

scripts/setup_venv.sh test

status=0
.venv/bin/python -m pytest -q -p no:cacheprovider "$@" || status=$?
if [ "$status" -eq 5 ]; then
  echo "test.sh: pytest collected no tests: that is a failure" >&2
  exit 1
fi
exit "$status"
