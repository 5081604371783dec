"""The event table: ACLED events held column by column, sorted by date.

Sorting once on import makes every later time filter a binary search
(``numpy.searchsorted``) instead of a scan, and categoricals keep 1M rows small.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import pandas as pd

from sahelgis.errors import SahelGISError
from sahelgis.model import acled_schema as acled
from sahelgis.model.packed_column import PackedTextArray, pack_text
from sahelgis.model.time_window import as_datetime64

if TYPE_CHECKING:
    from collections.abc import Sequence

    import geopandas as gpd

DATE_DTYPE: Final = "datetime64[s]"


@dataclass
class EventTable:
    """ACLED events, one row per event, sorted by ``event_date`` (stable).

    Parameters
    ----------
    frame
        A DataFrame with at least the required ACLED columns. ``event_date`` must
        be a datetime column and ``latitude``/``longitude`` WGS84 degrees.
    synthetic
        True for made-up demo data; views and figures mark such data.

    Notes
    -----
    The ``notes`` column is held compressed
    (:class:`~sahelgis.model.packed_column.PackedTextArray`), whatever the
    source gave: a tenth of its size as Arrow text for the synthetic notes,
    about a third for plain English prose.
    """

    frame: pd.DataFrame
    synthetic: bool = False
    _xy_cache: dict[str, tuple[np.ndarray, np.ndarray]] = field(
        default_factory=dict, repr=False, compare=False
    )
    _bounds_cache: dict[str, tuple[float, float, float, float]] = field(
        default_factory=dict, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        missing = [c for c in acled.REQUIRED_COLUMNS if c not in self.frame.columns]
        if missing:
            raise ValueError(f"event table lacks required columns: {missing}")
        frame = self.frame
        if frame[acled.EVENT_DATE].dtype != DATE_DTYPE:
            frame = frame.assign(
                **{acled.EVENT_DATE: frame[acled.EVENT_DATE].astype(DATE_DTYPE)}
            )
        if acled.NOTES in frame and not isinstance(
            frame[acled.NOTES].array, PackedTextArray
        ):
            # one representation whatever the source: compressed (packed_text)
            frame = frame.assign(**{acled.NOTES: pack_text(frame[acled.NOTES])})
        dates = frame[acled.EVENT_DATE].to_numpy()
        if len(dates) > 1 and not bool(np.all(dates[1:] >= dates[:-1])):
            frame = frame.sort_values(acled.EVENT_DATE, kind="stable")
        self.frame = frame.reset_index(drop=True)

    def __len__(self) -> int:
        return len(self.frame)

    @property
    def dates(self) -> np.ndarray:
        """Event dates as ``datetime64[s]``, ascending."""
        return self.frame[acled.EVENT_DATE].to_numpy()

    @property
    def lon(self) -> np.ndarray:
        """Longitudes in WGS84 degrees."""
        return self.frame[acled.LONGITUDE].to_numpy(dtype="float64")

    @property
    def lat(self) -> np.ndarray:
        """Latitudes in WGS84 degrees."""
        return self.frame[acled.LATITUDE].to_numpy(dtype="float64")

    def date_range(self) -> tuple[np.datetime64, np.datetime64] | None:
        """First and last event date, or None when empty."""
        if len(self) == 0:
            return None
        dates = self.dates
        return dates[0], dates[-1]

    def index_range(
        self, start: np.datetime64 | None, end: np.datetime64 | None
    ) -> tuple[int, int]:
        """Row positions ``[i0, i1)`` of the events with ``start <= date <= end``.

        ``None`` leaves that side open. Both ends are inclusive days.
        """
        dates = self.dates
        i0 = 0 if start is None else int(np.searchsorted(dates, start, side="left"))
        i1 = (
            len(dates)
            if end is None
            else int(np.searchsorted(dates, as_datetime64(end, "s"), side="right"))
        )
        return i0, max(i0, i1)

    def projected_xy(
        self, crs_key: str, transformer: object
    ) -> tuple[np.ndarray, np.ndarray]:
        """Coordinates in a projected CRS, computed once per CRS and cached.

        ``transformer`` is a ``pyproj.Transformer`` from EPSG:4326 (always_xy).
        """
        cached = self._xy_cache.get(crs_key)
        if cached is None:
            x, y = transformer.transform(self.lon, self.lat)  # type: ignore[attr-defined]
            cached = (np.asarray(x, dtype="float64"), np.asarray(y, dtype="float64"))
            self._xy_cache[crs_key] = cached
        return cached

    def projected_bounds(
        self, crs_key: str, transformer: object
    ) -> tuple[float, float, float, float] | None:
        """The box ``(xmin, ymin, xmax, ymax)`` of :meth:`projected_xy`.

        Computed once per CRS (the map asks on every redraw); None for an
        empty table.
        """
        if len(self) == 0:
            return None
        cached = self._bounds_cache.get(crs_key)
        if cached is None:
            x, y = self.projected_xy(crs_key, transformer)
            cached = (float(x.min()), float(y.min()), float(x.max()), float(y.max()))
            self._bounds_cache[crs_key] = cached
        return cached

    def cached_xy(self, crs_key: str) -> tuple[np.ndarray, np.ndarray] | None:
        """The coordinates already projected to ``crs_key``, or None."""
        return self._xy_cache.get(crs_key)

    def prime_xy(
        self, crs_key: str, x: np.ndarray, y: np.ndarray, transformer: object
    ) -> bool:
        """Take coordinates projected elsewhere (a project file's cache).

        Accepted only when they have the table's length and a sample of 2,000
        rows (and the first and last) re-projected with ``transformer`` agrees
        within 1 mm; a damaged or forged cache is refused (False) and the
        coordinates are computed again when needed.
        """
        n = len(self)
        x = np.asarray(x, dtype="float64")
        y = np.asarray(y, dtype="float64")
        if len(x) != n or len(y) != n:
            return False
        if n:
            rng = np.random.default_rng(n)
            rows = np.unique(np.r_[0, n - 1, rng.integers(0, n, min(n, 2000))])
            sx, sy = transformer.transform(self.lon[rows], self.lat[rows])  # type: ignore[attr-defined]
            ok = np.isclose(x[rows], sx, rtol=0, atol=1e-3, equal_nan=True)
            ok &= np.isclose(y[rows], sy, rtol=0, atol=1e-3, equal_nan=True)
            if not bool(ok.all()):
                return False
        self._xy_cache[crs_key] = (x, y)
        return True

    def to_geodataframe(self) -> gpd.GeoDataFrame:
        """The events as a GeoDataFrame in EPSG:4326 (for export and interchange)."""
        import geopandas as gpd

        geometry = gpd.points_from_xy(self.lon, self.lat, crs="EPSG:4326")
        return gpd.GeoDataFrame(self.frame, geometry=geometry, crs="EPSG:4326")

    def memory_bytes(self) -> int:
        """Bytes held by the table's columns (deep)."""
        return int(self.frame.memory_usage(deep=True, index=True).sum())


def optimise_dtypes(frame: pd.DataFrame) -> pd.DataFrame:
    """Give ACLED columns compact dtypes: categoricals for repeated text, small ints."""
    out = {}
    for name in frame.columns:
        column = frame[name]
        if name in acled.CATEGORICAL_COLUMNS and not isinstance(
            column.dtype, pd.CategoricalDtype
        ):
            column = column.astype("category")
        elif name in acled.INTEGER_COLUMNS:
            column = column.astype(acled.INTEGER_COLUMNS[name])
        out[name] = column
    return pd.DataFrame(out, index=frame.index, copy=False)


def empty_event_table() -> EventTable:
    """An event table with the required columns and no rows.

    E.g. to build an analysis's geometry without counting.
    """
    return EventTable(
        pd.DataFrame(
            {
                acled.EVENT_ID: pd.Series(dtype=object),
                acled.EVENT_DATE: pd.Series(dtype="datetime64[s]"),
                acled.EVENT_TYPE: pd.Series(dtype=object),
                acled.LATITUDE: pd.Series(dtype="float64"),
                acled.LONGITUDE: pd.Series(dtype="float64"),
            }
        )
    )


def concat_frames(frames: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """Concatenate event frames whose categoricals have different categories."""
    frames = [f for f in frames if len(f.columns)]
    if not frames:
        return pd.DataFrame()
    if len(frames) == 1:
        return frames[0].reset_index(drop=True)
    out: dict[str, Any] = {}
    for name in frames[0].columns:
        parts = [f[name] for f in frames if name in f.columns]
        if len(parts) != len(frames):
            raise SahelGISError(f"column {name!r} is missing from some files")
        if all(isinstance(p.dtype, pd.CategoricalDtype) for p in parts):
            from pandas.api.types import union_categoricals

            out[name] = pd.Series(
                union_categoricals([p.astype(p.dtype) for p in parts]), name=name
            )
        else:
            out[name] = pd.concat(parts, ignore_index=True)
    return pd.DataFrame(out)
