"""The bundled demo data is what the seeded code makes, and says it is synthetic."""

import pandas as pd

from sahelgis import paths
from sahelgis.demo.synthetic_events import generate_events
from sahelgis.io.project_file import load_project
from sahelgis.model.layers import EventLayer


def test_bundled_csv_is_reproduced_by_the_seeded_generator():
    bundled = pd.read_csv(paths.demo_events_csv(), dtype=str, keep_default_na=False)
    made = generate_events(len(bundled))
    pd.testing.assert_frame_equal(
        bundled, made.reset_index(drop=True), check_dtype=False
    )


def test_bundled_project_holds_synthetic_events_and_real_base_layers():
    project = load_project(paths.demo_project())
    events = [layer for layer in project.layers if isinstance(layer, EventLayer)]
    assert len(events) == 1
    layer = events[0]
    assert layer.synthetic
    assert "SYNTHETIC" in layer.name
    assert layer.feature_count == 3000
    assert layer.events.frame["source"].str.contains("SYNTHETIC").all()
    roles = {layer.role for layer in project.layers}
    assert {
        "roads",
        "places",
        "towns",
        "cercles",
        "regions",
        "countries",
        "rivers",
    } <= roles
    assert project.view_extent is not None
    assert "not ACLED" in " ".join(project.attributions())


def test_data_folder_stays_small():
    total = sum(p.stat().st_size for p in paths.data_dir().iterdir() if p.is_file())
    assert total < 30 * 1024 * 1024
