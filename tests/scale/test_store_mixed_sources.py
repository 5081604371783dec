"""ACLED and UCDP GED events in one store: a partition holding both writes
(ACLED's numeric ``timestamp`` meets GED's empty one) and reads back whole."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pyarrow.dataset as ds

from sahelgis.__main__ import main
from sahelgis.demo.synthetic_events import write_demo_csv
from tests.io.test_ucdp import ged_rows, write_ged


def _made_up_acled(path: Path, n: int) -> Path:
    """Generated rows with the demo's SYNTHETIC marks replaced by a made-up
    source, so the store takes them as a real import (the store refuses to mix
    demo and real events)."""
    demo = path.with_name("demo.csv")
    write_demo_csv(demo, n)
    text = demo.read_text(encoding="utf-8")
    text = text.replace(
        "SYNTHETIC demo data (SahelGIS generator, not ACLED)", "Made-up test source"
    ).replace("[SYNTHETIC] ", "")
    path.write_text(text.replace("\nSYN", "\nTST"), encoding="utf-8")
    return path


def test_acled_then_ged_in_one_store_append_and_read(tmp_path, capsys):
    store = tmp_path / "store"
    acled = _made_up_acled(tmp_path / "acled.csv", 300)
    ged = write_ged(tmp_path / "ged.csv", ged_rows(40))
    assert main(["import", str(acled), "--store", str(store)]) == 0
    assert main(["import", str(ged), "--store", str(store)]) == 0
    assert "Traceback" not in capsys.readouterr().err
    table = ds.dataset(store, partitioning="hive").to_table()
    assert table.num_rows == 340
    assert str(table.schema.field("timestamp").type) == "int64"
    assert table.column("timestamp").null_count == 40  # GED rows have none
    assert len(gpd.read_parquet(store)) == 340
