r"""Names read from files, made safe to use as file names.

Projects and data files come from other people: a layer or figure called
``../../x``, ``/etc/cron.d/x`` or ``C:\Windows\x`` must never make SahelGIS
write outside the folder the user chose. Whenever a name from a file becomes
part of a path (a suggested export name, a file per figure or per layer), build
the path with :func:`safe_child`: it always returns a file directly inside the
folder.

No Qt here (conventions §1).
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

__all__ = ["MAX_NAME_LENGTH", "safe_child", "safe_name"]

#: Longest file name returned (most file systems allow 255 bytes).
MAX_NAME_LENGTH = 120

# Path separators, drive colons, wildcards, quotes and control characters.
_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]+')
# Names Windows reserves for devices, whatever the extension ("nul.txt").
_RESERVED = frozenset(
    {"CON", "PRN", "AUX", "NUL"}
    | {f"COM{i}" for i in range(1, 10)}
    | {f"LPT{i}" for i in range(1, 10)}
)


def safe_name(name: object, default: str = "untitled") -> str:
    """One file name, without folders, made from any text.

    Separators, drive colons, wildcards and control characters become ``_``;
    leading dots and underscores go (no hidden files, no ``..``), as do trailing
    dots and spaces (Windows drops them); Windows device names get a ``_``
    prefix; the name is cut to :data:`MAX_NAME_LENGTH` characters keeping its
    extension. Letters of any script are kept (``Ségou — RN4.gpkg``).

    Parameters
    ----------
    name
        The text to turn into a file name (converted with ``str``).
    default
        Used when nothing is left (``""``, ``".."``, ``"///"``).
    """
    text = unicodedata.normalize("NFC", str(name))
    text = _UNSAFE.sub("_", text)
    text = " ".join(text.split())  # tabs, newlines and runs of spaces
    text = text.strip(" ._")
    if not text:
        text = default
    stem = text.split(".", 1)[0].rstrip(" ")
    if stem.upper() in _RESERVED:
        text = f"_{text}"
    if len(text) > MAX_NAME_LENGTH:
        base, dot, suffix = text.rpartition(".")
        if dot and 0 < len(suffix) <= 10 and base:
            keep = MAX_NAME_LENGTH - len(suffix) - 1
            text = f"{base[:keep].rstrip(' .')}.{suffix}"
        else:
            text = text[:MAX_NAME_LENGTH].rstrip(" .")
    return text


def safe_child(folder: str | Path, name: object, default: str = "untitled") -> Path:
    """The file ``folder / safe_name(name)``: always directly inside ``folder``.

    Parameters
    ----------
    folder
        The folder the user chose.
    name
        Any text, typically read from a project or data file.
    default
        File name used when ``name`` has nothing usable.

    Raises
    ------
    ValueError
        Never for a sane folder; kept as a last check that the result's
        parent is ``folder`` itself.
    """
    folder = Path(folder)
    child = folder / safe_name(name, default)
    if child.parent != folder or child.name in ("", ".", ".."):
        raise ValueError(f"{name!r} does not give a file name inside {folder}")
    return child
