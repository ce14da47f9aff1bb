#!/usr/bin/env bash
# Installs the Debian packages that the real PC/SC stack and the pyscard build need, when
# they are missing. Without root it installs nothing and says so; the interop tests then skip
# with that reason (and fail under CI=true).
set -euo pipefail
# cardpeek: its e-passport.lua runs in console mode (tests/interop/test_clients_cardpeek.py).
# tshark: reads back `cardwire trace export --pcapng` (tests/trace/test_pcapng.py).
packages=(pcscd vsmartcard-vpcd libpcsclite-dev swig opensc pcsc-tools cardpeek tshark)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "system-deps: not root, cannot install: ${missing[*]}" >&2
  exit 0
fi
echo "system-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
