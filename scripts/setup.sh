#!/usr/bin/env bash
# Install SahelGIS into ./.venv on a Debian/Ubuntu machine (Python >= 3.11).
#   bash scripts/setup.sh          app only
#   bash scripts/setup.sh --test   app + test tools
# Installs the system libraries Qt needs (apt) only when some are missing.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  python3-venv libgl1 libegl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1
  libfreetype6 libdbus-1-3 libglib2.0-0 fonts-dejavu-core
  libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxcb-render-util0
  libxcb-image0 libxcb-xinerama0 libxcb-randr0
)
# only with --test: LibreOffice and poppler render the slide deck for
# scripts/check_pptx_libreoffice.py and its slow test (about 275 MB, 60
# packages with --no-install-recommends); real QGIS (3.22 on Debian 12) opens
# saved projects (tests/io/test_qgis_project.py runs it under /usr/bin/python3);
# osmium-tool writes the .osm.pbf of benchmarks/osm_bench.py
APT_TEST_PACKAGES=(libreoffice-impress poppler-utils python3-qgis qgis-providers
  osmium-tool)
if [ "${1:-}" = "--test" ]; then
  APT_PACKAGES+=("${APT_TEST_PACKAGES[@]}")
fi

missing=()
if command -v dpkg-query >/dev/null 2>&1; then
  for pkg in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" \
      || missing+=("$pkg")
  done
fi
if ((${#missing[@]})); then
  echo "setup: installing system packages: ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends \
    "${missing[@]}"
fi

PYTHON="${PYTHON:-python3}"
"$PYTHON" - <<'PY'
import sys
if sys.version_info < (3, 11):
    sys.exit(f"setup: SahelGIS needs Python >= 3.11, found {sys.version.split()[0]}")
PY
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip
if [ "${1:-}" = "--test" ]; then
  .venv/bin/python -m pip install -q -e ".[test]"
else
  .venv/bin/python -m pip install -q -e .
fi
echo "setup: SahelGIS installed in .venv"
