"""File > Export figure: the composer dialog over a project."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from sahelgis.model.figures import FigureSpec, save_figure, saved_figures
from sahelgis.ui.figure_composer import FigureComposer, display_box_to_lonlat

BOX = (-9.5, 11.8, -5.8, 15.8)


@pytest.fixture
def composer(qtbot, demo_like_project):
    spec = FigureSpec(name="Fig A", title="Composer Title", extent=BOX, dpi=60)
    dialog = FigureComposer(demo_like_project, spec=spec)
    qtbot.addWidget(dialog)
    yield dialog
    dialog.shutdown()
    demo_like_project.mark_saved()


def wait_preview(qtbot, dialog):
    with qtbot.waitSignal(dialog.sig_preview_ready, timeout=10_000):
        dialog.refresh_preview()


def test_preview_renders_the_spec(qtbot, composer):
    wait_preview(qtbot, composer)
    pixmap = composer.preview.pixmap()
    assert pixmap is not None
    assert not pixmap.isNull()
    assert composer.last_preview.startswith(b"\x89PNG")
    assert composer.spec().title == "Composer Title"


def test_the_latest_preview_request_wins(qtbot, composer):
    """Requests made while a preview renders drop the older ones: only the
    last title is shown, once."""
    shown = []
    composer.sig_preview_ready.connect(lambda: shown.append(composer.last_count))
    titles = [f"Title {i}" for i in range(4)]
    for title in titles:
        composer.title_edit.setText(title)
        composer.refresh_preview()
    with qtbot.waitSignal(composer.sig_preview_ready, timeout=10_000):
        pass
    assert composer.renders.wait(10_000)
    qtbot.waitUntil(lambda: not composer.renders.active(), timeout=5000)
    assert len(shown) == 1
    assert composer.spec().title == titles[-1]


def test_preview_and_export_share_the_render_lane(qtbot, composer, tmp_path):
    """One matplotlib figure at a time: previews and exports queue in the
    pool's render lane, and both are delivered."""
    from sahelgis.ui.workers import RENDER_LANE

    with qtbot.waitSignals(
        [composer.sig_preview_ready, composer.sig_exported], timeout=20_000
    ):
        composer.refresh_preview()
        composer.export_to(tmp_path / "fig.png", dialog=False)
        jobs = composer.renders.active()
        assert [job.lane for job in jobs] == [RENDER_LANE, RENDER_LANE]
    assert composer.last_preview is not None
    assert (tmp_path / "fig.png").exists()


def test_editing_widgets_changes_the_spec(qtbot, composer):
    composer.title_edit.setText("New Title")
    composer.size_combo.setCurrentText("4:3")
    composer.scale_combo.setCurrentText("both")
    composer.multiples_box.setChecked(True)
    composer.periods_edit.setText("2020, 2021")
    spec = composer.spec()
    assert spec.title == "New Title"
    assert spec.page_size == (10.0, 7.5)
    assert spec.scale_units == "both"
    assert spec.small_multiples["periods"] == ["2020", "2021"]
    assert composer._timer.isActive()  # a preview is scheduled (debounced)
    wait_preview(qtbot, composer)


def test_legend_table_edits_labels_and_hides_rows(composer):
    table = composer.legend_table
    rows = {
        table.item(r, 1).data(Qt.ItemDataRole.UserRole): r
        for r in range(table.rowCount())
    }
    events = composer.project.event_layers()[0]
    assert events.id in rows
    table.item(rows[events.id], 1).setText("JNIM events")
    assert composer.spec().legend_labels == {events.id: "JNIM events"}
    battles = f"{events.id}:Battles"
    table.item(rows[battles], 0).setCheckState(Qt.CheckState.Unchecked)
    assert composer.spec().legend_hidden == [battles]


def test_unchecking_a_layer_drops_its_legend_rows(composer):
    events = composer.project.event_layers()[0]
    for i in range(composer.layer_list.count()):
        item = composer.layer_list.item(i)
        if item.data(Qt.ItemDataRole.UserRole) == events.id:
            item.setCheckState(Qt.CheckState.Unchecked)
    keys = [
        composer.legend_table.item(r, 1).data(Qt.ItemDataRole.UserRole)
        for r in range(composer.legend_table.rowCount())
    ]
    assert not any(k.startswith(events.id) for k in keys)
    assert events.id not in composer.spec().layer_ids
    assert "Events" not in composer.source_edit.toPlainText()


def test_source_line_is_automatic_until_edited(composer):
    assert composer.source_edit.isReadOnly()
    assert composer.source_edit.toPlainText().startswith("Source: ")
    assert composer.spec().source_line is None
    composer.source_auto.setChecked(False)
    composer.source_edit.setPlainText("Source: my notes.")
    assert composer.spec().source_line == "Source: my notes."


