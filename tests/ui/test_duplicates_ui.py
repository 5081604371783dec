"""Analysis > Likely duplicates across sources: ACLED and UCDP GED layers of one
project paired, the pairs shown in the result panel (SYNTHETIC rows only)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sahelgis.io.acled import read_acled
from sahelgis.io.ucdp import read_ucdp
from sahelgis.model.layer_factory import event_layer
from sahelgis.ui.analysis_dialogs import FormDialog
from sahelgis.ui.project_files import new_project
from tests.analysis.test_registry_duplicates import brute_pairs, synthetic_sources

LABEL = "Likely duplicates across sources…"


@pytest.fixture
def two_sources(tmp_path):
    a_path, g_path, acled_rows, ged = synthetic_sources(tmp_path, 5, 120, 60)
    project = new_project()
    for table, path in (
        (read_acled(a_path)[0], a_path),
        (read_ucdp(g_path)[0], g_path),
    ):
        project.add_layer(event_layer(table, path))
    project.undo_stack.clear()
    project.mark_saved()
    return project, acled_rows, ged


def menu_action(window, text: str):
    for menu_action in window.menuBar().actions():
        if menu_action.text().replace("&", "") == "Analysis":
            for action in menu_action.menu().actions():
                if action.text() == text:
                    return action
    raise AssertionError(f"no {text!r} in the Analysis menu")


def test_pairs_from_the_analysis_menu_fill_the_result_panel(
    make_main_window, two_sources, monkeypatch, qtbot, tmp_path
):
    project, acled_rows, ged = two_sources
    window = make_main_window(project)
    asked = {}

    def fake_exec(dialog):
        asked.update({k: w.value() for k, w in dialog.fields.items()
                      if hasattr(w, "value")})  # fmt: skip
        dialog.fields["km"].setValue(8.0)
        dialog.fields["days"].setValue(1)
        return True

    monkeypatch.setattr(FormDialog, "exec", fake_exec)
    before = len(project.layers)
    menu_action(window, LABEL).trigger()
    qtbot.waitUntil(lambda: len(project.layers) == before + 2, timeout=5000)
    assert asked == {"km": 10.0, "days": 2.0}  # the declared defaults
    expected = brute_pairs(acled_rows, ged, 8, 1, True)
    assert expected
    frame = window.result_panel.model.frame
    got = set(zip(frame["acled_event_id"], frame["ucdp_event_id"], strict=True))
    assert got == expected
    title = window.result_panel.title.text()
    assert title.startswith(
        f"SYNTHETIC data — {len(expected)} likely duplicate pairs between "
        "ACLED and UCDP GED "
        "(≤ 8 km, ≤ 1 day, same actor side) — not merged"
    )
    assert not window.result_panel.chart.isVisible()  # nothing to count: no chart
    names = [layer.name for layer in project.layers[:2]]
    assert names == [
        "Likely duplicates ≤ 8 km, ≤ 1 day — paired events",
        "Likely duplicates ≤ 8 km, ≤ 1 day",
    ]
    # neither event layer changed: 120 and 60 events still there
    counts = sorted(len(layer.events) for layer in project.event_layers())
    assert counts == [60, 120]
    window.grab().save(str(Path(tmp_path) / "duplicates_window.png"))
    project.undo_stack.undo()  # one step removes both result layers
    assert len(project.layers) == before


def test_the_result_follows_the_time_window_off_the_gui_thread(
    make_main_window, two_sources, qtbot
):
    from sahelgis.analysis.registry import get

    project, *_ = two_sources
    window = make_main_window(project)
    analysis = window.analysis
    spec = get("duplicates").spec_from({"km": 8, "days": 1}, analysis.context())
    analysis.add(spec)
    qtbot.waitUntil(lambda: "not merged" in window.result_panel.title.text())
    before = len(window.result_panel.model.frame)
    project.time_window.set_window("2023-03-01", "2023-03-10")
    qtbot.waitUntil(
        lambda: "1 Mar 2023 – 10 Mar 2023" in window.result_panel.title.text(),
        timeout=5000,
    )
    narrowed = window.result_panel.model.frame
    assert 0 < len(narrowed) < before
    assert (narrowed["acled_date"] <= "2023-03-10").all()
