"""Join a table of countries (or regions) to polygons by name or ISO code.

Used for choropleth figures such as the report's Figure 4: a small CSV with a
category per country is joined to the Natural Earth country polygons.
Matching is case- and accent-insensitive ("Cote d'Ivoire" = "Côte d'Ivoire"),
ignores punctuation ("Central African Rep." = "Central African Rep"), knows a
few common long/short forms ("Central African Republic", "CAR") and accepts
ISO 3166 alpha-3 or alpha-2 codes. Rows that match no polygon are reported,
never dropped silently.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from sahelgis.errors import InputError

if TYPE_CHECKING:
    import geopandas as gpd

#: Polygon columns tried, in order, when matching a value.
NAME_FIELDS: tuple[str, ...] = ("name", "name_en", "admin", "NAME", "ADMIN")
ISO3_FIELDS: tuple[str, ...] = ("iso_a3", "ISO_A3", "adm0_a3", "iso3")
ISO2_FIELDS: tuple[str, ...] = ("iso_a2", "ISO_A2", "iso2")

#: Other spellings of Natural Earth's short names (normalised form -> NE form).
ALIASES: dict[str, str] = {
    "central african republic": "central african rep",
    "car": "central african rep",
    "democratic republic of the congo": "dem rep congo",
    "dr congo": "dem rep congo",
    "drc": "dem rep congo",
    "republic of the congo": "congo",
    "congo brazzaville": "congo",
    "ivory coast": "cote d ivoire",
    "western sahara": "w sahara",
    "south sudan": "s sudan",
    "equatorial guinea": "eq guinea",
    "cape verde": "cabo verde",
    "swaziland": "eswatini",
    "the gambia": "gambia",
    "sao tome and principe": "sao tome and principe",
}


def normalise(text: object) -> str:
    """Lowercase, accents and punctuation removed, spaces collapsed."""
    value = unicodedata.normalize("NFKD", str(text))
    value = "".join(ch for ch in value if not unicodedata.combining(ch))
    value = re.sub(r"[^0-9a-z]+", " ", value.casefold())
    return " ".join(value.split())


@dataclass
class JoinResult:
    """The joined polygons and what could not be matched.

    ``frame`` holds every polygon (table columns empty where nothing matched)
    unless ``keep_unmatched_polygons=False``; ``unmatched`` lists the table's
    key values that found no polygon; ``matched_by`` says how each matched key
    was found ("iso_a3", "name" ...).
    """

    frame: gpd.GeoDataFrame
    unmatched: list[str] = field(default_factory=list)
    matched_by: dict[str, str] = field(default_factory=dict)

    def report(self) -> str:
        """One line for logs and slide notes."""
        text = f"{len(self.matched_by)} matched"
        if self.unmatched:
            text += f"; not on the map: {', '.join(self.unmatched)}"
        return text


def _index(polygons: gpd.GeoDataFrame) -> dict[tuple[str, str], int]:
    """(kind, normalised value) -> polygon position."""
    index: dict[tuple[str, str], int] = {}
    for kind, names in (
        ("iso_a3", ISO3_FIELDS),
        ("iso_a2", ISO2_FIELDS),
        ("name", NAME_FIELDS),
    ):
        for column in names:
            if column not in polygons:
                continue
            for pos, value in enumerate(polygons[column].to_numpy()):
                if value is None or (isinstance(value, float) and pd.isna(value)):
                    continue
                key = normalise(value)
                if key and key not in ("99", "-99"):
                    index.setdefault((kind, key), pos)
    return index


def match_value(
    value: object, index: dict[tuple[str, str], int]
) -> tuple[int, str] | None:
    """Polygon position and how it matched, or None."""
    raw = str(value).strip()
    key = normalise(raw)
    if not key:
        return None
    if re.fullmatch(r"[A-Za-z]{3}", raw) and ("iso_a3", key) in index:
        return index[("iso_a3", key)], "iso_a3"
    if re.fullmatch(r"[A-Za-z]{2}", raw) and ("iso_a2", key) in index:
        return index[("iso_a2", key)], "iso_a2"
    for candidate in (key, ALIASES.get(key, "")):
        if candidate and ("name", candidate) in index:
            return index[("name", candidate)], "name"
    return None


def join_table(
    polygons: gpd.GeoDataFrame,
    table: pd.DataFrame,
    key: str,
    *,
    iso_column: str | None = None,
    keep_unmatched_polygons: bool = True,
    source: str | Path = "table",
) -> JoinResult:
    """Attach ``table``'s columns to the polygons its ``key`` column names.

    Parameters
    ----------
    polygons
        Polygons with name and/or ISO columns (e.g. Natural Earth admin 0:
        ``name``, ``iso_a3``, ``iso_a2``), any CRS (kept).
    table
        One row per place; ``key`` holds a name or an ISO alpha-3/alpha-2 code.
    key
        Column of ``table`` to match.
    iso_column
        Optional column of ``table`` with ISO codes, tried before ``key``.
    keep_unmatched_polygons
        Keep polygons the table does not mention (their table columns empty).
    source
        The table's file, named by errors (default: the word "table").

    Raises
    ------
    InputError
        When ``key`` (or ``iso_column``) is not a column of the table, or a
        polygon is named by two rows.
    """
    for column in (key, iso_column):
        if column is not None and column not in table:
            raise InputError(
                source,
                f"has no column {column!r} (columns: {', '.join(map(str, table))}); "
                "name the column holding country names or ISO codes",
            )
    index = _index(polygons)
    positions: list[int | None] = []
    matched_by: dict[str, str] = {}
    unmatched: list[str] = []
    owner: dict[int, tuple[int, str]] = {}
    for number, (_, row) in enumerate(table.iterrows(), start=1):
        label = str(row[key])
        hit = None
        if iso_column is not None and pd.notna(row[iso_column]):
            hit = match_value(row[iso_column], index)
        if hit is None:
            hit = match_value(row[key], index)
        if hit is None:
            unmatched.append(label)
            positions.append(None)
            continue
        pos, how = hit
        if pos in owner:
            first, first_label = owner[pos]
            raise InputError(
                source,
                f"rows {first} ({first_label!r}) and {number} ({label!r}) both "
                "name the same polygon; keep one row per place",
            )
        owner[pos] = (number, label)
        matched_by[label] = how
        positions.append(pos)
    extra = table.copy()
    extra["_pos"] = pd.array(positions, dtype="Int64")
    extra = extra.dropna(subset=["_pos"])
    extra = extra.set_index(extra["_pos"].astype(int)).drop(columns="_pos")
    clash = [c for c in extra.columns if c in polygons.columns]
    extra = extra.rename(columns={c: f"{c}_table" for c in clash})
    joined = polygons.reset_index(drop=True).join(extra, how="left")
    if not keep_unmatched_polygons:
        joined = joined.loc[sorted(extra.index)].reset_index(drop=True)
    return JoinResult(frame=joined, unmatched=unmatched, matched_by=matched_by)


def read_table(path: str | Path) -> pd.DataFrame:
    """A CSV table as text columns (UTF-8, BOM accepted)."""
    path = Path(path)
    if not path.is_file():
        raise InputError(path, "file not found")
    try:
        frame = pd.read_csv(
            path, dtype=str, keep_default_na=False, encoding="utf-8-sig"
        )
    except pd.errors.EmptyDataError as exc:
        raise InputError(path, "the file is empty") from exc
    except UnicodeDecodeError as exc:
        raise InputError(
            path, f"not a readable UTF-8 CSV table ({exc}); save it as CSV UTF-8"
        ) from exc
    except pd.errors.ParserError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        raise InputError(path, f"not a readable UTF-8 CSV table ({first})") from exc
    if not isinstance(frame.index, pd.RangeIndex):
        # pandas makes the extra leading fields of wider rows an index
        raise InputError(
            path,
            "not a readable UTF-8 CSV table (rows have more fields than the "
            "header; check the delimiter and the quotes)",
        )
    return frame


__all__ = [
    "ALIASES",
    "JoinResult",
    "join_table",
    "match_value",
    "normalise",
    "read_table",
]
