"""Support zones: planted clusters are found, noise is not; rules round-trip."""

import dataclasses
import re

import numpy as np
import pytest
import shapely
from analysis_helpers import MOURDIAH, NARA, make_events

from sahelgis.analysis.dbscan import dbscan
from sahelgis.analysis.rules_toml import dump_rules, load_rules, save_rules
from sahelgis.analysis.zones import (
    DEFAULT_RULES,
    ZoneRules,
    indicator_mask,
    support_zones,
)
from sahelgis.errors import Cancelled, InputError
from sahelgis.model.crs import GEOD
from sahelgis.progress import TaskProgress

CENTRES = [NARA, MOURDIAH, (-6.3, 13.5)]


def around(rng, centre, n, spread_m):
    lon, lat, _ = GEOD.fwd(
        np.full(n, centre[0]),
        np.full(n, centre[1]),
        rng.uniform(0, 360, n),
        rng.uniform(0, spread_m, n),
    )
    return np.asarray(lon), np.asarray(lat)


def planted(rng):
    lons, lats, notes, dates = [], [], [], []
    for k, centre in enumerate(CENTRES):
        lon, lat = around(rng, centre, 20, 4_000.0)
        lons.append(lon)
        lats.append(lat)
        notes += [f"JNIM militants collected zakat near village {k}"] * 20
        months = rng.integers(1, 13, 20)
        dates += [f"2022-{m:02d}-15" for m in months]
    # 100 scattered indicators in 2023 over 600 x 600 km: no dense spot
    lon = rng.uniform(-10.0, -4.5, 100)
    lat = rng.uniform(11.5, 17.0, 100)
    lons.append(lon)
    lats.append(lat)
    notes += ["JNIM closed a school"] * 100
    dates += ["2023-06-15"] * 100
    # a dense cluster of events that are not indicators
    lon, lat = around(rng, (-8.0, 12.65), 50, 3_000.0)
    lons.append(lon)
    lats.append(lat)
    notes += ["clashes between soldiers and militants"] * 50
    dates += ["2022-07-01"] * 50
    return make_events(
        np.concatenate(lons),
        np.concatenate(lats),
        dates=dates,
        notes=np.array(notes, dtype=object),
        actor1="JNIM: Group for Support of Islam and Muslims",
    )


def test_planted_clusters_are_found_and_noise_is_not(rng):
    events = planted(rng)
    zones = support_zones(events, DEFAULT_RULES, by="year")
    assert set(zones["period"]) == {"2022"}
    assert len(zones) == 3
    assert zones["events"].tolist() == [20, 20, 20]
    for centre in CENTRES:
        assert zones.geometry.contains(shapely.Point(centre)).sum() == 1
    assert zones.crs.to_epsg() == 4326
    assert zones["zone_id"].tolist() == ["2022-01", "2022-02", "2022-03"]
    assert zones["score"].between(0, 100).all()
    assert (zones["first_seen"] <= zones["last_seen"]).all()
    assert zones["first_seen"].str.startswith("2022").all()
    assert zones["distinct_months"].between(1, 12).all()
    rows = zones.attrs["event_rows"]["2022-01"]
    assert len(rows) == 20


def test_margin_grows_the_hull(rng):
    events = planted(rng)
    narrow = support_zones(events, dataclasses.replace(DEFAULT_RULES, margin_km=1.0))
    wide = support_zones(events, dataclasses.replace(DEFAULT_RULES, margin_km=10.0))
    assert (wide["area_km2"].to_numpy() > narrow["area_km2"].to_numpy()).all()


def test_one_period_when_by_is_none(rng):
    events = planted(rng)
    zones = support_zones(events, DEFAULT_RULES, by=None)
    assert set(zones["period"]) == {"all"}


def test_no_indicators_gives_an_empty_layer():
    events = make_events([-7.0, -7.01], [13.0, 13.0], notes="market day")
    zones = support_zones(events, DEFAULT_RULES)
    assert len(zones) == 0
    assert "score" in zones.columns
    assert zones.crs.to_epsg() == 4326


def test_cancel_stops_the_job(rng):
    events = planted(rng)
    progress = TaskProgress()
    progress.cancel()
    with pytest.raises(Cancelled):
        support_zones(events, DEFAULT_RULES, progress=progress)


def test_indicator_mask_rules():
    events = make_events(
        np.zeros(6),
        np.zeros(6),
        actor1=["JNIM", "JNIM", "JNIM", "Military Forces of Mali", "JNIM", "JNIM"],
        notes=[
            "Le JNIM a imposé la charia aux villageois",
            "JNIM levied zakat on herders",
            "armed clash with the army",
            "soldiers closed a school",
            "",
            "",
        ],
        sub_event_type=[
            "Other",
            "Other",
            "Armed clash",
            "Other",
            "Headquarters or base established",
            "Armed clash",
        ],
    )
    mask = indicator_mask(events.frame, DEFAULT_RULES)
    assert mask.tolist() == [True, True, False, False, True, False]
    anyone = ZoneRules(notes_keywords=("school",))
    assert indicator_mask(events.frame, anyone).tolist() == [
        False, False, False, True, False, False,
    ]  # fmt: skip
    actors_only = ZoneRules(actors=("jnim",))
    assert indicator_mask(events.frame, actors_only).sum() == 5


