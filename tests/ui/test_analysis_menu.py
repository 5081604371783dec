"""Each analysis from the Analysis menu adds an undoable layer and a result."""

import csv
import re

import pytest

from sahelgis import paths
from sahelgis.io.project_file import load_project
from sahelgis.ui.analysis_dialogs import FormDialog


@pytest.fixture
def demo_window(make_main_window):
    project = load_project(paths.demo_project())
    return make_main_window(project)


def answer(monkeypatch, **values):
    """Make FormDialog.exec fill the given fields and accept."""

    def fake_exec(dialog):
        for key, value in values.items():
            widget = dialog.fields[key]
            if hasattr(widget, "setCurrentText"):
                widget.setCurrentText(value)
            elif hasattr(widget, "setValue"):
                widget.setValue(value)
            else:
                widget.setText(value)
        return True

    monkeypatch.setattr(FormDialog, "exec", fake_exec)


def test_corridor_rn4_shares_and_heat_strip(demo_window, monkeypatch):
    answer(monkeypatch, road="RN4", within="10 km", segment="20 km")
    before = len(demo_window.project.layers)
    demo_window.run_analysis(demo_window.analysis.corridor_dialog)
    layers = demo_window.project.layers
    assert len(layers) == before + 2
    assert layers[0].name == "RN4 — within 10 km — events per segment"
    assert "lie within 10 km of RN4" in demo_window.result_panel.title.text()
    assert "APPROXIMATE" in demo_window.result_panel.warning.text()
    demo_window.project.undo_stack.undo()  # one entry removes both layers
    assert len(demo_window.project.layers) == before


def test_counts_per_cercle_choropleth(demo_window, monkeypatch):
    answer(monkeypatch, areas="cercle", method="quantiles")
    demo_window.run_analysis(demo_window.analysis.counts_dialog)
    layer = demo_window.project.layers[0]
    assert layer.style.category_field == "class_label"
    table = demo_window.result_panel.model.frame
    assert int(table["total"].sum()) == 3000
    assert int(table.drop(columns=["name_fr", "total"]).to_numpy().sum()) == 3000


def test_rings_isolation_and_zones(demo_window, monkeypatch, qtbot):
    answer(monkeypatch, town="bamako", radii="25, 50, 113 km")
    demo_window.run_analysis(demo_window.analysis.rings_dialog)
    assert demo_window.project.layers[0].name == "Bamako — 25, 50, 113 km"
    answer(monkeypatch, town="Nara", radius="100 km", within="5 km")
    demo_window.run_analysis(demo_window.analysis.isolation_dialog)
    assert demo_window.project.layers[0].name == "Nara — access roads"
    assert "RN4" in " ".join(demo_window.result_panel.model.frame.columns)
    assert "days ago, trend" in demo_window.result_panel.title.text()
    answer(monkeypatch)
    demo_window.run_analysis(demo_window.analysis.zones_dialog)
    # zones are derived in a worker thread, then added on the GUI thread
    qtbot.waitUntil(
        lambda: demo_window.project.layers[0].name.startswith("Support zones"),
        timeout=10_000,
    )
    zones = demo_window.project.layers[0]
    assert zones.name.startswith("Support zones by year")
    assert zones.feature_count > 0


def test_unknown_town_gets_a_message_not_a_traceback(demo_window, monkeypatch):
    shown = []
    monkeypatch.setattr(
        "sahelgis.ui.main_window.QMessageBox.warning",
        lambda parent, title, text: shown.append(text),
    )
    answer(monkeypatch, town="Narra", radii="10 km")
    demo_window.run_analysis(demo_window.analysis.rings_dialog)
    assert "Nara" in shown[0]


def test_result_layers_export_to_gpkg_and_csv(demo_window, monkeypatch, tmp_path):
    import pyogrio

    answer(monkeypatch, areas="region", method="natural_breaks")
    demo_window.run_analysis(demo_window.analysis.counts_dialog)
    layer = demo_window.project.layers[0]
    panel = demo_window.layer_panel
    gpkg = panel.export_layer(layer.id, str(tmp_path / "regions.gpkg"))
    back = pyogrio.read_dataframe(gpkg)
    assert len(back) == layer.feature_count
    assert back["count"].sum() == layer.data["count"].sum()
    csv = panel.export_layer(layer.id, str(tmp_path / "regions.csv"))
    assert "wkt" in csv.read_text().splitlines()[0]


def test_corridor_along_a_drawn_line(demo_window, monkeypatch):
    from shapely import LineString

    from sahelgis.model import drawings

    layer = drawings.add_drawing_layer(demo_window.project, "Notes")
    drawings.add_feature(
        demo_window.project,
        layer.id,
        LineString([(-8.0, 12.65), (-7.47, 14.47)]),
        name="Supply route",
    )
    answer(monkeypatch, road="Drawn line: Supply route", within="5 km", segment="20 km")
    demo_window.run_analysis(demo_window.analysis.corridor_dialog)
    assert demo_window.project.layers[0].name.startswith(
        "Drawn line: Supply route — within 5 km"
    )


def test_corridor_opens_on_the_busiest_road_and_agrees_with_the_cli(
    demo_window, monkeypatch, capsys
):
    import re

    from sahelgis.__main__ import main

    seen = {}

    def fake_exec(dialog):
        seen["road"] = dialog.fields["road"].currentText()
        seen["within"] = dialog.fields["within"].text()
        return True

    monkeypatch.setattr(FormDialog, "exec", fake_exec)
    demo_window.project.time_window.set_window("2018-01-01", "2024-06-30")
    demo_window.run_analysis(demo_window.analysis.corridor_dialog)
    assert seen == {"road": "RN4", "within": "10 km"}
    # the headline is about the whole window, as a percentage with its counts
    title = demo_window.result_panel.title.text()
    match = re.match(
        r"(\d+\.\d)% — ([\d,]+) of ([\d,]+) events lie within 10 km of RN4", title
    )
    assert match, title
    inside, total = (int(match.group(k).replace(",", "")) for k in (2, 3))
    assert float(match.group(1)) == round(100 * inside / total, 1)
    table = demo_window.result_panel.model.frame
    assert table["share"].str.match(r"^\d+\.\d% — [\d,]+ of [\d,]+$").all()
    # the command line on the same events and dates: the same numbers
    demo_window.project.time_window.expand_imprecise = False
    demo_window.analysis.show(demo_window.project.layers[0].id)
    title = demo_window.result_panel.title.text()
    argv = ["corridor", str(paths.demo_project()), "--road", "RN4", "--within",
            "10km", "--from", "2018-01-01", "--to", "2024-06-30",
            "--share"]  # fmt: skip
    assert main(argv) == 0
    out = capsys.readouterr().out.splitlines()
    (row,) = [r for r in csv.DictReader(out[:-1]) if r["year"] == "all"]
    inside, total = int(row["in_corridor"]), int(row["total"])
    assert row["share"] == f"{100 * inside / total:.1f}% — {inside:,} of {total:,}"
    assert f"{row['share']} events lie within 10 km of RN4" in title


def test_count_classes_are_whole_numbers(demo_window, monkeypatch):
    answer(monkeypatch, areas="cercle", method="quantiles")
    demo_window.run_analysis(demo_window.analysis.counts_dialog)
    labels = list(demo_window.project.layers[0].style.categories)
    assert labels
    assert all(re.fullmatch(r"[\d,]+(–[\d,]+)?", label) for label in labels)
