"""What kind of file an ACLED import is: format, encoding, delimiter, header.

Part of the ACLED reader (:func:`sahelgis.io.acled.read_acled`). It holds the
first look at a file before any row is parsed: column-name normalisation and
the required-column check, UTF-16/32 and binary detection from the first bytes,
transcoding, the choice of delimiter from the header line, the legacy
single-byte encodings charset-normalizer picks from, the marking of invalid
UTF-8 bytes in a mostly-UTF-8 file (:class:`_InvalidUtf8`), and the refusal of
a plain ZIP archive.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sahelgis.errors import InputError
from sahelgis.model import acled_schema as acled

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence
    from pathlib import Path

_HEAD_BYTES = 1 << 16


def read_head(path: Path) -> bytes:
    """The first bytes of an event file, read to judge what it is.

    Parameters
    ----------
    path
        The file the user named.

    Returns
    -------
    bytes
        Up to 64 KiB from the start of the file.

    Raises
    ------
    InputError
        One line: the file is missing, not a file, unreadable or empty.
    """
    if not path.exists():
        raise InputError(path, "file not found")
    if not path.is_file():
        raise InputError(path, "not a file")
    try:
        with path.open("rb") as handle:
            head = handle.read(_HEAD_BYTES)
    except OSError as exc:
        raise InputError(path, f"cannot be opened ({exc.strerror or exc})") from exc
    if not head.strip():
        raise InputError(path, "the file is empty")
    return head


_CHUNK_BYTES = 1 << 24


_KNOWN_COLUMNS: tuple[str, ...] = acled.CURRENT_COLUMNS + acled.LEGACY_COLUMNS


_UNICODE_WIDE = ("utf-16", "utf-16-le", "utf-16-be", "utf-32")


def _normalise_name(name: str) -> str:
    """Lower-case a header; "Event Date" or "EVENT-DATE" become a known name."""
    name = name.replace("\ufeff", "")
    if name.startswith("ï»¿"):  # a UTF-8 BOM read as cp1252
        name = name[3:]
    name = name.strip().lower()
    joined = re.sub(r"[\s\-]+", "_", name)
    if joined != name and (joined in _KNOWN_COLUMNS or joined in acled.COLUMN_ALIASES):
        return joined
    return name


def _describe(names: Iterable[str], limit: int = 12, width: int = 40) -> str:
    shown = [_clip(" ".join(n.split()), width) or "(unnamed)" for n in names]
    more = len(shown) - limit
    text = ", ".join(shown[:limit])
    return f"{text}, … (+{more} more)" if more > 0 else text


def _clip(text: str, width: int) -> str:
    """A name cut to ``width`` characters (a 3 KB "header" is not a column name)."""
    return text if len(text) <= width else text[: width - 1] + "…"


def _check_columns(path: Path, names: Sequence[str]) -> None:
    """Raise when the header lacks required ACLED columns, naming what it has."""
    present = set(names)
    missing = [c for c in acled.REQUIRED_COLUMNS if c not in present]
    if not missing:
        return
    found = _describe([n for n in names if n]) or "none"
    if len(missing) == len(acled.REQUIRED_COLUMNS):
        raise InputError(
            path,
            "not an ACLED export: none of the required columns "
            f"({', '.join(acled.REQUIRED_COLUMNS)}) found; columns found: {found}",
        )
    raise InputError(
        path,
        f"missing required ACLED columns: {', '.join(missing)}; columns found: {found}",
    )


def _detect_wide_or_binary(path: Path, head: bytes) -> str | None:
    """Return a BOM/NUL-based encoding, or None; raise on binary content."""
    if head.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return "utf-32"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if b"\x00" in head:
        # UTF-16 without a BOM: every other byte of ASCII text is NUL.
        even, odd = head[0::2], head[1::2]
        if len(head) >= 4:
            if odd.count(0) > 0.4 * len(odd) and even.count(0) < 0.05 * len(even):
                return "utf-16-le"
            if even.count(0) > 0.4 * len(even) and odd.count(0) < 0.05 * len(odd):
                return "utf-16-be"
    # A stray control byte inside a note is survivable; a header line full of
    # them, or many NULs, means this is not a text file at all.
    first_line = head.split(b"\n", 1)[0][:4096]
    controls = sum(first_line.count(c) for c in range(32) if c not in (9, 13))
    if controls > 0.05 * len(first_line) or head.count(0) > 0.01 * len(head):
        raise InputError(path, "not a CSV or Excel file (binary content)")
    return None


def _is_utf8_prefix(head: bytes, final: bool) -> bool:
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        decoder.decode(head, final=final)
    except UnicodeDecodeError:
        return False
    return True


def _transcode(path: Path, encoding: str) -> bytes:
    """Decode the whole file with ``encoding`` and return it as UTF-8 bytes.

    Works in chunks so a large file is never held twice as Python text.
    """
    decoder = codecs.getincrementaldecoder(encoding)()
    out = io.BytesIO()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK_BYTES):
            out.write(decoder.decode(chunk).encode("utf-8"))
        out.write(decoder.decode(b"", final=True).encode("utf-8"))
    return out.getvalue()


def _choose_delimiter(header_text: str) -> tuple[str, list[str]]:
    """Pick the delimiter whose header split yields the most ACLED columns."""
    best: tuple[tuple[int, int, int], str, list[str]] | None = None
    for delimiter in (",", ";", "\t"):
        reader = csv.reader(io.StringIO(header_text, newline=""), delimiter=delimiter)
        try:
            fields = next(reader)
        except (StopIteration, csv.Error):
            continue
        names = [_normalise_name(f) for f in fields]
        score = (
            sum(n in acled.REQUIRED_COLUMNS for n in names),
            sum(n in _KNOWN_COLUMNS or n in acled.COLUMN_ALIASES for n in names),
            len(fields),
        )
        if best is None or score > best[0]:
            best = (score, delimiter, fields)
    if best is None:
        return ",", []
    return best[1], best[2]


class _NotThisEncoding(Exception):
    """The bytes do not decode with the encoding being tried."""


#: Single-byte encodings charset-normalizer chooses from for a file that is not
#: (mostly) UTF-8: what spreadsheets on Western-locale Windows save ACLED exports
#: as. Wider lists let it guess cp1250 or Mac Roman for French text ("prčs").
LEGACY_ENCODINGS: tuple[str, ...] = ("cp1252", "latin-1")


_LEGACY_SAMPLE_BYTES = 1 << 18


_NON_ASCII_LINES = re.compile(rb"[^\n]*[\x80-\xff][^\n]*\n?")


def _legacy_candidates(raw: bytes) -> list[str]:
    """Encodings to try, charset-normalizer's choice first.

    It judges the lines that hold non-ASCII bytes (up to 256 KiB of them), so a
    long ASCII start does not hide the accents further down.
    """
    import charset_normalizer

    sample = bytearray()
    for match in _NON_ASCII_LINES.finditer(raw):
        sample += match.group()
        if len(sample) >= _LEGACY_SAMPLE_BYTES:
            break
    isolation = [codecs.lookup(e).name for e in LEGACY_ENCODINGS]
    best = charset_normalizer.from_bytes(bytes(sample), cp_isolation=isolation).best()
    order = list(LEGACY_ENCODINGS)
    if best is not None:
        chosen = codecs.lookup(best.encoding).name
        order.sort(key=lambda e: codecs.lookup(e).name != chosen)
    return order


# Invalid UTF-8 bytes are replaced by ``_MARK_OPEN + index + _MARK_CLOSE`` (two
# private-use characters absent from the file), so every cell that held them
# says which bytes it held, whatever the parser drops or reorders.
_MARK_CANDIDATES = tuple(chr(c) for c in range(0xE000, 0xE100))


_BAD_RUN = re.compile("[\udc80-\udcff]+")


_DECODE_CHUNK = 1 << 24


_UTF8_LEADS = bytes(range(0xC2, 0xF5))  # first bytes of multi-byte characters


@dataclass
class _InvalidUtf8:
    """The invalid byte runs of a mostly-UTF-8 file and the marks naming them."""

    runs: list[bytes]
    mark_open: str
    mark_close: str

    def pattern(self) -> re.Pattern[str]:
        return re.compile(f"{self.mark_open}(\\d+){self.mark_close}")

    def show(self, text: str, width: int = 120) -> str:
        r"""``text`` with each mark as its bytes in ``\xNN`` form.

        Clipped to ``width`` characters around the first mark.
        """
        first = text.find(self.mark_open)
        shown = self.pattern().sub(
            lambda m: "".join(f"\\x{b:02x}" for b in self.runs[int(m[1])]), text
        )
        if len(shown) <= width:
            return shown
        start = max(0, first - width // 3)
        clipped = shown[start : start + width]
        return ("…" if start else "") + clipped + "…"


def _mark_invalid_utf8(raw: bytes) -> tuple[bytes, _InvalidUtf8] | None:
    """UTF-8 bytes with each invalid byte run replaced by a numbered mark.

    Returns None when the file is not *mostly* UTF-8: it has no more valid
    multi-byte UTF-8 characters than invalid bytes (a cp1252 file with a stray
    UTF-8 "é" is cp1252; a UTF-8 file with a stray cp1252 byte is UTF-8).
    """
    absent = (c for c in _MARK_CANDIDATES if c.encode("utf-8") not in raw)
    marks = list(itertools.islice(absent, 2))  # usually the first two
    if len(marks) < 2:
        return None
    runs: list[bytes] = []

    def mark(match: re.Match[str]) -> str:
        runs.append(bytes(ord(c) - 0xDC00 for c in match.group()))
        return f"{marks[0]}{len(runs) - 1}{marks[1]}"

    out = io.BytesIO()
    pos = 0
    while pos < len(raw):
        end = min(pos + _DECODE_CHUNK, len(raw))
        if end < len(raw):  # cut after a newline: never inside a character
            newline = raw.find(b"\n", end)
            end = len(raw) if newline < 0 else newline + 1
        chunk = raw[pos:end]
        try:
            chunk.decode("utf-8")
            out.write(chunk)  # the usual case: nothing to mark here
        except UnicodeDecodeError:
            text = chunk.decode("utf-8", errors="surrogateescape")
            out.write(_BAD_RUN.sub(mark, text).encode("utf-8"))
        pos = end
    if not runs:  # valid after all: read it as UTF-8
        return out.getvalue(), _InvalidUtf8([], marks[0], marks[1])
    bad_bytes = sum(len(r) for r in runs)
    leads = len(raw) - len(raw.translate(None, _UTF8_LEADS))  # one C pass
    bad_leads = sum(1 for r in runs for b in r if 0xC2 <= b <= 0xF4)
    if leads - bad_leads <= bad_bytes:
        return None
    return out.getvalue(), _InvalidUtf8(runs, marks[0], marks[1])


def _refuse_plain_zip(path: Path) -> None:
    """A ZIP that is not an Office file: say so (ACLED downloads come zipped)."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError):
        return  # _read_xlsx reports the damaged archive
    if names and "[Content_Types].xml" not in names:
        inside = _describe(names, limit=3)
        raise InputError(
            path,
            f"a ZIP archive ({inside}), not a CSV or .xlsx file: unzip it and "
            "import the file inside",
        )
