"""Names of the remembered settings (QSettings), in one place."""

from __future__ import annotations

from pathlib import Path
from typing import cast

from PySide6.QtCore import QSettings

ORGANISATION = "SahelGIS"
APPLICATION = "SahelGIS"
RECENT_PROJECTS = "recent_projects"
LAST_PROJECT = "last_project"
LAST_DIR = "last_dir"
LAST_STORE_DIR = "last_store_dir"
WINDOW_GEOMETRY = "window/geometry"
WINDOW_STATE = "window/state"
MAX_RECENT = 10


def settings() -> QSettings:
    """The application's settings store."""
    return QSettings(ORGANISATION, APPLICATION)


def recent_projects() -> list[str]:
    """Recently used project paths that still exist, newest first."""
    value = settings().value(RECENT_PROJECTS, [])
    if isinstance(value, str):
        value = [value]
    return [p for p in cast("list[str]", value or []) if Path(p).exists()]


def remember_project(path: Path) -> None:
    """Put a project at the top of the recent list and make it the last one."""
    store = settings()
    items = [str(path)] + [p for p in recent_projects() if p != str(path)]
    store.setValue(RECENT_PROJECTS, items[:MAX_RECENT])
    store.setValue(LAST_PROJECT, str(path))
    store.setValue(LAST_DIR, str(path.parent))


def forget_last_project(path: Path | None = None) -> None:
    """Make the next start open no remembered project.

    With ``path``, only when the remembered project is that file: called when
    opening it fails, and at startup before opening it, so a project that
    crashes SahelGIS is not reopened by every later start (a clean close or a
    successful open remembers it again).
    """
    store = settings()
    value = store.value(LAST_PROJECT, "")
    if path is None or (value and Path(str(value)) == Path(path)):
        store.remove(LAST_PROJECT)


def last_project() -> Path | None:
    """The project open when the app last closed, if it still exists."""
    value = settings().value(LAST_PROJECT, "")
    return Path(str(value)) if value and Path(str(value)).exists() else None


def last_dir() -> str:
    """The folder last used in a file dialog."""
    return str(settings().value(LAST_DIR, str(Path.home())))


def remember_dir(folder: Path) -> None:
    """Make ``folder`` where the next file dialog starts."""
    settings().setValue(LAST_DIR, str(folder))


def last_store_dir() -> str:
    """The event store opened last (a folder), else the last dialog folder."""
    value = settings().value(LAST_STORE_DIR, "")
    return str(value) if value and Path(str(value)).exists() else last_dir()


def remember_store_dir(folder: Path) -> None:
    """Remember an opened event store, so the next Open starts there."""
    settings().setValue(LAST_STORE_DIR, str(folder))


#: Tile hosts the user allowed / refused for basemaps named by project files.
ALLOWED_TILE_HOSTS = "basemap/allowed_hosts"
REFUSED_TILE_HOSTS = "basemap/refused_hosts"


def _host_list(key: str) -> list[str]:
    value = settings().value(key, [])
    if isinstance(value, str):  # QSettings gives one item back as a string
        value = [value]
    return [str(v) for v in cast("list[object]", value or []) if str(v)]


class SettingsTileConsent:
    """The user's answers per tile host, kept in QSettings (see
    ``sahelgis.io.tile_consent``)."""

    def decision(self, host: str) -> bool | None:
        """True if allowed, False if refused, None if never asked."""
        host = host.strip().lower()
        if host in _host_list(ALLOWED_TILE_HOSTS):
            return True
        if host in _host_list(REFUSED_TILE_HOSTS):
            return False
        return None

    def remember(self, host: str, allowed: bool) -> None:
        """Store the answer for a host (replacing an older one)."""
        host = host.strip().lower()
        self.forget(host)
        key = ALLOWED_TILE_HOSTS if allowed else REFUSED_TILE_HOSTS
        settings().setValue(key, [*_host_list(key), host])

    def forget(self, host: str) -> None:
        """Drop the answer for a host (the next project naming it asks again)."""
        host = host.strip().lower()
        for key in (ALLOWED_TILE_HOSTS, REFUSED_TILE_HOSTS):
            hosts = _host_list(key)
            if host in hosts:
                settings().setValue(key, [h for h in hosts if h != host])

    def decisions(self) -> dict[str, bool]:
        """Every remembered host and its answer."""
        answers = dict.fromkeys(_host_list(REFUSED_TILE_HOSTS), False)
        answers.update(dict.fromkeys(_host_list(ALLOWED_TILE_HOSTS), True))
        return answers
