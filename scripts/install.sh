#!/usr/bin/env bash
# Installs Gate Edge as a systemd service on this machine (Raspberry Pi OS / Debian).
# Idempotent: run it again after `git pull` to upgrade. Needs root.
#
#   scripts/install.sh                 install or upgrade
#   scripts/install.sh --uninstall     remove service, venv, units, udev rules; keep config and data
#   scripts/install.sh --uninstall --purge   ... and remove /etc/gate-edge and /var/lib/gate-edge too
#
# Paths can be moved for a dry run in a scratch root: GATE_EDGE_ROOT=/tmp/root scripts/install.sh
set -euo pipefail
cd "$(dirname "$0")/.."
root="${GATE_EDGE_ROOT:-}"
prefix="$root/opt/gate-edge"
etc="$root/etc/gate-edge"
state="$root/var/lib/gate-edge"
unit_dir="$root/etc/systemd/system"
udev_dir="$root/etc/udev/rules.d"
user=gate-edge
mode=install
purge=0
for arg in "$@"; do
  case "$arg" in
    --uninstall) mode=uninstall ;;
    --purge) purge=1 ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "install.sh: unknown option $arg" >&2; exit 2 ;;
  esac
done
[ -n "$root" ] || [ "$(id -u)" -eq 0 ] || { echo "install.sh: run as root (sudo)" >&2; exit 1; }
live() { [ -z "$root" ]; }   # touch the running system (users, systemd, udev) only for a real install

if [ "$mode" = uninstall ]; then
  if live; then
    systemctl disable --now gate-edge.service 2>/dev/null || true
  fi
  rm -f "$unit_dir/gate-edge.service" "$udev_dir/99-gate-edge.rules"
  rm -rf "$prefix"
  if [ "$purge" -eq 1 ]; then
    rm -rf "$etc" "$state"
    live && { userdel "$user" 2>/dev/null || true; }
  else
    echo "kept config in $etc and data in $state (use --purge to remove them)"
  fi
  if live; then systemctl daemon-reload; udevadm control --reload 2>/dev/null || true; fi
  echo "gate-edge uninstalled"
  exit 0
fi

if live; then
  scripts/apt_install.sh python3-venv
  # opencv-python needs the system's libGL and GLib, screen or not (GLib: libglib2.0-0t64 from Debian 13 on).
  scripts/apt_install.sh libgl1 libglib2.0-0 || scripts/apt_install.sh libgl1 libglib2.0-0t64
  id -u "$user" >/dev/null 2>&1 || useradd --system --home-dir /var/lib/gate-edge --shell /usr/sbin/nologin "$user"
  for group in dialout video input gpio; do
    getent group "$group" >/dev/null && usermod -a -G "$group" "$user"
  done
fi

install -d -m 0755 "$prefix"
[ -x "$prefix/venv/bin/python" ] || python3 -m venv "$prefix/venv"
"$prefix/venv/bin/python" -m pip install --quiet --upgrade pip
"$prefix/venv/bin/python" -m pip install --quiet .
install -m 0644 README.md "$prefix/README.md"

install -d -m 0750 "$etc" "$etc/credentials"
[ -f "$etc/gate.yaml" ] || install -m 0640 config/gate.example.yaml "$etc/gate.yaml"
for cred in mqtt-password roster-key; do
  [ -f "$etc/credentials/$cred" ] || install -m 0600 /dev/null "$etc/credentials/$cred"
done
install -d -m 0700 "$state"
if live; then chown -R "$user:$user" "$state"; chgrp -R "$user" "$etc"; fi

install -d "$unit_dir" "$udev_dir"
install -m 0644 systemd/gate-edge.service "$unit_dir/gate-edge.service"
install -m 0644 systemd/99-gate-edge.rules "$udev_dir/99-gate-edge.rules"
if live; then
  udevadm control --reload && udevadm trigger || true
  systemctl daemon-reload
  systemctl enable gate-edge.service
  echo "installed. Edit $etc/gate.yaml, then: systemctl restart gate-edge; journalctl -u gate-edge -f"
else
  echo "installed into $root"
fi
