"""PyInstaller run-time hook: note where the bundled GDAL and PROJ data are.

It runs before any application code and sets nothing: no PROJ_LIB, PROJ_DATA,
GDAL_DATA or PATH. Each wheel finds its own data inside the bundle (pyproj looks
in ``pyproj/proj_dir/share/proj`` before PROJ_DATA/PROJ_LIB; pyogrio points its
GDAL at ``pyogrio/gdal_data`` and ``pyogrio/proj_data`` before the environment),
and a global PROJ_LIB is exactly what breaks a second PROJ ("DATABASE.LAYOUT.
VERSION.MINOR" errors).

For support it records those folders, whether proj.db is there and which PROJ
wrote it, and any GDAL/PROJ variables set outside the app. The records wait in
a buffer on the ``sahelgis.bundle`` logger; ``packaging/launcher.py`` passes them
to the app's rotating log file once that exists. Custom run-time hooks run before
PyInstaller's own (e.g. PySide6's), so this imports only the standard library.
"""


def _pyi_rthook() -> None:
    import logging
    import logging.handlers
    import os
    import sqlite3
    import sys

    root = getattr(sys, "_MEIPASS", os.path.dirname(os.path.abspath(sys.executable)))
    records: list[tuple[int, str]] = []

    def proj_db(folder: str) -> str:
        path = os.path.join(folder, "proj.db")
        if not os.path.isfile(path):
            return "proj.db MISSING"
        try:
            uri = "file:" + path.replace("\\", "/") + "?mode=ro"
            with sqlite3.connect(uri, uri=True) as db:
                rows = dict(
                    db.execute(
                        "SELECT key, value FROM metadata WHERE key IN "
                        "('PROJ.VERSION', 'DATABASE.LAYOUT.VERSION.MAJOR', "
                        "'DATABASE.LAYOUT.VERSION.MINOR')"
                    )
                )
            layout = (
                f"{rows.get('DATABASE.LAYOUT.VERSION.MAJOR', '?')}."
                f"{rows.get('DATABASE.LAYOUT.VERSION.MINOR', '?')}"
            )
            return f"proj.db from PROJ {rows.get('PROJ.VERSION', '?')}, layout {layout}"
        except Exception as exc:  # noqa: BLE001 - support info only, never fatal
            return f"proj.db unreadable ({exc})"

    folders = {
        "pyproj PROJ data": os.path.join(root, "pyproj", "proj_dir", "share", "proj"),
        "pyogrio GDAL data": os.path.join(root, "pyogrio", "gdal_data"),
        "pyogrio PROJ data": os.path.join(root, "pyogrio", "proj_data"),
    }
    records.append(
        (logging.INFO, f"bundle at {root} (python {sys.version.split()[0]})")
    )
    for label, folder in folders.items():
        if not os.path.isdir(folder):
            records.append((logging.WARNING, f"{label}: {folder} MISSING"))
        elif "PROJ" in label:
            records.append((logging.INFO, f"{label}: {folder} ({proj_db(folder)})"))
        else:
            count = len(os.listdir(folder))
            records.append((logging.INFO, f"{label}: {folder} ({count} files)"))
    for var in ("PROJ_LIB", "PROJ_DATA", "GDAL_DATA", "GDAL_DRIVER_PATH"):
        if os.environ.get(var):
            records.append(
                (
                    logging.WARNING,
                    f"{var} is set outside the app ({os.environ[var]}); "
                    "the bundled libraries use their own data first",
                )
            )

    log = logging.getLogger("sahelgis.bundle")
    log.setLevel(logging.INFO)
    log.propagate = False  # until the launcher hands the buffer to the app log
    pending = logging.handlers.MemoryHandler(
        capacity=1000, flushLevel=logging.CRITICAL + 1, flushOnClose=False
    )
    pending.set_name("sahelgis.bundle.pending")
    log.addHandler(pending)
    for level, message in records:
        log.log(level, message)


import contextlib  # noqa: E402

# a support note must never stop the app
with contextlib.suppress(Exception):
    _pyi_rthook()
del _pyi_rthook, contextlib
