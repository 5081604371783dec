"""Typed parameters of an analysis: declared once, read from any front end.

A :class:`Param` states a parameter's name, label, kind, unit, default, bounds
and help. The same declaration reads the value an analyst gives on the command
line (text), in a recipe (TOML: text, numbers, lists), in a GUI dialog (text or
numbers) or in a saved project (JSON), and refuses a bad one with a single line
naming the parameter as the analyst spelled it (``--radius``, ``radii``,
``Radius``).

Units are explicit: a distance must carry its unit ("10 km", "70mi", "500 m");
a bare number is refused with a hint, except where the parameter's name says
its unit (``eps_km`` is kilometres, ``radii_m`` metres). Choices accept their
documented synonyms everywhere ("cercle", "cercles", "admin2").
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sahelgis.analysis.units import (
    MAX_COUNT,
    check_count,
    check_distance_km,
    check_lonlat,
    check_number,
    parse_day,
    parse_distance,
    parse_distances,
    unit_of,
)
from sahelgis.errors import SahelGISError

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

__all__ = ["KINDS", "Param", "ParamError", "read_params"]

#: What a parameter holds (and how it is read).
KINDS = (
    "distance",  # one ground distance with its unit → metres
    "distances",  # several distances ("10, 25, 50 km") → sorted metres
    "text",
    "texts",  # one or several names
    "choice",  # one of ``choices`` (or a synonym) → the canonical choice
    "keys",  # grouping keys: year, month, quarter, event_type, ...
    "int",
    "float",
    "lonlat",  # "LON,LAT" or [lon, lat] in WGS84 degrees
    "date",  # YYYY-MM-DD
    "flag",
    "path",
)


class ParamError(SahelGISError):
    """A parameter value an analysis cannot use; the message names it."""


@dataclass(frozen=True)
class Param:
    """One parameter of an analysis.

    Parameters
    ----------
    name
        Canonical key: the recipe key and saved-spec key; the command-line
        option is ``--name`` with dashes (``max_geo_precision`` →
        ``--max-geo-precision``).
    label
        The GUI label.
    kind
        One of :data:`KINDS`.
    default
        The value when not given, in the form the analyst writes it ("10 km",
        "year"); ``None`` means "not set".
    help
        One line for ``--help``, tooltips and README.
    unit
        The unit of a number ("km", "m", "events"); distances carry their own.
    low, high
        Bounds of a number, inclusive.
    choices
        Allowed values of a choice, canonical spelling first.
    synonyms
        Other spellings of each choice (``{"cercle": ("cercles", "admin2")}``).
    aliases
        Other keys accepted for the parameter ("radius" for "radii").
    required
        Must be given (or be part of a ``group`` one of which is given).
    group
        Parameters of one group are alternatives (``town`` or ``at``).
    cli
        Offered on the command line; ``cli_flag`` overrides the option name.
    gui
        Asked in the GUI dialog.
    recipe
        Accepted in a recipe's ``[[analysis]]`` table.
    allow_zero
        A distance or number of 0 is accepted.
    """

    name: str
    label: str
    kind: str
    default: Any = None
    help: str = ""
    unit: str = ""
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] = ()
    synonyms: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    aliases: tuple[str, ...] = ()
    required: bool = False
    group: str = ""
    cli: bool = True
    cli_flag: str = ""
    gui: bool = True
    recipe: bool = True
    allow_zero: bool = False

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"{self.name}: unknown parameter kind {self.kind!r}")

    # -- names ------------------------------------------------------------------
    @property
    def flag(self) -> str:
        """The command-line option (``--max-geo-precision``)."""
        return self.cli_flag or "--" + self.name.replace("_", "-")

    @property
    def keys(self) -> tuple[str, ...]:
        """Every key the parameter may be given under."""
        return (self.name, *self.aliases)

    def describe(self) -> str:
        """Help text with the default and the choices (for --help and README)."""
        parts = [self.help.rstrip(".")] if self.help else []
        if self.choices:
            parts.append("one of " + ", ".join(self.choices))
        if self.unit and self.kind in ("int", "float"):
            parts.append(f"in {self.unit}")
        if self.default not in (None, "", False, ()):
            parts.append(f"default {_show(self.default)}")
        return "; ".join(parts)

    # -- reading ------------------------------------------------------------------
    def read(self, value: Any, spelled: str | None = None) -> Any:
        """The value in canonical form (metres, canonical choice, tuple ...).

        Raises
        ------
        ParamError
            One line naming the parameter as ``spelled`` (default its name).
        """
        name = spelled or self.name
        try:
            return self._read(value, name)
        except ParamError:
            raise
        except (ValueError, TypeError) as exc:
            text = str(exc)
            if not text.startswith(name):
                text = f"{name} = {_show(value)}: {text}"
            raise ParamError(text) from None

    def _read(self, value: Any, name: str) -> Any:
        kind = self.kind
        if kind == "distance":
            return self._distance(value, name)
        if kind == "distances":
            return self._distances(value, name)
        if kind == "text":
            if not isinstance(value, str) or not value.strip():
                raise ValueError("give a name (text)")
            return value.strip()
        if kind == "texts":
            return tuple(_texts(value))
        if kind == "choice":
            return self._choice(value, name)
        if kind == "keys":
            return tuple(dict.fromkeys(_keys(value)))
        if kind == "int":
            low = int(self.low) if self.low is not None else 0
            high = int(self.high) if self.high is not None else MAX_COUNT
            return check_count(_number_of(value), name, low, high)
        if kind == "float":
            if self.unit == "km":
                km = check_distance_km(
                    _number_of(value), name, allow_zero=self.allow_zero
                )
                if self.low is not None and km < self.low:
                    raise ValueError(f"{name} = {value!r} km: at least {self.low:g}")
                return km
            lowest = -math.inf if self.low is None else self.low
            highest = math.inf if self.high is None else self.high
            return check_number(_number_of(value), name, lowest, highest)
        if kind == "lonlat":
            return _lonlat(value, name)
        if kind == "date":
            return str(parse_day(value, name))
        if kind == "flag":
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text in ("1", "true", "yes", "on"):
                return True
            if text in ("0", "false", "no", "off", ""):
                return False
            raise ValueError("expected true or false")
        # path
        if not isinstance(value, str) or not value.strip():
            raise ValueError("give a file path")
        return value.strip()

    def _distance(self, value: Any, name: str) -> float:
        if isinstance(value, bool):
            raise ValueError("expected a distance with its unit, e.g. '10 km'")
        if self.unit and isinstance(value, (int, float)):
            value = f"{value} {self.unit}"
        try:
            return parse_distance(value, None, allow_zero=self.allow_zero)
        except ValueError as exc:
            raise ParamError(f"{name} = {_show(value)}: {exc}") from None

    def _distances(self, value: Any, name: str) -> tuple[float, ...]:
        items = value if isinstance(value, (list, tuple)) else [value]
        out: list[float] = []
        for item in items:
            if isinstance(item, bool):
                raise ParamError(f"{name} = {_show(item)}: expected a distance")
            if isinstance(item, (int, float)):
                if not math.isfinite(item):
                    raise ParamError(f"{name} = {item}: not a finite number")
                if not self.unit:
                    raise ParamError(
                        f"{name} = {_show(item)}: distance has no unit; write "
                        f"e.g. '{item} km' or '{item} mi'"
                    )
                try:
                    out.append(parse_distance(f"{item!r}{self.unit}", None))
                except ValueError as exc:
                    raise ParamError(f"{name} = {_show(item)}: {exc}") from None
                continue
            try:
                out += parse_distances(str(item), None)
            except ValueError as exc:
                raise ParamError(f"{name} = {_show(item)}: {exc}") from None
        if not out:
            raise ParamError(f"{name}: give at least one distance")
        if len(set(out)) != len(out):
            raise ParamError(f"{name} = {_show(value)}: a distance is given twice")
        return tuple(sorted(out))

    def _choice(self, value: Any, name: str) -> str:
        text = str(value).strip().lower().replace("-", "_").replace(" ", "_")
        for choice in self.choices:
            spellings = (choice, *self.synonyms.get(choice, ()))
            if text in {s.lower().replace("-", "_") for s in spellings}:
                return choice
        raise ParamError(
            f"{name} = {_show(value)}; use one of {', '.join(self.choices)}"
        )

    def unit_written(self, value: Any) -> str:
        """The unit the analyst wrote ("mi" for "70mi"); "km" by default."""
        if isinstance(value, (list, tuple)):
            value = " ".join(str(v) for v in value)
        if isinstance(value, (int, float)):
            return "km" if self.unit in ("", "m") else self.unit
        return unit_of(str(value))


def read_params(
    params: Sequence[Param],
    raw: Mapping[str, Any],
    *,
    spell: Any = None,
    where: str = "",
) -> dict[str, Any]:
    """Read every parameter given in ``raw`` (by name or alias).

    Returns the canonical values by parameter name, plus ``_unit:<name>`` for
    distances (the unit the analyst wrote). Unknown keys, missing required
    parameters and two alternatives of one group are refused, one line each.
    ``spell(param, key)`` gives the name used in messages (e.g. the CLI
    option); ``where`` prefixes every message.
    """
    by_key = {key: p for p in params for key in p.keys}
    unknown = [k for k in raw if k not in by_key]
    if unknown:
        raise ParamError(f"{where}unknown keys: {', '.join(sorted(unknown))}")
    out: dict[str, Any] = {}
    given: dict[str, str] = {}
    for key, value in raw.items():
        if value is None:
            continue
        param = by_key[key]
        if param.name in given:
            raise ParamError(
                f"{where}{key} and {given[param.name]} are the same parameter; give one"
            )
        spelled = spell(param, key) if spell else key
        try:
            out[param.name] = param.read(value, spelled)
        except ParamError as exc:
            raise ParamError(f"{where}{exc}") from None
        if param.kind in ("distance", "distances"):
            out[f"_unit:{param.name}"] = param.unit_written(value)
        given[param.name] = key
    groups: dict[str, list[Param]] = {}
    for param in params:
        if param.group:
            groups.setdefault(param.group, []).append(param)
    for members in groups.values():
        present = [p for p in members if p.name in out]
        names = " or ".join((spell(p, p.name) if spell else p.name) for p in members)
        if len(present) > 1:
            raise ParamError(f"{where}give {names}, not both")
        if not present and any(p.required for p in members):
            raise ParamError(f"{where}give {names}")
    for param in params:
        missing = param.name not in out and param.default is None
        if param.required and not param.group and missing:
            spelled = spell(param, param.name) if spell else param.name
            raise ParamError(f"{where}give {spelled}")
    for param in params:
        if param.name not in out and param.default is not None and not param.group:
            out[param.name] = param.read(param.default)
            if param.kind in ("distance", "distances"):
                out[f"_unit:{param.name}"] = param.unit_written(param.default)
    return out


# ------------------------------------------------------------------ helpers ---
def _show(value: Any) -> str:
    return repr(value) if isinstance(value, str) else str(value)


def _number_of(value: Any) -> Any:
    """Text numbers from a command line or a dialog as numbers."""
    if isinstance(value, str):
        text = value.strip()
        try:
            return int(text)
        except ValueError:
            try:
                return float(text)
            except ValueError:
                return value
    return value


def _texts(value: Any) -> list[str]:
    if isinstance(value, str):
        parts = [value]
    elif isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        parts = list(value)
    else:
        raise ValueError("give text or a list of text")
    out = [p.strip() for p in parts if p.strip()]
    if not out:
        raise ValueError("give at least one name")
    return out


def _keys(value: Any) -> list[str]:
    from sahelgis.analysis.results import normalise_by

    items = value if isinstance(value, (list, tuple)) else [value]
    out: list[str] = []
    for item in items:
        if not isinstance(item, str):
            raise ValueError("give grouping keys as text, e.g. year, event_type")
        out += list(normalise_by(item))
    return out


def _lonlat(value: Any, name: str) -> tuple[float, float]:
    if isinstance(value, str):
        parts = [p for p in value.replace(";", ",").replace(" ", ",").split(",") if p]
        try:
            numbers = [float(p) for p in parts]
        except ValueError:
            numbers = []
        if len(numbers) != 2:
            raise ParamError(
                f"{name} {value!r}: write the centre as LON,LAT, e.g. -7.29,15.17"
            )
        value = numbers
    if not (isinstance(value, (list, tuple)) and len(value) == 2):
        raise ParamError(f"{name} = {_show(value)}: give [lon, lat]")
    lon, lat = check_lonlat(value[0], value[1], name)
    return float(lon), float(lat)
