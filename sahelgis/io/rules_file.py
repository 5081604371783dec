"""TOML for the files analysts edit by hand: zone rules and recipes.

A small writer (:func:`toml_value` renders a bool, number, string or list as a
TOML value, strings escaped by :func:`_toml_string`, lists one item a line)
and a reader (:func:`read_toml`) whose every failure is an
:class:`~sahelgis.errors.InputError` naming the file. The rule set's own file
form is :mod:`sahelgis.analysis.rules_toml`; scale recipes use these too.
"""

from __future__ import annotations

import math
import tomllib
from typing import TYPE_CHECKING, Any

from sahelgis.errors import InputError

if TYPE_CHECKING:
    from pathlib import Path


def _toml_string(value: str) -> str:
    out = ['"']
    for char in value:
        code = ord(char)
        if char == '"':
            out.append('\\"')
        elif char == "\\":
            out.append("\\\\")
        elif char == "\n":
            out.append("\\n")
        elif char == "\t":
            out.append("\\t")
        elif code < 0x20 or code == 0x7F:
            out.append(f"\\u{code:04X}")
        else:
            out.append(char)
    out.append('"')
    return "".join(out)


def toml_value(value: Any) -> str:
    """A value as TOML text.

    Parameters
    ----------
    value
        A bool, int, float (not finite ones as ``nan``), str, or a list or
        tuple of those (one item a line).

    Returns
    -------
    str
        The TOML literal.

    Raises
    ------
    TypeError
        For any other type.
    """
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else "nan"
    if isinstance(value, str):
        return _toml_string(value)
    if isinstance(value, (list, tuple)):
        if not value:
            return "[]"
        items = "".join(f"    {toml_value(v)},\n" for v in value)
        return "[\n" + items + "]"
    raise TypeError(f"cannot write {type(value).__name__} to TOML")


def read_toml(path: Path, what: str) -> dict[str, Any]:
    """A TOML file as a dict; an InputError naming the file says what is wrong."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(path, f"{what} file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(path, f"cannot read the {what}: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(path, f"not a valid TOML {what} file ({exc})") from None
