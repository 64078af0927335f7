#!/usr/bin/env bash
# A CJK TrueType font for the PDF forms (tousu_callback.form embeds it), from the Debian packages.
# Usage: scripts/fonts.sh [ensure|check]
#   ensure (default): if TOUSU_PDF_FONT is unset and none of the known fonts is there, install
#     fonts-wqy-zenhei with apt-get (as root; otherwise say what to install and exit 1).
#   check: say which font the forms use; exit 1 if there is none, installing nothing.
# Env: TOUSU_PDF_FONT (a .ttf/.ttc path; '#N' after a collection's path picks its face N).
set -euo pipefail

PACKAGE=fonts-wqy-zenhei
# TrueType CJK fonts, best first (reportlab can't embed the CFF outlines of Noto CJK). Keep in
# step with KNOWN_FONTS in shared/src/tousu_shared/pdf_fonts.py (a unit test checks).
KNOWN=(
  /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc # Debian: fonts-wqy-zenhei
  /usr/share/fonts/truetype/wqy/wqy-microhei.ttc # fonts-wqy-microhei
  /usr/share/fonts/truetype/arphic/uming.ttc # fonts-arphic-uming
  /usr/share/fonts/truetype/arphic/ukai.ttc # fonts-arphic-ukai
  /usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf # fonts-droid-fallback
  /usr/share/fonts/wqy-zenhei/wqy-zenhei.ttc # Fedora: wqy-zenhei-fonts
  /usr/share/fonts/wqy-microhei/wqy-microhei.ttc # wqy-microhei-fonts
  "/Library/Fonts/Arial Unicode.ttf" # macOS
  C:/Windows/Fonts/simhei.ttf # Windows
  C:/Windows/Fonts/simsun.ttc
)
HINT="install $PACKAGE (apt-get install -y $PACKAGE) or set TOUSU_PDF_FONT to a TrueType CJK font"

say() { echo "fonts: $*"; }
die() { echo "fonts: error: $*" >&2; exit 1; }
is_root() { [ "$(id -u)" = 0 ]; }

# TOUSU_PDF_FONT, if set, is the font: it must exist (an explicit choice is never overridden).
check_env() {
  local path=$TOUSU_PDF_FONT
  if [[ $path =~ ^(.+)#[0-9]+$ ]]; then path=${BASH_REMATCH[1]}; fi
  [ -f "$path" ] || die "TOUSU_PDF_FONT=$TOUSU_PDF_FONT: no such file; $HINT"
  say "PDF forms print in $TOUSU_PDF_FONT (TOUSU_PDF_FONT)"
}

# The first known font that is there, or fail.
known() {
  local path
  for path in "${KNOWN[@]}"; do
    if [ -f "$path" ]; then echo "$path"; return; fi
  done
  return 1
}

cmd_check() {
  if [ -n "${TOUSU_PDF_FONT:-}" ]; then check_env; return; fi
  local found
  found=$(known) || die "no CJK TrueType font for the PDF forms; $HINT"
  say "PDF forms print in $found"
}

cmd_ensure() {
  if [ -n "${TOUSU_PDF_FONT:-}" ]; then check_env; return; fi
  local found
  if found=$(known); then say "PDF forms print in $found"; return; fi
  is_root || die "no CJK TrueType font for the PDF forms; run as root, or: sudo apt-get install -y $PACKAGE (or set TOUSU_PDF_FONT to a TrueType CJK font)"
  say "installing $PACKAGE with apt-get…"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q && apt-get install -y -q "$PACKAGE"
  found=$(known) || die "apt-get finished but no ${KNOWN[0]} was found"
  say "PDF forms print in $found"
}

case "${1:-ensure}" in
ensure | check) "cmd_${1:-ensure}" ;;
*) echo "usage: $0 [ensure|check]" >&2; exit 2 ;;
esac
