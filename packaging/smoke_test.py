"""Smoke test of the *frozen* SahelGIS bundle, run as an analyst's laptop would.

    python packaging/smoke_test.py [BUNDLE_DIR]       (default: dist/sahelgis)

Every check is a subprocess call of the bundle's executable with a minimal
environment (a fresh HOME, a short PATH, QT_QPA_PLATFORM=offscreen, no PROJ/GDAL
variables, no Python variables) and, on Linux where ``unshare --net`` is allowed,
without any network. It needs only the standard library, so any Python 3 can run it.

Checks: the bundled GDAL/PROJ data (pyogrio's and rasterio's), a coordinate transform
and a basemap drawn by contextily from a tile cache (``--bundle-check``);
the bundled demo project opens (``info``) and renders (``--snapshot``); an ACLED CSV
imports into a new GeoPackage, which is read back (``import``, ``info``); a geodesic
buffer around a LON,LAT point (``buffer --at``, pyproj) writes a GeoPackage; a saved
figure exports to PNG, PDF and PPTX (``export --figure``); the licences ship.
The last line is "smoke: N passed, M failed"; the exit code is 0 only if none failed.
"""

# ruff: noqa: T201 - a command-line tool: it prints

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 180  # seconds per call; a hang is a failure, not a stuck CI


class Smoke:
    def __init__(self, bundle: Path, work: Path) -> None:
        self.bundle = bundle
        self.work = work
        self.exe = self._executable()
        self.internal = self._internal()
        self.passed = 0
        self.failed: list[str] = []
        self.net_prefix = self._no_network_prefix()

    # ------------------------------------------------------------- plumbing ---
    def _executable(self) -> Path:
        for name in ("sahelgis-cli.exe", "sahelgis", "SahelGIS.exe"):
            path = self.bundle / name
            if path.is_file():
                return path
        raise SystemExit(f"smoke: no SahelGIS executable in {self.bundle}")

    def _internal(self) -> Path:
        for folder in (self.bundle / "_internal", self.bundle):
            if (folder / "data" / "demo_southern_mali.gpkg").is_file():
                return folder
        raise SystemExit(f"smoke: no data/demo_southern_mali.gpkg in {self.bundle}")

    @staticmethod
    def _no_network_prefix() -> list[str]:
        if not sys.platform.startswith("linux") or shutil.which("unshare") is None:
            return []
        try:
            ok = (
                subprocess.run(
                    ["unshare", "--net", "true"], capture_output=True, timeout=20
                ).returncode
                == 0
            )
        except (OSError, subprocess.SubprocessError):
            ok = False
        return ["unshare", "--net"] if ok else []

    def env(self) -> dict[str, str]:
        home = self.work / "home"
        home.mkdir(exist_ok=True)
        env = {
            "HOME": str(home),
            "LANG": "C.UTF-8",
            "QT_QPA_PLATFORM": "offscreen",
            "TMPDIR": str(self.work),
        }
        if sys.platform.startswith("win"):
            keep = ("SYSTEMROOT", "SYSTEMDRIVE", "WINDIR", "COMSPEC", "PATHEXT")
            env.update({k: os.environ[k] for k in keep if k in os.environ})
            env.update(
                USERPROFILE=str(home),
                APPDATA=str(home / "AppData" / "Roaming"),
                LOCALAPPDATA=str(home / "AppData" / "Local"),
                TEMP=str(self.work),
                TMP=str(self.work),
                PATH=os.path.join(
                    os.environ.get("SYSTEMROOT", r"C:\Windows"), "System32"
                ),
            )
        else:
            env["PATH"] = "/usr/bin:/bin"
        return env

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        cmd = [*self.net_prefix, str(self.exe), *args]
        return subprocess.run(
            cmd,
            env=self.env(),
            cwd=self.work,
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            timeout=TIMEOUT,
        )

    def check(self, name: str, *args: str, expect: str | None = None):
        """Run one command; it passes on exit code 0 (and ``expect`` in stdout)."""
        t0 = time.perf_counter()
        try:
            result = self.run(*args)
        except subprocess.TimeoutExpired:
            return self.fail(name, f"timed out after {TIMEOUT} s")
        seconds = time.perf_counter() - t0
        problem = None
        if result.returncode != 0:
            problem = f"exit code {result.returncode}"
        elif expect is not None and expect not in result.stdout:
            problem = f"{expect!r} not in the output"
        if problem:
            detail = (result.stdout[-1500:] + "\n" + result.stderr[-3000:]).strip()
            return self.fail(name, f"{problem}\n{detail}")
        self.ok(name, f"{seconds:.1f} s")
        return result

    def ok(self, name: str, note: str = "") -> None:
        self.passed += 1
        print(f"PASS {name}" + (f" ({note})" if note else ""), flush=True)

    def fail(self, name: str, why: str) -> None:
        self.failed.append(name)
        print(f"FAIL {name}: {why}", flush=True)
        return None

    def verify(self, name: str, condition: bool, why: str) -> None:
        if condition:
            self.ok(name)
        else:
            self.fail(name, why)

    # --------------------------------------------------------------- checks ---
    def run_all(self) -> int:
        net = (
            "no network (unshare --net)" if self.net_prefix else "network NOT isolated"
        )
        print(f"smoke: {self.exe} with a minimal environment, {net}", flush=True)
        demo = self.internal / "data" / "demo_southern_mali.gpkg"
        csv = self.internal / "data" / "demo_events_SYNTHETIC.csv"

        out = self.check(
            "bundle-check: GDAL/PROJ data, transform, GPKG round trip",
            "--bundle-check",
            str(self.work),
            expect="bundle-check: ok",
        )
        if out is not None:
            inside = str(self.internal)
            data_lines = [line for line in out.stdout.splitlines() if "data:" in line]
            self.verify(
                "GDAL and PROJ data come from inside the bundle",
                len(data_lines) == 3 and all(inside in line for line in data_lines),
                "\n".join(data_lines),
            )

        self.check(
            "open the bundled project (info)",
            "info",
            str(demo),
            expect="SahelGIS project",
        )

        png = self.work / "snapshot.png"
        t0 = time.perf_counter()
        if self.check(
            "main window snapshot of the demo project", "--snapshot", str(png)
        ):
            size = png_size(png)
            self.verify(
                f"snapshot is a 1600x1000 PNG ({time.perf_counter() - t0:.1f} s)",
                size == (1600, 1000) and png.stat().st_size > 50_000,
                f"size {size}, {png.stat().st_size if png.exists() else 0} bytes",
            )
            logs = list((self.work / "home").rglob("sahelgis.log"))
            text = logs[0].read_text(encoding="utf-8", errors="replace") if logs else ""
            self.verify(
                "app log names the bundled GDAL/PROJ data folders",
                "pyogrio GDAL data" in text
                and "pyproj PROJ data" in text
                and "MISSING" not in text,
                f"log files {logs}: {text[-800:]}",
            )

        project = self.work / "imported.gpkg"
        if self.check(
            "import an ACLED CSV into a new GeoPackage",
            "import",
            str(csv),
            "-o",
            str(project),
            expect="wrote",
        ):
            self.check(
                "read the new GeoPackage back (info)",
                "info",
                str(project),
                expect="SahelGIS project",
            )

        rings = self.work / "rings.gpkg"
        if self.check(
            "geodesic buffer at LON,LAT written to GPKG (pyproj)",
            "buffer",
            str(project if project.exists() else demo),
            "--at=-7.2865,15.1680",
            "--radius",
            "25,50km",
            "-o",
            str(rings),
            expect="total:",
        ):
            self.verify("buffer GeoPackage written", is_sqlite(rings), f"{rings}")

        listing = self.check("list the saved figures", "export", str(demo), "--list")
        figures = [
            line.split("\t")[0]
            for line in (listing.stdout if listing else "").splitlines()
            if line.strip()
        ]
        if figures:
            figure = figures[0]
            for suffix, probe in (
                (".png", is_png),
                (".pdf", is_pdf),
                (".pptx", is_pptx),
            ):
                target = self.work / f"figure{suffix}"
                if self.check(
                    f"export {figure!r} to {suffix}",
                    "export",
                    str(demo),
                    "--figure",
                    figure,
                    "-o",
                    str(target),
                ):
                    self.verify(f"{suffix} file is valid", probe(target), f"{target}")
        else:
            self.fail("export", "the demo project lists no saved figure")

        licences = self.internal / "THIRD_PARTY_LICENSES"
        needed = [
            "README.md",
            "DATA_SOURCES.md",
            "DATA_CREDITS.md",
            "python-packages.txt",
            "GDAL.txt",
            "PROJ.txt",
            "PySide6-Essentials.txt",
        ]
        missing = [name for name in needed if not (licences / name).is_file()]
        self.verify(
            "licences and data credits ship in the bundle",
            not missing,
            f"missing: {missing}",
        )

        print(f"smoke: {self.passed} passed, {len(self.failed)} failed", flush=True)
        return 0 if not self.failed else 1


