"""Entry point of the frozen SahelGIS app (PyInstaller), same as ``sahelgis``.

Besides the normal commands (see ``sahelgis.cli``) the frozen app answers

    sahelgis --bundle-check [FOLDER]

with a one-page support report: versions, where the GDAL and PROJ data were found,
a 4326 -> 32630 transform and a GeoPackage write/read round trip in FOLDER (a
temporary folder by default). It needs no display and no network; exit code 0
means every check passed. ``packaging/smoke_test.py`` uses it.
"""

# ruff: noqa: T201 - a command-line tool: it prints

from __future__ import annotations

import logging
import multiprocessing
import os
import sys
from collections.abc import Callable

# ``sahelgis.cli`` subcommands that run without the main window
SUBCOMMANDS = ("import", "info", "export", "buffer", "corridor", "counts", "zones")


def _ensure_streams() -> None:
    """A windowed Windows build has no stdout/stderr: print() must not fail."""
    for name in ("stdout", "stderr"):
        if getattr(sys, name) is None:
            setattr(sys, name, open(os.devnull, "w", encoding="utf-8"))  # noqa: SIM115


def attach_bundle_log() -> None:
    """Window starts: open the app's log now and pass it the run-time hook's notes.

    ``rthook_env.py`` buffered where the GDAL/PROJ data were found; the app's log
    file (``sahelgis.app.setup_logging``) needs the Qt application names, which are
    static and are set again, identically, by ``create_app``.
    """
    log = logging.getLogger("sahelgis.bundle")
    pending = next(
        (h for h in log.handlers if h.get_name() == "sahelgis.bundle.pending"), None
    )
    if pending is None:
        return
    try:
        from PySide6.QtCore import QCoreApplication

        from sahelgis import __version__
        from sahelgis.app import setup_logging
        from sahelgis.ui import settings

        QCoreApplication.setOrganizationName(settings.ORGANISATION)
        QCoreApplication.setApplicationName(settings.APPLICATION)
        setup_logging()
    except Exception:  # noqa: BLE001 - the app sets up its own log anyway
        return
    log.removeHandler(pending)
    log.propagate = True
    app_log = logging.getLogger("sahelgis")
    app_log.info("SahelGIS %s (frozen) started", __version__)
    for record in pending.buffer:
        app_log.handle(record)
    pending.close()


def _basemap_check(say: Callable[[str], None], folder: str | None) -> list[str]:
    """contextily + rasterio (a second GDAL): a cached tile drawn by add_basemap.

    One tile is put in a scratch tile cache as if fetched; ``add_basemap`` then
    warps it into the display CRS with rasterio, from the cache only (any
    request would fail as offline).
    """
    import tempfile
    from pathlib import Path

    import matplotlib

    matplotlib.use("Agg")
    import numpy as np
    from matplotlib.figure import Figure
    from rasterio.env import GDALDataFinder

    from sahelgis.io import tile_providers, tiles
    from sahelgis.model import crs

    with tempfile.TemporaryDirectory(dir=folder) as tmp:
        cache = tiles.TileCache(Path(tmp) / "tiles")
        ctx = cache.activate()
        import rasterio

        say(
            f"contextily {ctx.__version__}, rasterio {rasterio.__version__}, "
            f"GDAL {rasterio.__gdal_version__}"
        )
        say(f"  rasterio GDAL data: {GDALDataFinder().search()}")
        provider = tile_providers.custom_provider(
            "http://127.0.0.1:9/{z}/{x}/{y}.png", "test"
        )
        from io import BytesIO

        from PIL import Image

        buffer = BytesIO()
        Image.new("RGB", (256, 256), (200, 30, 30)).save(buffer, "PNG")
        cache.put(provider, 6, 30, 29, buffer.getvalue())  # Bamako's tile
        west, south, east, north = tiles.tile_bounds_lonlat(6, 30, 29)
        box = crs.lonlat_box_to_display(
            (west + 0.5, south + 0.5, east - 0.5, north - 0.5)
        )
        ax = Figure(figsize=(2, 2), dpi=50).add_subplot()
        ax.set_xlim(box[0], box[2])
        ax.set_ylim(box[1], box[3])
        try:
            with tiles.cache_only():
                ctx.add_basemap(
                    ax,
                    zoom=6,
                    source=provider.xyz,
                    headers=tiles.HEADERS,
                    crs=crs.DISPLAY_CRS.to_wkt(),
                    attribution=False,
                )
        except Exception as exc:  # noqa: BLE001 - reported as a failed check
            say(f"basemap from the tile cache: FAILED ({exc})")
            return [f"add_basemap: {exc}"]
        image = np.asarray(ax.images[0].get_array()) if ax.images else None
        ok = image is not None and image.size > 0 and int(image[..., 0].max()) >= 190
        verdict = "ok" if ok else "FAILED"
        say(f"basemap from the tile cache (contextily.add_basemap): {verdict}")
        return [] if ok else ["add_basemap drew no tile"]


