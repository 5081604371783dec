"""Hexagons, rings and road segments in recipes: counts, compare, alerts and
trend per hexagon (partitions counted per location, the grid laid in finish)
and compare per ring or segment (the buffer's and corridor's own partials, by
day) give the same tables in a batch run as the direct run (``sahelgis counts
EVENTS --by hex:25km``, ``sahelgis compare EVENTS --areas ring --town ...``), on
the SYNTHETIC demo events split into uneven, seeded partitions."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sahelgis.analysis.registry import get
from sahelgis.analysis.registry.base import Context
from sahelgis.model.events import EventTable
from sahelgis.scale.engines import run_local
from sahelgis.scale.recipe import load_recipe

CASES = [
    ("counts", {"areas": "hexagon", "size": "25 km", "by": ["year", "event_type"]}),
    ("counts", {"areas": "hex", "size": "40 km", "by": ["none"]}),
    ("compare", {"areas": "hexagon", "size": "25 km"}),
    ("compare", {"areas": "hexagon", "size": "25 km", "a_from": "2020-01-01",
                 "a_to": "2021-12-31", "b_from": "2022-01-01",
                 "b_to": "2023-12-31"}),
    ("alerts", {"areas": "hexagon", "size": "25 km"}),
    ("trend", {"areas": "hexagon", "size": "25 km", "place": "-3_8"}),
    ("compare", {"areas": "ring", "town": "Bamako", "radii": "25,50,100km"}),
    ("compare", {"areas": "rings", "town": "Kati", "radii": "10km",
                 "a_from": "2019-01-01", "a_to": "2020-12-31",
                 "b_from": "2021-01-01", "b_to": "2022-12-31"}),
    ("compare", {"areas": "segment", "road": "RN6", "within": "10 km",
                 "segment": "25 km"}),
    ("compare", {"areas": "segment", "road": "RN4", "within": "5 km",
                 "segment": "40 km"}),
]  # fmt: skip


def _parts(events: EventTable, seed: int) -> list[EventTable]:
    """The events in 5 uneven, shuffled partitions (seeded)."""
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(events))
    cuts = np.sort(rng.choice(np.arange(1, len(events)), size=4, replace=False))
    return [
        EventTable(events.frame.iloc[np.sort(idx)].reset_index(drop=True))
        for idx in np.split(order, cuts)
    ]


def _same(direct: pd.DataFrame, batch: pd.DataFrame) -> None:
    assert set(direct.columns) == set(batch.columns)
    cols = list(direct.columns)
    keys = [  # key columns (text in batch tables, a year may be a number directly)
        c
        for c in cols
        if not pd.api.types.is_numeric_dtype(direct[c])
        or not pd.api.types.is_numeric_dtype(batch[c])
    ]
    a, b = direct[cols].copy(), batch[cols].copy()
    for frame in (a, b):
        for key in keys:
            frame[key] = frame[key].astype(str)
    a = a.sort_values(keys).reset_index(drop=True)
    b = b.sort_values(keys).reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b, check_dtype=False)


@pytest.mark.parametrize(("kind", "raw"), CASES)
def test_batch_per_area_equals_the_direct_run(
    kind: str,
    raw: dict,
    demo_events: EventTable,  # type: ignore[type-arg]
) -> None:
    analysis, context = get(kind), Context()
    spec = analysis.spec_from(dict(raw), context, where="")
    direct = analysis.run(demo_events, None, spec, context)
    batch_spec = analysis.prepare_batch(dict(spec), context)
    partials = [analysis.partial(batch_spec, p) for p in _parts(demo_events, 21)]
    batch = analysis.finish(batch_spec, analysis.merge(batch_spec, partials))
    assert (
        batch.headline.split(";")[0].split(" in ")[0]
        == (direct.headline.split(";")[0].split(" in ")[0])
    )
    assert batch.total == direct.total
    table = {"counts": "counts", "compare": "compare", "alerts": "alerts"}
    name = table.get(kind, next(iter(direct.tables)))
    _same(direct.tables[name], batch.tables[name])
    # the map: the same hexagons, the same shapes
    a = direct.layers[0].data.sort_values(direct.layers[0].data.columns[0])
    b = batch.layers[0].data.sort_values(batch.layers[0].data.columns[0])
    assert len(a) == len(b)
    assert (
        a.geometry.reset_index(drop=True)
        .geom_equals_exact(b.geometry.reset_index(drop=True), 1e-9)
        .all()
    )


def test_a_recipe_counts_per_hexagon_on_the_local_engine(
    tmp_path: Path, demo_events: EventTable
) -> None:
    path = tmp_path / "recipe.toml"
    path.write_text(
        '[[analysis]]\nid = "hex"\nkind = "counts"\nareas = "hexagon"\n'
        'size = "25 km"\n',
        encoding="utf-8",
    )
    recipe = load_recipe(path)
    assert recipe.read_scope().bbox is None  # the grid needs every event
    [out], _ = run_local(recipe, demo_events)
    table = out.tables["counts"]
    assert int(table["count"].sum()) == len(demo_events)
    assert table.loc[table["hex_id"] == "-3_8", "count"].sum() == 242
    assert len(out.layers["areas"]) == table["hex_id"].nunique()


@pytest.mark.parametrize(
    "raw",
    [
        {"areas": "ring", "town": "Bamako", "radii": "25,50km"},
        {"areas": "segment", "road": "RN6", "within": "10 km", "segment": "25 km"},
        {"areas": "hexagon", "size": "40 km"},
    ],
)
def test_a_saved_compare_becomes_recipe_keys_that_give_it_back(raw: dict) -> None:  # type: ignore[type-arg]
    analysis, context = get("compare"), Context()
    spec = analysis.spec_from(dict(raw), context, where="")
    [item] = analysis.recipe_items(spec, context)
    keys = {k: v for k, v in item.items() if k != "kind"}
    again = analysis.spec_from(keys, context, where="")
    assert again == spec
    assert analysis.layer_name(spec).startswith(
        {"ring": "Change per ring around Bamako", "segment": "Change per segment "
         "of RN6", "hexagon": "Change per hexagon of 40 km"}[raw["areas"]]
    )  # fmt: skip
