"""Where bundled data lives, in a source checkout and in a frozen (PyInstaller) app."""

from __future__ import annotations

import os
import sys
from pathlib import Path


def app_root() -> Path:
    """The folder that holds ``data/``: the repository, or the frozen bundle."""
    frozen_root = getattr(sys, "_MEIPASS", None)
    if frozen_root is not None:
        return Path(frozen_root)
    return Path(__file__).resolve().parent.parent


def data_dir() -> Path:
    """The bundled offline data folder."""
    return app_root() / "data"


def base_gpkg() -> Path:
    """Real open base data for Mali (see data/SOURCES.md)."""
    return data_dir() / "sahelgis_base.gpkg"


def sources_md() -> Path:
    """Provenance and licences of the bundled base data."""
    return data_dir() / "SOURCES.md"


def demo_events_csv() -> Path:
    """Synthetic demo events in ACLED's export format (not ACLED data)."""
    return data_dir() / "demo_events_SYNTHETIC.csv"


def demo_project() -> Path:
    """The bundled demo project opened on first start."""
    return data_dir() / "demo_southern_mali.gpkg"


def cache_dir() -> Path:
    """The user's cache folder for SahelGIS (kept between sessions).

    ``$SAHELGIS_CACHE`` when set, else the platform's user cache folder
    (``%LOCALAPPDATA%\\SahelGIS``, ``~/Library/Caches/SahelGIS`` or
    ``$XDG_CACHE_HOME/sahelgis``). Nothing is created here.
    """
    override = os.environ.get("SAHELGIS_CACHE")
    if override:
        return Path(override)
    if sys.platform.startswith("win"):
        base = Path(os.environ.get("LOCALAPPDATA", Path.home() / "AppData" / "Local"))
        return base / "SahelGIS"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "SahelGIS"
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "sahelgis"
