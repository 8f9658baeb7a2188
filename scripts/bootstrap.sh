#!/usr/bin/env bash
# Installs what NovaPulse needs on a fresh Debian/Ubuntu machine: the C libraries it links
# (libcsv, libzstd, libsqlite3), the zstd tool, and the PostgreSQL server, which the tests start
# on loopback for the optimizer's shared-store test (NovaPulse itself needs it only with
# DATABASE_URL). Safe to run again: it installs only what is
# missing. The Swift 6 toolchain itself must already be on PATH (swift.org or /opt/swift).
set -euo pipefail

packages=(libcsv-dev libzstd-dev libsqlite3-dev zstd pkg-config postgresql)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "bootstrap: installing ${missing[*]}" >&2
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
if ! command -v swift >/dev/null 2>&1; then
  if [ -x /opt/swift/usr/bin/swift ]; then
    echo "bootstrap: swift is in /opt/swift/usr/bin; add it to PATH" >&2
  else
    echo "bootstrap: no Swift toolchain found: install Swift 6 (https://swift.org/install) and run this again" >&2
  fi
  exit 1
fi