# --------------------------------------------------------------- file probes ---
def png_size(path: Path) -> tuple[int, int] | None:
    try:
        head = path.read_bytes()[:24]
    except OSError:
        return None
    if head[:8] != b"\x89PNG\r\n\x1a\n":
        return None
    return struct.unpack(">II", head[16:24])


def is_png(path: Path) -> bool:
    size = png_size(path)
    return size is not None and min(size) > 100


def is_pdf(path: Path) -> bool:
    return (
        path.is_file()
        and path.read_bytes()[:5] == b"%PDF-"
        and path.stat().st_size > 5_000
    )


def is_pptx(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
    except (OSError, zipfile.BadZipFile):
        return False
    return "ppt/presentation.xml" in names and any(
        n.startswith("ppt/media/") for n in names
    )


def is_sqlite(path: Path) -> bool:
    return path.is_file() and path.read_bytes()[:16] == b"SQLite format 3\x00"


def main(argv: list[str]) -> int:
    bundle = Path(argv[0]) if argv else ROOT / "dist" / "sahelgis"
    if not bundle.is_dir():
        print(f"smoke: {bundle} not found; build it: bash packaging/build_linux.sh")
        print("smoke: 0 passed, 1 failed")
        return 1
    with tempfile.TemporaryDirectory(prefix="sahelgis-smoke-") as tmp:
        return Smoke(bundle.resolve(), Path(tmp)).run_all()


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
