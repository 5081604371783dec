import pytest

from sahelgis.model import crs

# Bamako and Nara (GeoNames) and the geodesic distance between them.
BAMAKO = (-8.0, 12.65)
NARA = (-7.28571, 15.16846)


def test_display_crs_distances_are_ground_distances_within_0_2_percent():
    t = crs.to_display()
    (x1, x2), (y1, y2) = t.transform([BAMAKO[0], NARA[0]], [BAMAKO[1], NARA[1]])
    planar = ((x2 - x1) ** 2 + (y2 - y1) ** 2) ** 0.5
    ground = crs.geodesic_distance_m(*BAMAKO, *NARA)
    assert 280_000 < ground < 300_000
    assert planar == pytest.approx(ground, rel=0.002)


def test_local_aeqd_is_exact_from_its_centre():
    from pyproj import Transformer

    local = crs.local_aeqd(*BAMAKO)
    t = Transformer.from_crs(crs.WGS84, local, always_xy=True)
    x, y = t.transform(*NARA)
    assert (x * x + y * y) ** 0.5 == pytest.approx(
        crs.geodesic_distance_m(*BAMAKO, *NARA), rel=1e-6
    )


def test_display_crs_is_not_web_mercator_or_degrees():
    assert crs.DISPLAY_CRS.is_projected
    assert "aeqd" in crs.DISPLAY_CRS_PROJ4
    assert crs.DISPLAY_CRS.axis_info[0].unit_name == "metre"


def test_round_trip_lonlat():
    x, y = crs.to_display().transform(*NARA)
    lon, lat = crs.to_lonlat().transform(x, y)
    assert (lon, lat) == pytest.approx(NARA, abs=1e-9)
