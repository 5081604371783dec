"""Unpack a compressed ACLED export (.csv.gz, or a .zip as ACLED downloads come).

Part of the ACLED reader (:func:`sahelgis.io.acled.read_acled`). The file inside
is streamed to a scratch folder, never past
:data:`~sahelgis.io.limits.MAX_ARCHIVE_UNPACKED_BYTES` (counted while writing, so
a header that lies about the size does not matter), and then read like any
other export. A ZIP gives its first CSV/TSV/TXT member (in archive order,
skipping folders and macOS ``__MACOSX`` and dot files), else its first .xlsx; a
password-protected member, a nested archive, or more than
:data:`~sahelgis.io.limits.MAX_ARCHIVE_MEMBERS` members is refused.
"""

from __future__ import annotations

import gzip
import zipfile
import zlib
from pathlib import Path, PurePosixPath
from typing import IO, TYPE_CHECKING

from sahelgis.errors import InputError
from sahelgis.io import limits

if TYPE_CHECKING:
    from sahelgis.progress import Progress

GZIP_MAGIC = b"\x1f\x8b"
ZIP_MAGIC = b"PK\x03\x04"

_TEXT_SUFFIXES = (".csv", ".tsv", ".txt")
_BOOK_SUFFIXES = (".xlsx", ".xlsm")
_CHUNK = 1 << 20


def _gb(n: int) -> str:
    return f"{n / (1 << 30):g} GiB"


def _copy(
    source: IO[bytes] | gzip.GzipFile, target: Path, path: Path, progress: Progress
) -> None:
    """Stream ``source`` into ``target`` within the unpacked-size limit."""
    limit = limits.MAX_ARCHIVE_UNPACKED_BYTES
    total = 0
    with target.open("wb") as out:
        while chunk := source.read(_CHUNK):
            total += len(chunk)
            if total > limit:
                raise InputError(
                    path,
                    f"refused: the compressed file unpacks to more than {_gb(limit)}",
                )
            out.write(chunk)
            progress.check()


def _member(path: Path, archive: zipfile.ZipFile) -> zipfile.ZipInfo | None:
    """The member to import; None when the archive is an Office file."""
    infos = archive.infolist()
    if len(infos) > limits.MAX_ARCHIVE_MEMBERS:
        raise InputError(
            path,
            f"refused: a ZIP archive with {len(infos):,} members (at most "
            f"{limits.MAX_ARCHIVE_MEMBERS:,})",
        )
    if any(i.filename == "[Content_Types].xml" for i in infos):
        return None
    files = [
        i
        for i in infos
        if not i.is_dir()
        and not i.filename.startswith("__MACOSX/")
        and not PurePosixPath(i.filename).name.startswith(".")
    ]
    for suffixes in (_TEXT_SUFFIXES, _BOOK_SUFFIXES):
        for info in files:
            if PurePosixPath(info.filename).suffix.lower() in suffixes:
                return info
    names = ", ".join(i.filename for i in files[:3]) or "nothing"
    raise InputError(
        path, f"a ZIP archive without a CSV or .xlsx file inside (it holds {names})"
    )


def unpack(path: Path, head: bytes, folder: Path, progress: Progress) -> Path | None:
    """Unpack the export inside ``path`` into ``folder``.

    Parameters
    ----------
    path
        A .gz file or a ZIP archive (``head`` starts with its magic bytes).
    head
        The first bytes of the file.
    folder
        An empty scratch folder the caller removes afterwards.
    progress
        Checked between chunks, so a long unpack can be cancelled.

    Returns
    -------
    pathlib.Path or None
        The unpacked file (named like the original member, so its suffix says
        CSV or workbook), or None when ``path`` is an Office workbook or a
        ZIP too damaged to list (the workbook reader then explains).

    Raises
    ------
    InputError
        Damaged, encrypted, nested or too large; no CSV or workbook inside.
    """
    progress.set(0.02, "Unpacking")
    try:
        if head.startswith(GZIP_MAGIC):
            name = Path(
                path.name[: -len(".gz")]
                if path.name.lower().endswith(".gz")
                else path.stem
            )
            if name.suffix.lower() not in (*_TEXT_SUFFIXES, *_BOOK_SUFFIXES):
                name = name.with_name(f"{name.name}.csv")
            target = folder / _safe(name.name)
            with gzip.open(path, "rb") as source:
                _copy(source, target, path, progress)
        else:
            try:
                archive = zipfile.ZipFile(path)
            except zipfile.BadZipFile:
                return None  # a damaged workbook or archive: the xlsx reader says
            with archive:
                info = _member(path, archive)
                if info is None:
                    return None
                if info.flag_bits & 0x1:
                    raise InputError(
                        path,
                        f"{info.filename} in the ZIP archive is password-protected",
                    )
                target = folder / _safe(PurePosixPath(info.filename).name)
                with archive.open(info) as source:
                    _copy(source, target, path, progress)
    except (gzip.BadGzipFile, zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise InputError(path, f"damaged compressed file ({exc})") from exc
    except NotImplementedError as exc:
        raise InputError(path, f"unsupported ZIP compression ({exc})") from exc
    with target.open("rb") as handle:
        inner = handle.read(4)
    if (
        inner.startswith((GZIP_MAGIC, ZIP_MAGIC))
        and target.suffix.lower() not in _BOOK_SUFFIXES
    ):
        raise InputError(path, "an archive inside an archive; unpack it first")
    return target


def _safe(name: str) -> str:
    """A plain file name for the scratch copy (no separators, not empty)."""
    cleaned = "".join(c if c.isalnum() or c in "._- " else "_" for c in name)
    return cleaned.strip(". ") or "export.csv"