def bundle_check(folder: str | None = None) -> int:
    """Check that the bundled GDAL/PROJ stacks work; print what was found."""
    import tempfile
    from pathlib import Path

    problems: list[str] = []

    def say(text: str) -> None:
        print(text)

    root = getattr(sys, "_MEIPASS", "-")
    say(f"frozen: {getattr(sys, 'frozen', False)}  root: {root}")
    say(f"python: {sys.version.split()[0]}  platform: {sys.platform}")
    for var in ("PROJ_LIB", "PROJ_DATA", "GDAL_DATA"):
        if os.environ.get(var):
            say(f"note: {var} is set outside the app to {os.environ[var]}")

    import pyogrio
    import pyproj
    import pyproj.datadir
    from pyproj import Transformer

    say(f"pyproj {pyproj.__version__}, PROJ {pyproj.proj_version_str}")
    say(f"  data: {pyproj.datadir.get_data_dir()}")
    say(f"pyogrio {pyogrio.__version__}, GDAL {pyogrio.__gdal_version_string__}")
    say(f"  GDAL data: {pyogrio.get_gdal_data_path()}")

    # Bamako, lon/lat -> UTM 29N (central meridian 9 W): about 108.6 km east of
    # the false easting; PROJ 9 gives 608285.9, 1397442.9 (metres)
    transformer = Transformer.from_crs("EPSG:4326", "EPSG:32629", always_xy=True)
    x, y = transformer.transform(-8.0029, 12.6392)
    say(f"transform 4326->32629 (-8.0029, 12.6392): {x:.1f}, {y:.1f}")
    if abs(x - 608_285.9) > 1.0 or abs(y - 1_397_442.9) > 1.0:
        problems.append(f"transform gave {x:.1f}, {y:.1f}")

    import geopandas as gpd
    from shapely.geometry import Point

    from sahelgis import paths

    project = paths.demo_project()
    layers = pyogrio.list_layers(project)
    say(f"demo project: {project} ({len(layers)} layers)")
    if not len(layers):
        problems.append("the demo project has no layers")

    with tempfile.TemporaryDirectory(dir=folder) as tmp:
        out = Path(tmp) / "roundtrip.gpkg"
        frame = gpd.GeoDataFrame(
            {"name": ["Bamako", "Nara"]},
            geometry=[Point(-8.0029, 12.6392), Point(-7.2865, 15.1680)],
            crs="EPSG:4326",
        )
        pyogrio.write_dataframe(frame.to_crs(32630), out, layer="towns", driver="GPKG")
        back = pyogrio.read_dataframe(out, layer="towns")
        ok = (
            len(back) == 2
            and back.crs is not None
            and back.crs.to_epsg() == 32630
            and list(back["name"]) == ["Bamako", "Nara"]
        )
        say(f"GeoPackage round trip (EPSG:32630): {'ok' if ok else 'FAILED'}")
        if not ok:
            problems.append("GeoPackage round trip")

    problems += _basemap_check(say, folder)

    for problem in problems:
        say(f"bundle-check: FAILED: {problem}")
    say("bundle-check: ok" if not problems else "bundle-check: FAILED")
    sys.stdout.flush()
    return 0 if not problems else 1


def main() -> int:
    _ensure_streams()
    argv = sys.argv[1:]
    if argv and argv[0] == "--bundle-check":
        return bundle_check(argv[1] if len(argv) > 1 else None)
    if not argv or argv[0] not in SUBCOMMANDS:
        attach_bundle_log()
    from sahelgis.__main__ import main as sahelgis_main

    return sahelgis_main(argv)


if __name__ == "__main__":
    multiprocessing.freeze_support()
    raise SystemExit(main())
