"""PyInstaller hook for pyogrio (pyinstaller-hooks-contrib has none).

Without it a frozen app stops at start with
``ModuleNotFoundError: No module named 'pyogrio._geometry'``: the Cython
extensions import each other from C, which PyInstaller cannot see. The wheel's
``gdal_data`` and ``proj_data`` folders are data files that pyogrio's own
start-up code points its GDAL/PROJ at, so they must travel with it; the vendored
shared libraries (``pyogrio.libs`` on Linux, ``.dylibs`` on macOS, delvewheel's
``pyogrio.libs`` on Windows) are found by PyInstaller's binary analysis.
"""

from PyInstaller.utils.hooks import collect_data_files, collect_submodules

hiddenimports = [
    "pyogrio._geometry",
    "pyogrio._ogr",
    "pyogrio._vsi",
    "pyogrio._io",
    "pyogrio._err",
    *collect_submodules("pyogrio", filter=lambda name: ".tests" not in name),
]

datas = collect_data_files("pyogrio", excludes=["**/tests/**"])
