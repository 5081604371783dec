"""Support zones: where an armed group shows control, period by period.

ACLED has no event type for taxation, school closures or Sharia courts; analysts
find these "control indicators" in ``notes`` and in a few sub-event types. A
support zone is a place where such indicators cluster.

Method
------
1. **Indicator rules** (:class:`ZoneRules`, editable, saved as TOML). An event
   is an indicator when

   - its actor1, actor2 or an associated actor contains one of ``actors``
     (case-insensitive substrings; no actors = any actor), **and**
   - its ``event_type`` is one of ``event_types``, **or** its
     ``sub_event_type`` one of ``sub_event_types``, **or** its ``notes``
     contain one of ``notes_keywords`` (lowercase substrings, no regular
     expressions; list accented and plain spellings, EN and FR). When all
     three lists are empty every event of the actors counts.

2. **Clustering** per period (``by="year"``: each year separately, so years
   are comparable, e.g. 2020–2023 small multiples): DBSCAN in metres, in an
   azimuthal equidistant projection centred on the indicator events
   (distances within 0.1 % up to 500 km from the centre). A point is a core
   point when at least ``min_events`` indicator events (itself included) lie
   within ``eps_km``; clusters are the connected core points plus the border
   points within ``eps_km`` of a core point; other events are noise. Events
   at identical coordinates (ACLED codes many to the same town) are merged
   with a weight first. Distances are on the ground: the pairs whose plane
   distance lies within the projection's scale error (its Tissot scales over
   the indicator events) of ``eps_km`` are decided by their geodesic distance
   on the WGS84 ellipsoid (``pyproj.Geod``), so the clusters are DBSCAN's
   under geodesic distances. The implementation is exact DBSCAN on a grid of
   cells about a third of ``eps`` wide with a vectorised union–find, no scipy
   (:mod:`sahelgis.analysis.dbscan`).

3. **Zone polygon**: the convex hull of a cluster's events buffered by
   ``margin_km``, converted back to EPSG:4326 (edges densified to 2 km).

4. **Score** (0–100), documented so analysts can weigh zones::

       score = 100 × (0.4 × min(1, events / (5 × min_events))
                      + 0.4 × distinct_months / months_in_period
                      + 0.2 × recency)
       recency = 1 − (period_end − last_seen) / period_length   (clipped 0–1)

   i.e. how many indicators (saturating at five times the cluster minimum),
   how persistent (months with at least one indicator, over the months of the
   period that the data covers) and how recent.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, fields
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import shapely
from pyproj import Proj, Transformer

from sahelgis.analysis.dbscan import MAX_SLACK, dbscan
from sahelgis.analysis.results import as_rows, group_codes
from sahelgis.analysis.units import check_count, check_distance_km
from sahelgis.model import acled_schema as acled
from sahelgis.model.crs import GEOD, WGS84, local_aeqd
from sahelgis.progress import NULL_PROGRESS, Progress

if TYPE_CHECKING:
    from collections.abc import Callable

    import geopandas as gpd

    from sahelgis.model.events import EventTable

__all__ = [
    "DEFAULT_RULES",
    "ZONE_COLUMNS",
    "ZoneRules",
    "indicator_mask",
    "support_zones",
]

ACTOR_COLUMNS: tuple[str, ...] = (
    acled.ACTOR1,
    acled.ASSOC_ACTOR_1,
    acled.ACTOR2,
    acled.ASSOC_ACTOR_2,
)
#: Smallest DBSCAN radius, km (1 m).
MIN_EPS_KM = 0.001
#: Columns of the zones layer, in order (plus geometry).
ZONE_COLUMNS: tuple[str, ...] = (
    "period",
    "zone_id",
    "events",
    "distinct_months",
    "first_seen",
    "last_seen",
    "score",
    "area_km2",
    "top_sub_event_types",
    "label",
)


@dataclass(frozen=True)
class ZoneRules:
    """Which events indicate control, and how to cluster them.

    Attributes
    ----------
    name
        A name for the rule set (shown in labels and saved files).
    actors
        Case-insensitive substrings of actor names; empty = any actor.
    event_types, sub_event_types
        ACLED types that count as indicators (exact names).
    notes_keywords
        Lowercase substrings searched in ``notes`` (EN and FR spellings).
    eps_km
        DBSCAN neighbourhood radius, km.
    min_events
        Indicator events (the point itself included) within ``eps_km`` that
        make a core point.
    margin_km
        Buffer around each cluster's convex hull, km.
    """

    name: str = "default"
    actors: tuple[str, ...] = ()
    event_types: tuple[str, ...] = ()
    sub_event_types: tuple[str, ...] = ()
    notes_keywords: tuple[str, ...] = ()
    eps_km: float = 15.0
    min_events: int = 5
    margin_km: float = 5.0

    def __post_init__(self) -> None:
        for name in ("actors", "event_types", "sub_event_types", "notes_keywords"):
            value = getattr(self, name)
            if isinstance(value, str):
                value = (value,)
            object.__setattr__(self, name, tuple(str(v) for v in value))
        # the same bounds as every other ground distance and count: a rules
        # file is untrusted (NaN, infinities and 1e9 km are refused here)
        eps_km = check_distance_km(self.eps_km, "eps_km")
        if eps_km < MIN_EPS_KM:  # the clustering grid's cells are eps / 2.8
            raise ValueError(
                f"eps_km = {self.eps_km!r} km: below the "
                f"{MIN_EPS_KM * 1000:g} m minimum"
            )
        margin_km = check_distance_km(self.margin_km, "margin_km", allow_zero=True)
        min_events = check_count(self.min_events, "min_events", low=1)
        object.__setattr__(self, "min_events", min_events)
        object.__setattr__(self, "eps_km", eps_km)
        object.__setattr__(self, "margin_km", margin_km)

    def to_dict(self) -> dict[str, Any]:
        """Plain types (lists) for JSON/TOML."""
        data = asdict(self)
        for key, value in data.items():
            if isinstance(value, tuple):
                data[key] = list(value)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ZoneRules:
        """Rebuild from :meth:`to_dict` output; unknown keys are an error."""
        allowed = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - allowed)
        if unknown:
            raise ValueError(
                f"unknown rule keys {unknown}; allowed: {', '.join(sorted(allowed))}"
            )
        values: dict[str, Any] = {}
        for key, value in data.items():
            if key in ("actors", "event_types", "sub_event_types", "notes_keywords"):
                if isinstance(value, str):
                    value = [value]
                if not isinstance(value, (list, tuple)) or not all(
                    isinstance(v, str) for v in value
                ):
                    raise ValueError(f"{key} must be a list of strings")
                values[key] = tuple(value)
            elif key == "name":
                values[key] = str(value)
            elif key == "min_events":
                if isinstance(value, bool) or not isinstance(value, (int, float)):
                    raise ValueError("min_events must be a whole number")
                values[key] = int(value)
            else:
                if isinstance(value, bool) or not isinstance(value, (int, float)):
                    raise ValueError(f"{key} must be a number (km)")
                values[key] = float(value)
        return cls(**values)


#: The rule set shipped with SahelGIS (JNIM/IS Sahel control indicators).
DEFAULT_RULES = ZoneRules(
    name="default: JNIM / IS Sahel control indicators",
    actors=(
        "jnim",
        "group for support of islam and muslims",
        "islamic state",
        "katiba",
        "ansaroul islam",
    ),
    event_types=(),
    sub_event_types=(
        "Headquarters or base established",
        "Non-state actor overtakes territory",
    ),
    notes_keywords=(
        # school closures
        "school",
        "école",
        "ecole",
        "teacher",
        "enseignant",
        # taxation
        "zakat",
        "tax",
        "taxe",
        "impôt",
        "levied",
        "levy",
        # Sharia and social rules
        "sharia",
        "charia",
        "islamic court",
        "tribunal islamique",
        "dress code",
        "banned music",
        "preach",
        "prêch",
        # elections
        "election",
        "élection",
        "polling",
        "scrutin",
        # checkpoints, closures, agreements
        "checkpoint",
        "check-point",
        "poste de contrôle",
        "closed",
        "closure",
        "fermeture",
        "fermé",
        "agreement with jnim",
        "accord",
        "blockade",
        "blocus",
    ),
    eps_km=15.0,
    min_events=5,
    margin_km=5.0,
)


# -------------------------------------------------------------- indicators ---
def _contains_any(column: pd.Series, needles: tuple[str, ...]) -> np.ndarray:
    """Rows whose text contains any needle, ignoring case.

    Categoricals are tested per category. The needles are literal text: one
    escaped alternation is
    searched in a single pass (pyarrow's RE2 on Arrow strings).
    """
    needles = tuple(n.lower() for n in needles if n.strip())
    if not needles:
        return np.zeros(len(column), dtype=bool)
    pattern = "|".join(re.escape(n) for n in needles)
    if isinstance(column.dtype, pd.CategoricalDtype):
        cats = pd.Series(column.cat.categories.astype(str))
        hit = cats.str.contains(pattern, case=False, regex=True).to_numpy(bool)
        return np.append(hit, False)[column.cat.codes.to_numpy()]
    text = column.astype("string") if column.dtype == object else column
    found = text.str.contains(pattern, case=False, regex=True, na=False)
    return np.asarray(found, dtype=bool)


def _isin(column: pd.Series, values: tuple[str, ...]) -> np.ndarray:
    wanted = set(values)
    if isinstance(column.dtype, pd.CategoricalDtype):
        cats = [str(c) in wanted for c in column.cat.categories]
        return np.append(np.array(cats, dtype=bool), False)[column.cat.codes.to_numpy()]
    return column.astype(str).isin(wanted).to_numpy()


def indicator_mask(frame: pd.DataFrame, rules: ZoneRules) -> np.ndarray:
    """Boolean mask of the events that are control indicators under ``rules``.

    Notes are only searched for the rows that pass the actor test.
    """
    n = len(frame)
    if rules.actors:
        actor = np.zeros(n, dtype=bool)
        for name in ACTOR_COLUMNS:
            if name in frame:
                actor |= _contains_any(frame[name], rules.actors)
    else:
        actor = np.ones(n, dtype=bool)
    if not (rules.event_types or rules.sub_event_types or rules.notes_keywords):
        return actor
    kind = np.zeros(n, dtype=bool)
    if rules.event_types and acled.EVENT_TYPE in frame:
        kind |= _isin(frame[acled.EVENT_TYPE], rules.event_types)
    if rules.sub_event_types and acled.SUB_EVENT_TYPE in frame:
        kind |= _isin(frame[acled.SUB_EVENT_TYPE], rules.sub_event_types)
    if rules.notes_keywords and acled.NOTES in frame:
        todo = np.flatnonzero(actor & ~kind)
        if len(todo):
            notes = frame[acled.NOTES].iloc[todo]
            kind[todo] |= _contains_any(notes, rules.notes_keywords)
    return actor & kind


# ------------------------------------------------------------------- zones ---
def _months_in(first: np.datetime64, last: np.datetime64) -> int:
    a = first.astype("datetime64[M]").astype(np.int64)
    b = last.astype("datetime64[M]").astype(np.int64)
    return int(b - a) + 1


def _period_bounds(
    label: object, key: str, data_first: np.datetime64, data_last: np.datetime64
) -> tuple[np.datetime64, np.datetime64]:
    """First and last day of a period, clipped to the data's span."""
    text = str(label)
    if key == "year":
        start = np.datetime64(f"{text}-01-01")
        end = np.datetime64(f"{int(text) + 1}-01-01") - np.timedelta64(1, "D")
    elif key == "month":
        start = np.datetime64(f"{text}-01")
        end = (np.datetime64(text, "M") + 1).astype("datetime64[D]") - np.timedelta64(
            1, "D"
        )
        start = start.astype("datetime64[D]")
    elif key == "quarter":
        year, q = text.split("-Q")
        m0 = np.datetime64(f"{year}-01", "M") + 3 * (int(q) - 1)
        start = m0.astype("datetime64[D]")
        end = (m0 + 3).astype("datetime64[D]") - np.timedelta64(1, "D")
    else:
        start, end = data_first, data_last
    return max(start, data_first), min(end, data_last)


def projection_slack(crs: Any, lon: np.ndarray, lat: np.ndarray) -> float:
    """How far plane distances may stray from ground distances, as a fraction.

    Parameters
    ----------
    crs
        The projection (pyproj CRS), metres.
    lon, lat
        The points, EPSG:4326 degrees.

    Returns
    -------
    float
        The largest deviation from 1 of the Tissot scales (largest and
        smallest) over the points' lon/lat box (a 65 x 65 grid, corners and
        edges included, which bounds the scales of the points inside for a
        projection whose error grows away from its centre, like the azimuthal
        equidistant), plus 1e-4 for the change of scale along a short
        segment; 0 when that exceeds :data:`sahelgis.analysis.dbscan.MAX_SLACK`
        or is not finite (points near the antipode: the plane distances
        decide).
    """
    if len(lon) == 0:
        return 0.0
    glon, glat = np.meshgrid(
        np.linspace(np.min(lon), np.max(lon), 65),
        np.linspace(np.min(lat), np.max(lat), 65),
    )
    factors = Proj(crs).get_factors(glon.ravel(), glat.ravel())
    high = np.max(np.asarray(factors.tissot_semimajor, dtype="float64"))
    low = np.min(np.asarray(factors.tissot_semiminor, dtype="float64"))
    slack = max(float(high) - 1.0, 1.0 - float(low), 0.0) + 1e-4
    return slack if np.isfinite(slack) and slack <= MAX_SLACK else 0.0


def _geodesic(
    lon: np.ndarray, lat: np.ndarray
) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    """``f(i, j)``: WGS84 geodesic distances, metres, between points i and j."""

    def distance(i: np.ndarray, j: np.ndarray) -> np.ndarray:
        return np.asarray(GEOD.inv(lon[i], lat[i], lon[j], lat[j])[2])

    return distance


def _groups(labels: np.ndarray) -> list[np.ndarray]:
    """Positions of each label 0, 1, ... (ascending; -1, noise, left out)."""
    order = np.argsort(labels, kind="stable")
    kept = order[labels[order] >= 0]
    bounds = np.cumsum(np.bincount(labels[kept]))
    return np.split(kept, bounds[:-1]) if len(kept) else []


def empty_zones() -> gpd.GeoDataFrame:
    import geopandas as gpd

    frame = pd.DataFrame({c: pd.Series(dtype=object) for c in ZONE_COLUMNS})
    return gpd.GeoDataFrame(frame, geometry=[], crs="EPSG:4326")


def support_zones(
    events: EventTable,
    rules: ZoneRules = DEFAULT_RULES,
    rows: np.ndarray | None = None,
    by: str | None = "year",
    *,
    progress: Progress = NULL_PROGRESS,
    span: tuple[np.datetime64, np.datetime64] | None = None,
) -> gpd.GeoDataFrame:
    """Support-zone polygons per period (see the module docstring for the method).

    Parameters
    ----------
    events
        The events.
    rules
        Indicator and clustering rules.
    rows
        Events to consider (time window, filter); ``None`` for all.
    by
        Period key: ``"year"`` (default), ``"quarter"``, ``"month"``, or
        ``None``/``"all"`` for one period over everything.
    progress
        Progress and cancel.
    span
        First and last day of all the considered events (not only indicators),
        when ``events`` holds only the indicator events gathered from
        partitions; default: the span of the considered rows of ``events``.

    Returns
    -------
    geopandas.GeoDataFrame
        EPSG:4326, one row per zone, columns :data:`ZONE_COLUMNS`: ``period``,
        ``zone_id`` ("2023-01", best score first within a period), ``events``,
        ``distinct_months``, ``first_seen``/``last_seen`` (ISO dates),
        ``score`` (0–100), ``area_km2``, ``top_sub_event_types``, ``label``.
        An ``event_rows`` attribute of the frame (``frame.attrs``) maps each
        zone_id to its events' row positions.
    """
    import geopandas as gpd

    key = "all" if by in (None, "all", "") else str(by)
    considered = as_rows(rows, len(events))
    progress.set(0.0, "Finding indicator events")
    columns = [
        c
        for c in (*ACTOR_COLUMNS, acled.EVENT_TYPE, acled.SUB_EVENT_TYPE, acled.NOTES)
        if c in events.frame
    ]
    mask = indicator_mask(events.frame[columns].iloc[considered], rules)
    ind = considered[mask]
    if len(ind) == 0:
        progress.set(1.0, "No indicator events")
        return empty_zones()
    lon, lat = events.lon[ind], events.lat[ind]
    lon0, lat0 = float(np.median(lon)), float(np.median(lat))
    crs = local_aeqd(lon0, lat0)
    fwd = Transformer.from_crs(WGS84, crs, always_xy=True)
    inv = Transformer.from_crs(crs, WGS84, always_xy=True)
    x, y = fwd.transform(lon, lat)
    x, y = np.asarray(x), np.asarray(y)
    slack = projection_slack(crs, lon, lat)
    codes, labels = group_codes(events, key)
    period = codes[ind]
    dates = events.dates[ind].astype("datetime64[D]")
    if span is None:
        all_dates = events.dates[considered].astype("datetime64[D]")
        data_first, data_last = all_dates.min(), all_dates.max()
    else:
        data_first = span[0].astype("datetime64[D]")
        data_last = span[1].astype("datetime64[D]")
    if acled.SUB_EVENT_TYPE in events.frame:
        sub_codes, sub_labels = group_codes(events, acled.SUB_EVENT_TYPE)
        sub_types = sub_labels[sub_codes[ind]]
    else:
        sub_types = np.full(len(ind), "", dtype=object)

    def to_lonlat(coords: np.ndarray) -> np.ndarray:
        a, b = inv.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([a, b])

    records: list[dict[str, Any]] = []
    geoms: list[shapely.Geometry] = []
    zone_rows: dict[str, np.ndarray] = {}
    # each period's events (ascending rows) from one stable sort
    by_period = np.argsort(period, kind="stable")
    periods, period_first = np.unique(period[by_period], return_index=True)
    period_end = np.append(period_first[1:], len(by_period))
    for p_i, code in enumerate(periods):
        progress.check()
        progress.set(0.1 + 0.9 * p_i / len(periods), f"Clustering {labels[code]}")
        sel = by_period[period_first[p_i] : period_end[p_i]]
        px, py = x[sel], y[sel]
        # merge events at identical coordinates into one weighted point
        xy = np.column_stack([px, py])
        uniq, first, inverse, counts = np.unique(
            xy, axis=0, return_index=True, return_inverse=True, return_counts=True
        )
        inverse = inverse.ravel()
        point_labels = dbscan(
            uniq[:, 0],
            uniq[:, 1],
            rules.eps_km * 1000.0,
            rules.min_events,
            weights=counts.astype("float64"),
            progress=progress,
            slack=slack,
            exact=_geodesic(lon[sel][first], lat[sel][first]) if slack else None,
        )
        event_labels = point_labels[inverse]
        p_first, p_last = _period_bounds(labels[code], key, data_first, data_last)
        months_total = max(_months_in(p_first, p_last), 1)
        length_days = max(int((p_last - p_first).astype(np.int64)) + 1, 1)
        zones = []
        p_dates, p_types = dates[sel], sub_types[sel]
        # each cluster's events and distinct points (ascending) from stable sorts
        for members, pts in zip(
            _groups(event_labels), _groups(point_labels), strict=True
        ):
            hull = shapely.multipoints(uniq[pts]).convex_hull
            poly = hull.buffer(rules.margin_km * 1000.0, quad_segs=16)
            if poly.is_empty:  # margin 0 on a point or line
                poly = hull.buffer(1.0)
            d = p_dates[members]
            months = np.unique(d.astype("datetime64[M]"))
            last = d.max()
            intensity = min(1.0, len(members) / (5.0 * rules.min_events))
            persistence = min(1.0, len(months) / months_total)
            gap = int((p_last - last).astype(np.int64))
            recency = min(1.0, max(0.0, 1.0 - gap / length_days))
            score = 100.0 * (0.4 * intensity + 0.4 * persistence + 0.2 * recency)
            types, type_counts = np.unique(p_types[members], return_counts=True)
            top = [str(types[k]) for k in np.argsort(-type_counts, kind="stable")[:3]]
            zones.append((score, members, poly, months, d.min(), last, top))
        zones.sort(key=lambda z: -z[0])
        for k, (score, members, poly, months, first, last, top) in enumerate(zones, 1):
            zone_id = f"{labels[code]}-{k:02d}"
            lonlat = shapely.transform(shapely.segmentize(poly, 2_000.0), to_lonlat)
            records.append(
                {
                    "period": str(labels[code]),
                    "zone_id": zone_id,
                    "events": len(members),
                    "distinct_months": len(months),
                    "first_seen": str(first),
                    "last_seen": str(last),
                    "score": round(score, 1),
                    "area_km2": round(poly.area / 1e6, 1),
                    "top_sub_event_types": "; ".join(top),
                    "label": (
                        f"{labels[code]} zone {k}: {len(members)} indicator events, "
                        f"{len(months)} months, last {last}"
                    ),
                }
            )
            geoms.append(lonlat)
            zone_rows[zone_id] = np.sort(ind[sel][members])
    progress.set(1.0, f"{len(records)} zones")
    if not records:
        return empty_zones()
    frame = gpd.GeoDataFrame(
        pd.DataFrame.from_records(records, columns=list(ZONE_COLUMNS)),
        geometry=geoms,
        crs="EPSG:4326",
    )
    frame.attrs["event_rows"] = zone_rows
    frame.attrs["rules"] = rules.to_dict()
    return frame
