#!/usr/bin/env bash
# Install a built SahelGIS bundle for the current user (no root, no network):
#   bash install_linux.sh [BUNDLE_DIR]        default: ../dist/sahelgis, or ./sahelgis
#   bash install_linux.sh --uninstall
# Copies the bundle to ~/.local/opt/sahelgis, links ~/.local/bin/sahelgis, and adds
# the menu entry (.desktop) and icon so SahelGIS appears in the desktop's app menu.
# The bundle's _internal/resources/ holds sahelgis.desktop and sahelgis.png.
set -euo pipefail

PREFIX="${XDG_DATA_HOME:-$HOME/.local/share}"
OPT="$HOME/.local/opt/sahelgis"
BIN="$HOME/.local/bin"
APPS="$PREFIX/applications"
ICONS="$PREFIX/icons/hicolor/256x256/apps"

if [ "${1:-}" = "--uninstall" ]; then
  rm -rf "$OPT" "$BIN/sahelgis" "$APPS/sahelgis.desktop" "$ICONS/sahelgis.png"
  command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database -q "$APPS" || true
  echo "install_linux: SahelGIS removed (your projects and settings are untouched)"
  exit 0
fi

here="$(cd "$(dirname "$0")" && pwd)"
src="${1:-}"
if [ -z "$src" ]; then
  for candidate in "$here/../dist/sahelgis" "$here/sahelgis" "$here"; do
    if [ -x "$candidate/sahelgis" ] && [ -d "$candidate/_internal" ]; then src="$candidate"; break; fi
  done
fi
if [ -z "$src" ] || [ ! -x "$src/sahelgis" ]; then
  echo "install_linux: no SahelGIS bundle found; give its folder: bash install_linux.sh PATH/sahelgis" >&2
  exit 1
fi
src="$(cd "$src" && pwd)"

mkdir -p "$(dirname "$OPT")" "$BIN" "$APPS" "$ICONS"
if [ "$src" != "$OPT" ]; then
  rm -rf "$OPT.new"
  cp -a "$src" "$OPT.new"
  rm -rf "$OPT"
  mv "$OPT.new" "$OPT"
fi
ln -sfn "$OPT/sahelgis" "$BIN/sahelgis"
cp "$OPT/_internal/resources/sahelgis.png" "$ICONS/sahelgis.png"
# absolute Exec/TryExec: ~/.local/bin is not on every desktop session's PATH
sed -e "s|^Exec=sahelgis|Exec=$OPT/sahelgis|" -e "s|^TryExec=sahelgis|TryExec=$OPT/sahelgis|" \
  "$OPT/_internal/resources/sahelgis.desktop" > "$APPS/sahelgis.desktop"
command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database -q "$APPS" || true
command -v gtk-update-icon-cache >/dev/null 2>&1 && gtk-update-icon-cache -q -t "$PREFIX/icons/hicolor" || true
echo "install_linux: installed in $OPT"
echo "install_linux: start it from the applications menu, or run: $BIN/sahelgis"