def test_save_to_project_is_undoable(qtbot, composer):
    project = composer.project
    with qtbot.waitSignal(composer.sig_saved) as blocker:
        composer.save_to_project()
    assert blocker.args == ["Fig A"]
    assert [s.name for s in saved_figures(project)] == ["Fig A"]
    assert project.modified
    assert composer.saved_combo.currentText() == "Fig A"
    project.undo_stack.undo()
    assert saved_figures(project) == []


def test_loading_a_saved_figure_fills_the_widgets(composer):
    save_figure(composer.project, FigureSpec(name="Other", title="Other Title"))
    composer._fill_saved_combo()
    index = composer.saved_combo.findText("Other")
    composer.saved_combo.setCurrentIndex(index)
    composer.saved_combo.activated.emit(index)
    assert composer.title_edit.text() == "Other Title"
    assert composer.name_edit.text() == "Other"


@pytest.mark.parametrize("suffix", [".png", ".pptx"])
def test_export_writes_the_file(qtbot, composer, tmp_path, suffix):
    if suffix == ".pptx":
        pytest.importorskip("pptx")
    composer.dpi_spin.setValue(50)
    target = tmp_path / f"figure{suffix}"
    with qtbot.waitSignal(composer.sig_exported, timeout=15_000) as blocker:
        composer.export_to(target, dialog=False)
    assert blocker.args == [target]
    assert target.stat().st_size > 1000


def test_export_error_is_shown_not_raised(qtbot, composer, tmp_path):
    composer.logo_edit.setText(str(tmp_path / "missing.png"))
    with qtbot.waitSignal(composer.sig_failed, timeout=15_000) as blocker:
        composer.export_to(tmp_path / "figure.png", dialog=False)
    assert "logo file not found" in blocker.args[0]


def test_view_extent_round_trip():
    from sahelgis.model import crs

    box = crs.lonlat_box_to_display(BOX)
    west, south, east, north = display_box_to_lonlat(box)
    assert west <= BOX[0] + 1e-6
    assert east >= BOX[2] - 1e-6
    assert south <= BOX[1] + 1e-6
    assert north >= BOX[3] - 1e-6
    assert east - west < (BOX[2] - BOX[0]) * 1.1


def scope_index(dialog, text_start):
    combo = dialog.scope_combo
    hits = [i for i in range(combo.count()) if combo.itemText(i).startswith(text_start)]
    assert len(hits) == 1, [combo.itemText(i) for i in range(combo.count())]
    return hits[0]


def test_scope_combo_offers_frame_all_and_named_areas(composer):
    combo = composer.scope_combo
    texts = [combo.itemText(i) for i in range(combo.count())]
    assert texts[:2] == ["Map frame", "All loaded events"]
    assert any(t.startswith("Koulikoro region — ") for t in texts)
    assert any(t.startswith("Kati cercle — ") for t in texts)
    assert composer.spec().scope == {"kind": "frame"}


def test_area_scope_preview_shows_the_figures_n(qtbot, composer):
    from sahelgis.export.layout import plan_figure

    wait_preview(qtbot, composer)
    frame_n = plan_figure(composer.project, composer.spec()).event_count
    assert composer.last_count.startswith(f"n = {frame_n:,} in the map frame, ")
    composer.scope_combo.setCurrentIndex(scope_index(composer, "Koulikoro region"))
    spec = composer.spec()
    assert spec.scope["kind"] == "area"
    assert spec.scope["value"] == "Koulikoro"
    plan = plan_figure(composer.project, spec)
    assert 0 < plan.event_count <= frame_n
    wait_preview(qtbot, composer)
    expected = f"n = {plan.event_count:,} in Koulikoro region, "
    assert composer.last_count.startswith(expected)
    assert composer.count_label.text() == composer.last_count
    assert composer.count_label.textFormat() == Qt.TextFormat.PlainText
    assert f"n = {plan.event_count:,} in Koulikoro region" in (
        composer.source_edit.toPlainText()
    )


def test_saved_area_scope_is_selected_when_loaded(composer):
    regions = composer.project.layers_with_role("regions")[0]
    scope = {
        "kind": "area",
        "layer_id": regions.id,
        "field": "adm1_name",
        "value": "Ségou",
        "label": "Ségou (pre-2016)",
    }
    composer.set_spec(FigureSpec(name="Fig S", extent=BOX, scope=scope))
    assert composer.scope_combo.currentText().startswith("Ségou region — ")
    assert composer.spec().scope == scope  # the saved label is kept
    missing = dict(scope, layer_id="gone")
    composer.set_spec(FigureSpec(name="Fig M", extent=BOX, scope=missing))
    assert composer.scope_combo.currentText() == "Ségou (pre-2016) (missing)"
    assert composer.spec().scope == missing
