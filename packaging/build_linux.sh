#!/usr/bin/env bash
# Build the SahelGIS one-folder bundle for Linux with PyInstaller, then check it
# the way an analyst's offline laptop would run it.
#
#   bash packaging/build_linux.sh              build dist/sahelgis/, snapshot-check it
#   bash packaging/build_linux.sh --no-build   only check an existing dist/sahelgis/
#   bash packaging/build_linux.sh --tar        also pack dist/sahelgis-VERSION-linux-ARCH.tar.gz
#                                              (sahelgis/ + install_linux.sh)
#   RUNS=5 bash packaging/build_linux.sh       number of timed snapshot runs (default 3)
#
# Needs .venv from scripts/setup.sh; installs PyInstaller into it when missing.
# The check runs dist/sahelgis/sahelgis --snapshot with QT_QPA_PLATFORM=offscreen in
# an empty environment (env -i: only HOME, PATH, LANG) and, where unshare allows,
# without a network; it prints the bundle size and the start-to-PNG time
# (median of RUNS). Full functional checks: python packaging/smoke_test.py.
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD=1
TAR=0
for arg in "$@"; do
  case "$arg" in
    --no-build) BUILD=0 ;;
    --tar) TAR=1 ;;
    *) echo "build_linux: unknown option $arg" >&2; exit 2 ;;
  esac
done
RUNS="${RUNS:-3}"
PY=.venv/bin/python
BUNDLE=dist/sahelgis
EXE="$BUNDLE/sahelgis"

if [ ! -x "$PY" ]; then
  echo "build_linux: no .venv; run: bash scripts/setup.sh" >&2
  exit 1
fi

if ((BUILD)); then
  if ! "$PY" -c "import PyInstaller" 2>/dev/null; then
    echo "build_linux: installing PyInstaller into .venv"
    "$PY" -m pip install -q "pyinstaller>=6.10"
  fi
  "$PY" -m PyInstaller --version | sed 's/^/build_linux: PyInstaller /'
  start=$(date +%s)
  "$PY" -m PyInstaller --noconfirm --clean --log-level WARN \
    --distpath dist --workpath build/pyinstaller packaging/sahelgis.spec
  echo "build_linux: built $BUNDLE in $(( $(date +%s) - start )) s"
fi

if [ ! -x "$EXE" ]; then
  echo "build_linux: $EXE not found (build first)" >&2
  exit 1
fi

# --- run it as an analyst would: empty environment, offscreen, no network ---
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/home"
NET=()
if command -v unshare >/dev/null 2>&1 && unshare --net true 2>/dev/null; then
  NET=(unshare --net)
  echo "build_linux: runs without a network (unshare --net)"
else
  echo "build_linux: unshare --net not permitted here; network not isolated"
fi
run_min() {
  env -i HOME="$WORK/home" PATH=/usr/bin:/bin LANG=C.UTF-8 \
    QT_QPA_PLATFORM=offscreen "${NET[@]}" "$@"
}

times=()
for i in $(seq 1 "$RUNS"); do
  png="$WORK/snapshot-$i.png"
  t0=$(date +%s.%N)
  run_min "$EXE" --snapshot "$png" >"$WORK/run-$i.log" 2>&1 || {
    echo "build_linux: snapshot run $i failed:" >&2
    cat "$WORK/run-$i.log" >&2
    exit 1
  }
  t1=$(date +%s.%N)
  if [ ! -s "$png" ]; then
    echo "build_linux: run $i wrote no PNG" >&2
    cat "$WORK/run-$i.log" >&2
    exit 1
  fi
  t=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
  times+=("$t")
  echo "build_linux: snapshot run $i: ${t} s ($(stat -c %s "$png") bytes)"
done
cp "$WORK/snapshot-1.png" dist/sahelgis-snapshot.png
median=$(printf '%s\n' "${times[@]}" | sort -n | awk '{ v[NR] = $1 } END {
  if (NR % 2) print v[(NR + 1) / 2]; else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }')
size_mb=$(du -sm "$BUNDLE" | cut -f1)
files=$(find "$BUNDLE" -type f | wc -l)

echo "build_linux: largest parts of $BUNDLE/_internal (MB):"
du -sm "$BUNDLE"/_internal/* | sort -rn | sed -n '1,8s/^/  /p'
if ((TAR)); then
  version=$("$PY" -c "import sahelgis; print(sahelgis.__version__)")
  tarball="dist/sahelgis-$version-linux-$(uname -m).tar.gz"
  # the bundle and its per-user installer side by side
  tar -czf "$tarball" -C dist sahelgis -C "$PWD/packaging" install_linux.sh
  echo "build_linux: packed $tarball ($(du -sm "$tarball" | cut -f1) MB)"
fi
echo "build_linux: bundle size: ${size_mb} MB in ${files} files"
echo "build_linux: start to drawn map (--snapshot, median of $RUNS): ${median} s (runs: ${times[*]})"
echo "build_linux: first snapshot kept as dist/sahelgis-snapshot.png"
