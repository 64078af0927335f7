#!/usr/bin/env bash
# Debian's Chromium for the console's browser tests (Playwright drives it headless).
# Usage: scripts/chromium.sh [ensure|check]
#   ensure (default): if there is no Chromium, install the `chromium` package with apt-get
#     (as root; otherwise say what to install and exit 1).
#   check: say which Chromium the tests use; exit 1 if there is none, installing nothing.
# Env: TOUSU_CHROMIUM (a Chromium or Chrome binary to use instead).
set -euo pipefail

PACKAGE=chromium
KNOWN=(/usr/bin/chromium /usr/bin/chromium-browser /usr/bin/google-chrome)

say() { echo "chromium: $*"; }
die() { echo "chromium: error: $*" >&2; exit 1; }

found() {
  if [ -n "${TOUSU_CHROMIUM:-}" ]; then
    [ -x "$TOUSU_CHROMIUM" ] || die "TOUSU_CHROMIUM=$TOUSU_CHROMIUM: not an executable"
    echo "$TOUSU_CHROMIUM"; return
  fi
  local path
  for path in "${KNOWN[@]}"; do
    if [ -x "$path" ]; then echo "$path"; return; fi
  done
  return 1
}

cmd_check() {
  local path
  path=$(found) || die "no Chromium for the browser tests; apt-get install -y $PACKAGE (or set TOUSU_CHROMIUM)"
  say "browser tests drive $path"
}

cmd_ensure() {
  local path
  if path=$(found); then say "browser tests drive $path"; return; fi
  [ "$(id -u)" = 0 ] || die "no Chromium for the browser tests; run as root, or: sudo apt-get install -y $PACKAGE"
  say "installing $PACKAGE with apt-get…"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q && apt-get install -y -q --no-install-recommends "$PACKAGE"
  path=$(found) || die "apt-get finished but no ${KNOWN[0]} was found"
  say "browser tests drive $path"
}

case "${1:-ensure}" in
ensure | check) "cmd_${1:-ensure}" ;;
*) echo "usage: $0 [ensure|check]" >&2; exit 2 ;;
esac
