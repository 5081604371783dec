"""Safe file writes: one place for atomic replace, locking, modes and symlinks.

Every file SahelGIS writes for the user (projects, backups, store manifests,
analysis tables and layers, recipes, drawings, figures) goes through
:func:`atomic_target`:

- the path is resolved first, so saving through a symlink updates the file it
  points to and the link stays a link;
- a read-only file, or a file in a read-only folder, is refused with a one-line
  message before any work is done;
- the result is written to a hidden temporary file beside the real target,
  flushed to disk, given the mode of the file it replaces (a new file gets the
  mode the umask gives), then moved over the target in one ``os.replace``; if
  nothing was written, or the writer failed, the target is left untouched;
- the whole write holds a lock (``filelock``) on a hidden sibling file
  ``.NAME.lock``, so two SahelGIS processes never interleave their writes of
  the same file; a lock held longer than :data:`LOCK_TIMEOUT_S` gives a
  one-line "being written by another SahelGIS" message.

:func:`guard_output` is the command line's check that an output path is neither
one of the command's inputs nor an existing SahelGIS project.

No Qt here (conventions §1).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from filelock import FileLock, Timeout

from sahelgis.errors import InputError

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator

__all__ = [
    "LOCK_TIMEOUT_S",
    "FileBusyError",
    "OutputRefused",
    "ReadOnlyError",
    "atomic_target",
    "check_writable",
    "fsync_dir",
    "guard_output",
    "lock_file_for",
    "real_path",
    "temp_path_for",
    "write_lock",
]

#: Seconds a writer waits for another SahelGIS to finish writing the same file.
LOCK_TIMEOUT_S = 30.0
#: Suffix of the hidden lock file beside each written file.
LOCK_SUFFIX = ".lock"
# SQLite leaves these beside a database it is writing (removed with the temp).
_SQLITE_SIDE_FILES = ("-journal", "-wal", "-shm")


class FileBusyError(InputError):
    """Another process holds the write lock of this file."""

    def __init__(self, path: str | Path) -> None:
        super().__init__(
            path, "is being written by another SahelGIS (lock held); try again"
        )
        # "P.gpkg is being written ..." reads better without the colon
        self.args = (f"{self.path.name} {self.reason}",)


class ReadOnlyError(InputError):
    """The file (or its folder) may not be written."""


class OutputRefused(InputError):
    """A command's output names its input or a project it was not asked to replace.

    The command line reports it with exit code 2 (a usage error).
    """


def real_path(path: str | Path) -> Path:
    """The absolute path with every symlink, ``.`` and ``..`` resolved.

    Parameters
    ----------
    path
        Any path; it need not exist (its existing part is resolved).
    """
    return Path(os.path.realpath(os.fspath(path)))


def lock_file_for(path: str | Path) -> Path:
    """The hidden lock file of ``path``'s real target: ``.NAME.lock`` beside it."""
    real = real_path(path)
    return real.with_name(f".{real.name}{LOCK_SUFFIX}")


def temp_path_for(path: str | Path) -> Path:
    """A new hidden temporary name beside ``path``, keeping its suffix.

    ``.STEM.tmp-<pid>-<token>SUFFIX``: unique per call, so concurrent writers
    never share one; the suffix is kept because writers pick the format by it.
    """
    path = Path(path)
    token = secrets.token_hex(3)
    return path.with_name(f".{path.stem}.tmp-{os.getpid()}-{token}{path.suffix}")


def _write_bits(mode: int) -> bool:
    return bool(stat.S_IMODE(mode) & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))


def _writable(path: Path) -> bool:
    # os.access alone says yes to root; a file nobody may write is read-only
    # for us too, whoever runs SahelGIS
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    return _write_bits(mode) and os.access(path, os.W_OK)


def check_writable(path: str | Path) -> Path:
    """Refuse a read-only target before any work; returns the real target.

    Parameters
    ----------
    path
        The file about to be written (a symlink is followed).

    Raises
    ------
    ReadOnlyError
        The file, or the nearest existing folder above it, may not be written.
    InputError
        The target is a folder or not a regular file (``/dev/null``, a FIFO).
    """
    real = real_path(path)
    name = Path(path).name
    if real.is_dir():
        raise InputError(path, "is a folder; give a file name")
    if real.exists() and not real.is_file():
        # /dev/null, a FIFO, a socket: never replaced by a regular file
        raise InputError(path, "is not a regular file; give a file name")
    if real.exists() and not _writable(real):
        raise ReadOnlyError(
            path, "is read-only; make it writable or save under another name"
        )
    folder = real.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not _writable(folder):
        raise ReadOnlyError(
            path,
            f"the folder {folder} is read-only; save {name} in another folder",
        )
    return real


# One in-process lock object per lock file (filelock's singleton): re-entrant
# in the thread that holds it (an import holds the lock across load + save),
# exclusive between threads and processes.
_registry_lock = threading.Lock()


