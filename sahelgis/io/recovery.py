"""Recovery files: autosaved copies of projects with unsaved changes.

While a project has unsaved changes the GUI writes a copy of it, every few
minutes and from the crash handler, to the user's data folder::

    <base>/recovery/<stem>-<hash of the project path>.recovery.gpkg
    <base>/recovery/untitled-<process id>.recovery.gpkg     (never saved)

A recovery file is an ordinary project file (see ``project_file``) whose state
``extra`` holds, under ``INFO_KEY``, the project path it belongs to, when it was
written and by which process. Writing it never touches the project itself: not
its path, not its saved/modified state.

Writes are atomic: the copy goes to a hidden temporary file beside the target
(``.<name>.tmp-<pid>-<token>.gpkg``), is flushed, then moved into place with one
``os.replace``. A process killed at any moment leaves either the previous
recovery file or the new one, never a damaged one; temporary files never carry
the ``.recovery.gpkg`` suffix, so they are never offered as recoveries.

On the next start ``find_recoveries`` lists the files left by processes that are
no longer running; the GUI offers them to the user (``ui.autosave``).
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import logging
import os
import re
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sahelgis import __version__
from sahelgis.errors import ProjectFileError
from sahelgis.io import project_file
from sahelgis.model.project import Project
from sahelgis.progress import NULL_PROGRESS, Progress

log = logging.getLogger(__name__)

RECOVERY_FOLDER = "recovery"
RECOVERY_SUFFIX = ".recovery.gpkg"
#: Key of the recovery information in the project state's ``extra``.
INFO_KEY = "sahelgis_recovery"
UNTITLED = "untitled"
_TEMP_NAME = re.compile(r"^\..+\.tmp-(?P<pid>\d+)(?:-[0-9a-f]+)?\.gpkg(?:-\w+)?$")


@dataclass(frozen=True)
class Recovery:
    """A recovery file found on disk.

    Attributes
    ----------
    path
        The recovery file.
    project_path
        The project file the changes belong to; None for a never-saved project.
    saved_at
        When the copy was written (timezone-aware, UTC).
    pid
        Process id of the SahelGIS that wrote it (None if unknown).
    """

    path: Path
    project_path: Path | None
    saved_at: datetime
    pid: int | None = None

    @property
    def project_name(self) -> str:
        """The project's file name, or "an untitled project"."""
        return self.project_path.name if self.project_path else "an untitled project"

    @property
    def stale(self) -> bool:
        """True when the project file was saved after this copy was written.

        A stale copy holds nothing the project file lacks; it is not offered.
        """
        if self.project_path is None:
            return False
        try:
            saved = self.project_path.stat().st_mtime
        except OSError:
            return False  # the project file is gone: the copy is all there is
        return saved > self.saved_at.timestamp()


def recovery_dir(base: str | Path) -> Path:
    """The folder of recovery files under ``base`` (the user's app data folder)."""
    return Path(base) / RECOVERY_FOLDER


def recovery_path_for(project_path: str | Path | None, base: str | Path) -> Path:
    """The recovery file for a project path (None: an untitled project).

    Saved projects are named after their file plus a hash of its full path, so
    ``analysis.gpkg`` in two folders never share a recovery file. Untitled ones
    are named after this process, so two running untitled sessions never
    overwrite each other's copy.
    """
    if project_path is None:
        name = f"{UNTITLED}-{os.getpid()}"
    else:
        path = Path(project_path)
        key = os.path.normcase(str(path.resolve()))
        digest = hashlib.sha1(key.encode("utf-8"), usedforsecurity=False)
        stem = re.sub(r"[^\w-]+", "_", path.stem).strip("_")[:40] or "project"
        name = f"{stem}-{digest.hexdigest()[:12]}"
    return recovery_dir(base) / f"{name}{RECOVERY_SUFFIX}"


def snapshot(project: Project) -> Project:
    """A detached copy of the project's saved content, cheap to take.

    Layers are copied shallowly (their data frames are shared, never changed in
    place), so a background thread can write the copy while the user keeps
    editing the original. The copy has the same path and an empty undo history.
    """
    layers = []
    for layer in project.layers:
        clone = copy.copy(layer)
        clone.analysis = copy.deepcopy(layer.analysis)
        layers.append(clone)
    copied = Project(layers)
    copied.time_window.update_from_dict(project.time_window.to_dict())
    copied.view_extent = project.view_extent
    copied.event_filter = project.event_filter
    copied.selection = project.selection
    copied.extra_state = copy.deepcopy(project.extra_state)
    copied.set_path(project.path)
    return copied


def write_project_copy(
    project: Project, path: str | Path, progress: Progress = NULL_PROGRESS
) -> Path:
    """Write the project to ``path`` atomically, leaving the project untouched.

    Unlike ``project_file.save_project`` this neither sets the project's path
    nor marks it saved, and keeps no ``.bak`` file. The temporary file is hidden
    (leading dot), unique per call and removed on failure.
    """
    return project_file.write_copy(project, path, progress, lock=False)