def test_rules_toml_round_trip(tmp_path):
    rules = ZoneRules(
        name='test "quoted" \\ rules, accents é',
        actors=("jnim",),
        event_types=("Battles",),
        sub_event_types=(),
        notes_keywords=("zakat", "école", 'say "hi"'),
        eps_km=12.5,
        min_events=4,
        margin_km=2.0,
    )
    path = save_rules(rules, tmp_path / "rules.toml")
    assert load_rules(path) == rules
    assert load_rules(save_rules(DEFAULT_RULES, tmp_path / "d.toml")) == DEFAULT_RULES
    assert ZoneRules.from_dict(rules.to_dict()) == rules
    assert "eps_km = 12.5" in dump_rules(rules)


def test_partial_and_bad_rule_files(tmp_path):
    partial = tmp_path / "partial.toml"
    partial.write_text('notes_keywords = ["zakat"]\neps_km = 20\n', encoding="utf-8")
    rules = load_rules(partial)
    assert rules.notes_keywords == ("zakat",)
    assert rules.eps_km == 20.0
    assert rules.min_events == ZoneRules().min_events
    bad = tmp_path / "bad.toml"
    bad.write_text("radius = 3\n", encoding="utf-8")
    with pytest.raises(InputError, match="unknown rule keys"):
        load_rules(bad)
    broken = tmp_path / "broken.toml"
    broken.write_text("eps_km = [\n", encoding="utf-8")
    with pytest.raises(InputError, match="not a valid TOML"):
        load_rules(broken)
    typed = tmp_path / "typed.toml"
    typed.write_text('min_events = "five"\n', encoding="utf-8")
    with pytest.raises(InputError, match="whole number"):
        load_rules(typed)
    with pytest.raises(InputError, match="not found"):
        load_rules(tmp_path / "missing.toml")


def brute_dbscan_partition(x, y, eps, min_samples, w):
    d = np.hypot(x[:, None] - x[None], y[:, None] - y[None])
    nb = d <= eps
    core = (nb * w[None]).sum(1) >= min_samples
    comp = -np.ones(len(x), int)
    c = 0
    for i in np.flatnonzero(core):
        if comp[i] >= 0:
            continue
        stack, comp[i] = [i], c
        while stack:
            k = stack.pop()
            for j in np.flatnonzero(nb[k] & core):
                if comp[j] < 0:
                    comp[j] = c
                    stack.append(j)
        c += 1
    return nb, core, comp


def test_dbscan_equals_brute_force(rng):
    for _ in range(15):
        n = int(rng.integers(5, 250))
        x = np.concatenate(
            [rng.normal(0, 3000, n // 2), rng.uniform(-5e4, 5e4, n - n // 2)]
        )
        y = np.concatenate(
            [rng.normal(0, 3000, n // 2), rng.uniform(-5e4, 5e4, n - n // 2)]
        )
        w = rng.integers(1, 3, n).astype(float)
        eps, min_samples = rng.uniform(1000, 8000), int(rng.integers(2, 8))
        labels = dbscan(x, y, eps, min_samples, w)
        nb, core, comp = brute_dbscan_partition(x, y, eps, min_samples, w)
        ci = np.flatnonzero(core)
        same_ours = labels[ci][:, None] == labels[ci][None, :]
        same_ref = comp[ci][:, None] == comp[ci][None, :]
        assert np.array_equal(same_ours, same_ref)
        for i in np.flatnonzero(~core):
            reach = np.flatnonzero(nb[i] & core)
            if len(reach):
                assert labels[i] in set(labels[reach])
            else:
                assert labels[i] == -1


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("eps_km", float("nan"), "eps_km = nan"),
        ("eps_km", 1e9, "eps_km = 1000000000.0 km: larger than the 2,000 km limit"),
        ("eps_km", 1e-300, "eps_km = 1e-300 km: below the 1 m minimum"),
        ("margin_km", float("inf"), "margin_km = inf"),
        ("margin_km", -1.0, "margin_km = -1.0 km: must be at least 0"),
        ("min_events", 0, "min_events = 0"),
        ("min_events", 2.5, "min_events = 2.5: expected a whole number"),
    ],
)
def test_rules_from_a_file_are_bounded(field, value, message):
    # --rules FILE and a recipe's rules_file reach ZoneRules directly
    with pytest.raises(ValueError, match=re.escape(message)):
        ZoneRules(**{field: value})