def _file_lock(lock_path: Path) -> FileLock:
    with _registry_lock:
        return FileLock(lock_path, timeout=LOCK_TIMEOUT_S, is_singleton=True)


@contextlib.contextmanager
def write_lock(path: str | Path, timeout: float | None = None) -> Iterator[Path]:
    """Hold the write lock of ``path``'s real target; yields that target.

    Parameters
    ----------
    path
        The file (or store manifest) about to be read-modified-written.
    timeout
        Seconds to wait for another holder (default :data:`LOCK_TIMEOUT_S`).

    Raises
    ------
    FileBusyError
        Another SahelGIS kept the lock longer than ``timeout``.
    ReadOnlyError
        The lock file cannot be created (a read-only folder).
    """
    real = real_path(path)
    real.parent.mkdir(parents=True, exist_ok=True)
    lock = _file_lock(lock_file_for(real))
    wait = LOCK_TIMEOUT_S if timeout is None else timeout
    try:
        lock.acquire(timeout=wait)
    except Timeout:
        raise FileBusyError(path) from None
    except PermissionError:
        raise ReadOnlyError(
            path, f"cannot create its lock file in {real.parent} (read-only folder)"
        ) from None
    try:
        yield real
    finally:
        lock.release()


def _umask_mode() -> int:
    # the mode a plain open() would give a new file under the current umask
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o666 & ~mask


def fsync_dir(folder: str | Path) -> None:
    """Flush a folder's entries (a rename) to disk; a no-op off POSIX."""
    if os.name != "posix":
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _fsync_file(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


def _remove_temp(tmp: Path) -> None:
    for extra in ("", *_SQLITE_SIDE_FILES):
        with contextlib.suppress(OSError):
            tmp.with_name(tmp.name + extra).unlink()


@contextlib.contextmanager
def atomic_target(
    path: str | Path,
    *,
    before_replace: Callable[[Path], None] | None = None,
    lock: bool = True,
) -> Iterator[Path]:
    """Write ``path`` atomically: yields a temporary path to write instead.

    On leaving the block, if the temporary file exists it is flushed, given the
    mode of the file it replaces (or the umask's mode for a new file) and moved
    over the real target (symlinks followed) in one ``os.replace``. If the
    block wrote nothing, the target is left as it was; if the block raised, the
    temporary file is removed and the target is left as it was.

    Parameters
    ----------
    path
        The file to write; a symlink is written through to its target.
    before_replace
        Called with the real target, when it exists, just before it is
        replaced (a project keeps its ``.bak`` copy this way).
    lock
        Hold :func:`write_lock` for the whole write (default). Per-process
        files (recovery copies) may skip it.

    Raises
    ------
    ReadOnlyError
        Before the block runs, when the target or its folder is read-only.
    FileBusyError
        Another SahelGIS is writing the same file.
    """
    real = check_writable(path)
    real.parent.mkdir(parents=True, exist_ok=True)
    held = write_lock(real) if lock else contextlib.nullcontext(real)
    with held:
        tmp = temp_path_for(real)
        try:
            yield tmp
            if not tmp.exists():
                return
            _fsync_file(tmp)
            try:
                mode = stat.S_IMODE(real.stat().st_mode)
            except FileNotFoundError:
                mode = _umask_mode()
            os.chmod(tmp, mode)
            if before_replace is not None and real.exists():
                before_replace(real)
            os.replace(tmp, real)
            fsync_dir(real.parent)
        finally:
            _remove_temp(tmp)


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return real_path(a) == real_path(b)


def guard_output(
    output: str | Path,
    inputs: Iterable[str | Path] = (),
    *,
    option: str = "-o",
    project_ok: bool = False,
) -> None:
    """Refuse an output that is one of the inputs or an existing project.

    A command asked to write a table, a layer, a recipe or a figure never
    replaces its own input, nor any SahelGIS project (the user's work):
    ``P.gpkg: is the input project; choose another output file``.

    Parameters
    ----------
    output
        The path given to ``-o`` (or ``--report``).
    inputs
        The files the command reads.
    option
        The option named in the message when it is not ``-o``.
    project_ok
        The command adds to an existing project (``sahelgis import -o``): only
        the inputs are refused.

    Raises
    ------
    OutputRefused
        With a one-line message; the command line exits with code 2.
    """
    from sahelgis.io.project_probe import has_project_state

    output = Path(output)
    flag = "" if option == "-o" else f" (given to {option})"
    for source in inputs:
        source = Path(source)
        if _same_file(output, source):
            kind = (
                "project"
                if source.is_file() and has_project_state(source)
                else "file"
                if not source.is_dir()
                else "folder"
            )
            raise OutputRefused(
                output, f"is the input {kind}{flag}; choose another output file"
            )
    if not project_ok and real_path(output).is_file() and has_project_state(output):
        raise OutputRefused(
            output,
            f"is a SahelGIS project{flag}; choose another output file "
            "(a command never replaces a project)",
        )