def write_recovery(
    project: Project, base: str | Path, progress: Progress = NULL_PROGRESS
) -> Path:
    """Write a recovery copy of the project; returns the recovery file.

    The project keeps its path and its modified state. Safe to call from a
    worker thread on a ``snapshot`` of the project.
    """
    copied = snapshot(project)
    copied.extra_state[INFO_KEY] = {
        "project_path": str(project.path) if project.path is not None else None,
        "saved_at": datetime.now(UTC).isoformat(timespec="milliseconds"),
        "pid": os.getpid(),
        "app_version": __version__,
    }
    return write_project_copy(copied, recovery_path_for(project.path, base), progress)


def read_recovery(path: str | Path) -> Recovery:
    """The recovery information of one file (``ProjectFileError`` if none)."""
    path = Path(path)
    state = project_file.read_state(path)
    info = state.get("extra", {}).get(INFO_KEY)
    if not isinstance(info, dict):
        raise ProjectFileError(path, "not a SahelGIS recovery file")
    return _recovery_from_info(path, info)


def find_recoveries(base: str | Path, *, include_live: bool = False) -> list[Recovery]:
    """Recovery files under ``base``, newest first.

    Files written by another SahelGIS that is still running are left out unless
    ``include_live``; unreadable files are logged and left out (and left alone).
    Stale copies (see ``Recovery.stale``) are included.
    """
    folder = recovery_dir(base)
    if not folder.is_dir():
        return []
    found: list[Recovery] = []
    for path in folder.glob(f"*{RECOVERY_SUFFIX}"):
        if path.name.startswith("."):
            continue
        try:
            item = read_recovery(path)
        except ProjectFileError as exc:
            log.warning("ignoring recovery file %s: %s", path, exc)
            continue
        if not include_live and _running_elsewhere(item.pid):
            continue
        found.append(item)
    return sorted(found, key=lambda r: r.saved_at, reverse=True)


def load_recovery(recovery: Recovery) -> Project:
    """Open a recovery file as the project it belongs to, marked modified.

    The project's path is the original project file (None if untitled), so the
    user's next Save writes the recovered changes there.
    """
    project = project_file.load_project(recovery.path)
    project.extra_state.pop(INFO_KEY, None)
    project.set_path(recovery.project_path)
    project.mark_modified()  # not saved to its own file yet
    return project


def adopt(recovery: Recovery, base: str | Path) -> Path:
    """Rename a recovered file to the name this process autosaves it under.

    Call after ``load_recovery``: the copy stays on disk until this process's
    next autosave replaces it or a clean save or close removes it.
    """
    target = recovery_path_for(recovery.project_path, base)
    if target != recovery.path:
        os.replace(recovery.path, target)
    return target


def discard(recovery: Recovery | Path) -> None:
    """Delete a recovery file (no error if it is already gone)."""
    path = recovery.path if isinstance(recovery, Recovery) else Path(recovery)
    path.unlink(missing_ok=True)


def remove_stale_temp_files(base: str | Path) -> list[Path]:
    """Delete temporary files left in the recovery folder by killed processes."""
    folder = recovery_dir(base)
    removed: list[Path] = []
    if not folder.is_dir():
        return removed
    for path in folder.iterdir():
        match = _TEMP_NAME.match(path.name)
        if match is None:
            continue
        pid = int(match["pid"])
        if pid == os.getpid() or process_alive(pid):
            continue
        with contextlib.suppress(OSError):
            path.unlink()
            removed.append(path)
    return removed


def process_alive(pid: int) -> bool:
    """True when a process with this id is running (on this machine)."""
    if pid <= 0:
        return False
    if sys.platform == "win32":
        return _windows_process_alive(pid)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    except OSError:
        return False
    return True


def _running_elsewhere(pid: int | None) -> bool:
    # Our own id on a file at startup can only be a dead process's, reused.
    return pid is not None and pid != os.getpid() and process_alive(pid)


def _windows_process_alive(pid: int) -> bool:  # pragma: no cover - Windows only
    import ctypes

    process_query_limited_information = 0x1000
    still_active = 259
    kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
    handle = kernel32.OpenProcess(process_query_limited_information, False, pid)
    if not handle:
        return False
    try:
        code = ctypes.c_ulong()
        if not kernel32.GetExitCodeProcess(handle, ctypes.byref(code)):
            return False
        return code.value == still_active
    finally:
        kernel32.CloseHandle(handle)


def _recovery_from_info(path: Path, info: dict[str, Any]) -> Recovery:
    try:
        saved_at = datetime.fromisoformat(str(info["saved_at"]))
    except (KeyError, ValueError):
        saved_at = datetime.fromtimestamp(path.stat().st_mtime, UTC)
    if saved_at.tzinfo is None:
        saved_at = saved_at.replace(tzinfo=UTC)
    project_path = info.get("project_path")
    pid = info.get("pid")
    return Recovery(
        path=path,
        project_path=Path(project_path) if project_path else None,
        saved_at=saved_at,
        pid=int(pid) if isinstance(pid, int) else None,
    )


__all__ = [
    "INFO_KEY",
    "RECOVERY_SUFFIX",
    "Recovery",
    "adopt",
    "discard",
    "find_recoveries",
    "load_recovery",
    "process_alive",
    "read_recovery",
    "recovery_dir",
    "recovery_path_for",
    "remove_stale_temp_files",
    "snapshot",
    "write_project_copy",
    "write_recovery",
]
