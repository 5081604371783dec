import pandas as pd
import pytest

from sahelgis.analysis.places import (
    TownNotFoundError,
    bundled_places,
    is_admin_capital,
    nearest_town,
    normalise_name,
    resolve_town,
)


@pytest.fixture(scope="module")
def places():
    return bundled_places()


def test_normalise_name():
    assert normalise_name("Ségou") == "segou"
    assert normalise_name("  KÉ-Macina ") == "ke macina"
    assert normalise_name("Diéma") == normalise_name("DIEMA")


@pytest.mark.parametrize("typed", ["Ségou", "Segou", "SEGOU", "ségou ", "segou"])
def test_resolve_town_ignores_case_and_accents(places, typed):
    lon, lat, row = resolve_town(typed, places)
    assert row["name"] == "Ségou"
    assert lon == pytest.approx(-6.25947)
    assert lat == pytest.approx(13.44032)


def test_unknown_town_suggests_close_names(places):
    with pytest.raises(TownNotFoundError) as info:
        resolve_town("Narra", places)
    assert "Nara" in info.value.suggestions
    assert "Narra" in str(info.value)
    assert "did you mean" in str(info.value)


def test_duplicate_names_prefer_malian_capital():
    frame = pd.DataFrame(
        {
            "name": ["San", "San"],
            "country_iso2": ["BF", "ML"],
            "admin_level": ["town", "cercle_capital"],
            "longitude": [-1.0, -4.9],
            "latitude": [12.0, 13.3],
        }
    )
    lon, _, row = resolve_town("san", frame)
    assert lon == -4.9
    assert row["country_iso2"] == "ML"


def test_capital_flags(places):
    _, _, nara = resolve_town("Nara", places)
    _, _, mourdiah = resolve_town("Mourdiah", places)
    _, _, bamako = resolve_town("Bamako", places)
    assert is_admin_capital(nara)
    assert is_admin_capital(bamako)
    assert not is_admin_capital(mourdiah)
    assert is_admin_capital({"admin_level": "region_capital"})
    assert not is_admin_capital({"is_cercle_capital": None, "admin_level": "town"})


def test_nearest_town_snaps_within_distance(places):
    lon, lat, _ = resolve_town("Nara", places)
    found = nearest_town(lon + 0.005, lat, places, max_m=2_000)
    assert found is not None
    row, dist = found
    assert row["name"] == "Nara"
    assert 400 < dist < 700
    assert nearest_town(lon + 0.5, lat + 0.5, places, max_m=2_000) is None
