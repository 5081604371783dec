"""The map's projected CRS and helpers for ground distances.

The canvas uses an azimuthal equidistant projection centred on 13.5°N, 7.5°W, in
the middle of the Koulikoro region. Distances from the centre are exact and scale
error grows as d²/6R² across it: under 0.1% within 500 km (Bamako, Nara, Ségou,
Kayes's border), about 0.6% at 1,200 km (the far north-east of Mali). A UTM zone
would not do: the area of interest straddles zones 29N and 30N at 6°W. Analyses
that need exact distances project to a CRS centred on their own site
(``local_aeqd``).
"""

from __future__ import annotations

import threading

from pyproj import CRS, Geod, Transformer

DISPLAY_CRS_PROJ4 = (
    "+proj=aeqd +lat_0=13.5 +lon_0=-7.5 +x_0=0 +y_0=0 +datum=WGS84 +units=m +no_defs"
)
DISPLAY_CRS_NAME = "Azimuthal equidistant, centre 13.5°N 7.5°W (WGS84, metres)"
DISPLAY_CRS = CRS.from_proj4(DISPLAY_CRS_PROJ4)
WGS84 = CRS.from_epsg(4326)
GEOD = Geod(ellps="WGS84")


_local = threading.local()


def _transformer(src: str, dst: str) -> Transformer:
    """A cached transformer per thread.

    pyproj transformers are not thread-safe (a preview rendered on a worker
    thread crashed inside PROJ when sharing one).
    """
    cache = getattr(_local, "transformers", None)
    if cache is None:
        cache = _local.transformers = {}
    key = (src, dst)
    transformer = cache.get(key)
    if transformer is None:
        transformer = Transformer.from_crs(
            CRS.from_user_input(src), CRS.from_user_input(dst), always_xy=True
        )
        cache[key] = transformer
    return transformer


def to_display() -> Transformer:
    """Transformer from WGS84 lon/lat to the display CRS (metres)."""
    return _transformer("EPSG:4326", DISPLAY_CRS_PROJ4)


def to_lonlat() -> Transformer:
    """Transformer from the display CRS back to WGS84 lon/lat."""
    return _transformer(DISPLAY_CRS_PROJ4, "EPSG:4326")


def local_aeqd(lon: float, lat: float) -> CRS:
    """An azimuthal equidistant CRS centred on a site, for exact distances from it.

    Parameters
    ----------
    lon, lat
        The site, EPSG:4326 degrees.

    Returns
    -------
    pyproj.CRS
        AEQD on WGS84, units metres; distances from the site are exact.
    """
    return CRS.from_proj4(
        f"+proj=aeqd +lat_0={lat:.8f} +lon_0={lon:.8f} +x_0=0 +y_0=0 "
        "+datum=WGS84 +units=m +no_defs"
    )


def geodesic_distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Distance on the WGS84 ellipsoid in metres.

    Parameters
    ----------
    lon1, lat1, lon2, lat2
        The two points, EPSG:4326 degrees.

    Returns
    -------
    float
        Geodesic distance, metres.
    """
    _, _, dist = GEOD.inv(lon1, lat1, lon2, lat2)
    return float(dist)


def lonlat_box_to_display(
    box: tuple[float, float, float, float],
) -> tuple[float, float, float, float]:
    """A lon/lat box as the display-CRS box that contains it (edges densified)."""
    import numpy as np

    west, south, east, north = box
    t = np.linspace(0.0, 1.0, 21)
    lon = np.concatenate(
        [
            west + (east - west) * t,
            np.full(21, east),
            east - (east - west) * t,
            np.full(21, west),
        ]
    )
    lat = np.concatenate(
        [
            np.full(21, south),
            south + (north - south) * t,
            np.full(21, north),
            north - (north - south) * t,
        ]
    )
    x, y = to_display().transform(lon, lat)
    return float(x.min()), float(y.min()), float(x.max()), float(y.max())


def display_box_to_lonlat(
    extent: tuple[float, float, float, float],
) -> tuple[float, float, float, float] | None:
    """The lon/lat box containing a display-CRS box, clipped to the globe.

    Edges are densified, since the azimuthal projection bends them.

    Parameters
    ----------
    extent
        ``(xmin, ymin, xmax, ymax)`` in display-CRS metres.

    Returns
    -------
    tuple of float or None
        ``(west, south, east, north)`` in EPSG:4326 degrees; None when no
        part of the box is on the globe.
    """
    import numpy as np

    xmin, ymin, xmax, ymax = extent
    t = np.linspace(0.0, 1.0, 17)
    xs = np.concatenate([xmin + (xmax - xmin) * t, np.full(17, xmax)])
    xs = np.concatenate([xs, xmax - (xmax - xmin) * t, np.full(17, xmin)])
    ys = np.concatenate([np.full(17, ymin), ymin + (ymax - ymin) * t])
    ys = np.concatenate([ys, np.full(17, ymax), ymax - (ymax - ymin) * t])
    lon, lat = to_lonlat().transform(xs, ys)
    ok = np.isfinite(lon) & np.isfinite(lat)
    if not ok.any():
        return None
    lon, lat = np.asarray(lon)[ok], np.asarray(lat)[ok]
    return (
        max(float(lon.min()), -180.0),
        max(float(lat.min()), -90.0),
        min(float(lon.max()), 180.0),
        min(float(lat.max()), 90.0),
    )
