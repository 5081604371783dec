#!/usr/bin/env bash
# UNTESTED: written and reviewed on Linux only; no Mac has run it yet. Expect to fix
# small things on the first macOS build, and update this note then.
#
# Build SahelGIS on macOS (PyInstaller cannot cross-build; build on each arch):
#   bash packaging/build_macos.sh            dist/SahelGIS.app and dist/sahelgis/
#   bash packaging/build_macos.sh --dmg      also dist/sahelgis-VERSION-macos-ARCH.dmg
# Needs Python 3.11 and a .venv with SahelGIS installed (pip install -e .).
# Then: bundle size, start-to-PNG time (median of 3 offscreen --snapshot runs) and
# python packaging/smoke_test.py against dist/sahelgis.
#
# Known risk (unverified third-party report, tech notes §5): pyogrio's arm64 wheels may
# lack the Mach-O header space PyInstaller needs to rewrite library paths; if the build
# fails on install_name_tool, try an x86_64 build or a pyogrio built from source.
# Signing and notarisation are not done here: the .app is ad-hoc signed by PyInstaller,
# so Gatekeeper asks users to right-click > Open the first time.
set -euo pipefail
cd "$(dirname "$0")/.."

DMG=0
[ "${1:-}" = "--dmg" ] && DMG=1
RUNS="${RUNS:-3}"
PY=.venv/bin/python
if [ ! -x "$PY" ]; then
  echo "build_macos: make .venv first: python3.11 -m venv .venv && .venv/bin/pip install -e ." >&2
  exit 1
fi
"$PY" -c "import PyInstaller" 2>/dev/null || "$PY" -m pip install -q "pyinstaller>=6.10"

start=$(date +%s)
"$PY" -m PyInstaller --noconfirm --clean --log-level WARN \
  --distpath dist --workpath build/pyinstaller packaging/sahelgis.spec
echo "build_macos: built dist/SahelGIS.app in $(( $(date +%s) - start )) s"

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/home"
times=()
for i in $(seq 1 "$RUNS"); do
  t0=$("$PY" -c 'import time; print(time.time())')
  env -i HOME="$WORK/home" PATH=/usr/bin:/bin LANG=en_US.UTF-8 QT_QPA_PLATFORM=offscreen \
    dist/sahelgis/sahelgis --snapshot "$WORK/snap-$i.png" >/dev/null
  t1=$("$PY" -c 'import time; print(time.time())')
  [ -s "$WORK/snap-$i.png" ] || { echo "build_macos: run $i wrote no PNG" >&2; exit 1; }
  times+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')")
  echo "build_macos: snapshot run $i: ${times[-1]} s"
done
median=$(printf '%s\n' "${times[@]}" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
echo "build_macos: bundle size: $(du -sm dist/SahelGIS.app | cut -f1) MB (.app)"
echo "build_macos: start to drawn map (--snapshot, median of $RUNS): ${median} s"

"$PY" packaging/smoke_test.py dist/sahelgis

if ((DMG)); then
  version=$("$PY" -c "import sahelgis; print(sahelgis.__version__)")
  dmg="dist/sahelgis-$version-macos-$(uname -m).dmg"
  rm -f "$dmg"
  hdiutil create -volname SahelGIS -srcfolder dist/SahelGIS.app -ov -format UDZO "$dmg"
  echo "build_macos: packed $dmg"
fi
