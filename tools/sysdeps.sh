#!/usr/bin/env bash
# Install the Debian packages listed in tools/debian-packages.txt that are missing.
# As root: apt-get update once, then apt-get install. Otherwise: one line naming what is
# missing and the command that installs it (the tests that need them skip, saying so).
set -euo pipefail
list="$(dirname "$0")/debian-packages.txt"
mapfile -t wanted < <(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$list")
missing=()
for p in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
  echo "sysdeps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "sysdeps: missing Debian packages: ${missing[*]} (sudo apt-get install ${missing[*]}); the tests that need them skip"
fi
