"""Hostile corpus, text: markup, entities, mathtext and control characters in
the strings a project or an event file carries.

Each case is opened the way an analyst would (the main window, the import
report, the figure composer, ``sahelgis export``) and must show its strings
literally: no Qt rich text (``<img src="/dev/zero">`` made Qt read /dev/zero
until it aborted), no live link, no mathtext, no crash or traceback.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import random
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from unittest import mock

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from tests.conftest import tiny_events_frame
from tests.hardening.hostile import HostileCase

IMG = '<img src="/dev/zero">'
LINK = '<a href="http://example.invalid/">click</a>'
BOLD = "<b>B</b>"
ENTITY = "&lt;i&gt;entity&lt;/i&gt;"
MATH = r"$\sqrt{x}$"
#: Deep enough that matplotlib's mathtext parser raised RecursionError.
MATH_NEST = "$" + r"\sqrt{" * 40 + "x" + "}" * 40 + "$"
MARKUPS = (IMG, LINK, BOLD, ENTITY)
BOX = (-9.5, 11.8, -5.8, 15.8)
NARA = (-7.28571, 15.16846)
COLOURS = ("#D62828", "#0072B2", "#2A9D8F")


# -- building -------------------------------------------------------------------
def _layer_id(rng: random.Random) -> str:
    return f"layer-{rng.getrandbits(48):012x}"


def _events_frame(rng: random.Random, **fields: str) -> pd.DataFrame:
    """The 21 tiny test events; each given field hostile in a seeded half of
    the rows (always the first)."""
    frame = tiny_events_frame()
    for name, value in fields.items():
        if name not in frame:
            frame[name] = ""
        frame[name] = frame[name].astype(object)
        rows = [0, *sorted(rng.sample(range(1, len(frame)), len(frame) // 2))]
        frame.loc[frame.index[rows], name] = value
    return frame


def _event_layer(rng: random.Random, frame: pd.DataFrame, **changes: object):
    from sahelgis.model.events import EventTable, optimise_dtypes
    from sahelgis.model.layer_factory import event_layer

    layer = event_layer(EventTable(optimise_dtypes(frame)), "events.csv")
    return dataclasses.replace(layer, id=_layer_id(rng), **changes)


def _save(folder: Path, project) -> Path:
    from sahelgis.io.project_file import save_project

    project.undo_stack.clear()
    return save_project(project, folder / "project.gpkg")


def _project(*layers):
    from sahelgis.model import crs
    from sahelgis.model.project import Project

    project = Project(list(layers))
    project.view_extent = crs.lonlat_box_to_display(BOX)
    return project


def build_layer_name(folder: Path, rng: random.Random) -> Path:
    layer = _event_layer(
        rng, _events_frame(rng), name=f"{IMG} events", caveat=f"{LINK} caveat."
    )
    return _save(folder, _project(layer))


def build_event_fields(folder: Path, rng: random.Random) -> Path:
    frame = _events_frame(
        rng,
        event_type=f"{IMG} type",
        notes=f"{LINK} {ENTITY} notes",
        actor1=f"{BOLD} actor",
        location=f"{ENTITY} town",
        source=f"{MATH} source",
    )
    path = folder / "events.csv"
    frame.to_csv(path, index=False)
    return path


def build_rejected_values(folder: Path, rng: random.Random) -> Path:
    frame = _events_frame(rng, notes=f"{BOLD} note").astype(object)
    bad = sorted(rng.sample(range(len(frame)), 4))
    frame.loc[frame.index[bad], "latitude"] = IMG
    frame.loc[frame.index[bad[:2]], "event_date"] = LINK
    # "&lt;" makes Qt guess rich text; "<" ">" are not allowed in Windows names
    path = folder / "&lt;i&gt;entity events.csv"
    frame.to_csv(path, index=False)
    return path


def build_filter_actor(folder: Path, rng: random.Random) -> Path:
    from sahelgis.model.filters import EventFilter

    actor = f"{LINK} {IMG}"
    layer = _event_layer(rng, _events_frame(rng, actor1=f"{actor} JNIM"))
    project = _project(layer)
    project.event_filter = EventFilter(actor=actor)
    return _save(folder, project)


def build_selection_label(folder: Path, rng: random.Random) -> Path:
    from sahelgis.model.selection import Selection

    project = _project(_event_layer(rng, _events_frame(rng)))
    project.selection = Selection(shapely.box(-12, 10, -4, 17), f"{ENTITY} {BOLD}")
    return _save(folder, project)


def build_drawing_names(folder: Path, rng: random.Random) -> Path:
    from sahelgis.model import drawings

    project = _project(_event_layer(rng, _events_frame(rng)))
    layer = drawings.add_drawing_layer(project, f"{BOLD} {ENTITY} drawings")
    drawings.add_feature(
        project,
        layer.id,
        shapely.Point(*NARA),
        name=f"{IMG} checkpoint",
        note=f"{LINK} note",
        category=f"{ENTITY} category",
    )
    return _save(folder, project)


def build_vector_categories(folder: Path, rng: random.Random) -> Path:
    from sahelgis.model.layers import VectorLayer
    from sahelgis.model.styles import Style

    kinds = [f"{IMG} camp", f"{LINK} base", f"{ENTITY} post"]
    xs = [rng.uniform(-9.0, -6.0) for _ in kinds]
    ys = [rng.uniform(12.0, 15.5) for _ in kinds]
    places = gpd.GeoDataFrame(
        {"name": [f"{BOLD} {i}" for i in range(len(kinds))], "kind": kinds},
        geometry=gpd.points_from_xy(xs, ys),
        crs="EPSG:4326",
    )
    layer = VectorLayer(
        name=f"{ENTITY} places",
        data=places,
        id=_layer_id(rng),
        style=Style(
            color="#333333",
            category_field="kind",
            categories=dict(zip(kinds, COLOURS, strict=True)),
            label_field="name",
        ),
    )
    return _save(folder, _project(layer))


def _with_figure(folder: Path, rng: random.Random, **spec: object) -> Path:
    from sahelgis.model.figures import FigureSpec, save_figure

    project = _project(_event_layer(rng, _events_frame(rng)))
    save_figure(project, FigureSpec(extent=BOX, dpi=40, **spec))  # type: ignore[arg-type]
    return _save(folder, project)


def build_figure_math_nest(folder: Path, rng: random.Random) -> Path:
    return _with_figure(
        folder,
        rng,
        name="nest",
        title=MATH_NEST,
        subtitle=f"{MATH} {IMG}",
        source_line=f"Source: {MATH}",
        credit="$x$",
    )


def build_figure_unprintable(folder: Path, rng: random.Random) -> Path:
    return _with_figure(
        folder,
        rng,
        name="breaks",
        title=f"\n{BOLD} title\x00\x1b",
        subtitle=f"\r\n{MATH}",
        source_line="\x07 source",
        notes="\x1b notes",
    )


def build_figure_every_text(folder: Path, rng: random.Random) -> Path:
    from sahelgis.model.filters import EventFilter

    return _with_figure(
        folder,
        rng,
        event_filter=EventFilter(actor=f"{LINK} actor").to_dict(),
        name=f"{BOLD} figure",
        title=f"{IMG} {MATH}",
        subtitle=f"{LINK} subtitle",
        source_line=f"{ENTITY} source",
        credit=f"{BOLD} credit",
        notes=f"{IMG} notes",
    )


# -- checking ---------------------------------------------------------------------
@contextlib.contextmanager
def _gui(scratch: Path) -> Iterator[object]:
    """A QApplication with settings and recovery files inside ``scratch``."""
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    app.setOrganizationName("SahelGIS-tests")
    app.setApplicationName("SahelGIS-tests")
    for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        QSettings.setPath(fmt, QSettings.Scope.UserScope, str(scratch / "settings"))
    with mock.patch(
        "sahelgis.ui.autosave.recovery_base", return_value=scratch / "appdata"
    ):
        yield app


@contextlib.contextmanager
def _window(project, scratch: Path) -> Iterator[object]:
    """The main window on ``project``, shown; closed without questions after."""
    with _gui(scratch) as app:
        from sahelgis.ui.main_window import MainWindow

        window = MainWindow(project, remember_layout=False)
        window.resize(1200, 800)
        window.show()
        app.processEvents()  # type: ignore[attr-defined]
        try:
            yield window
        finally:
            window.runner.wait(5000)
            window.project.mark_saved()
            window.close()
            window.deleteLater()
            app.processEvents()  # type: ignore[attr-defined]


def _audit(*widgets: object) -> list[str]:
    """Walk the widgets (tests/ui/test_plain_text.py's audit); what was shown."""
    from tests.ui.test_plain_text import Audit

    audit = Audit()
    audit.walk(*widgets)  # type: ignore[arg-type]
    assert not audit.problems, audit.problems
    return audit.shown


def _open(path: Path):
    from sahelgis.io.project_file import load_project

    return load_project(path)


def _tree_texts(tree) -> list[str]:
    from PySide6.QtWidgets import QTreeWidgetItemIterator

    out = []
    it = QTreeWidgetItemIterator(tree)
    while it.value() is not None:
        item = it.value()
        out.extend(item.text(c) for c in range(item.columnCount()))
        it += 1
    return out


def _plain(label) -> str:
    from PySide6.QtCore import Qt

    assert label.textFormat() == Qt.TextFormat.PlainText
    return label.text()


def check_layer_name(path: Path, scratch: Path) -> None:
    with _window(_open(path), scratch) as window:
        _audit(window)
        texts = _tree_texts(window.layer_panel.tree)  # type: ignore[attr-defined]
        assert f"{IMG} events" in texts
        assert any(LINK in t for t in texts)  # the caveat's row, as written


def check_event_fields(path: Path, scratch: Path) -> None:
    from sahelgis.io.acled import read_acled
    from sahelgis.model.layer_factory import event_layer
    from sahelgis.ui.panels.chart_panel import day_seconds

    table, _ = read_acled(path)
    layer = event_layer(table, path)
    with _window(_project(layer), scratch) as window:
        window.identify_panel.show_events([(layer, np.arange(3))])  # type: ignore[attr-defined]
        chart = window.chart_panel  # type: ignore[attr-defined]
        assert chart.counts is not None
        vb = chart.top_plot.getPlotItem().getViewBox()
        from PySide6.QtCore import QPointF

        x = float(day_seconds(chart.counts.bins[0] + np.timedelta64(1, "D")))
        chart.top_plot.scene().sigMouseMoved.emit(vb.mapViewToScene(QPointF(x, 0.5)))
        _audit(window)
        texts = _tree_texts(window.identify_panel.tree)  # type: ignore[attr-defined]
        assert f"{LINK} {ENTITY} notes" in texts
        assert f"{IMG} type" in _plain(chart.hover_label)


def check_rejected_values(path: Path, scratch: Path) -> None:
    from sahelgis.io.acled import read_acled

    _, report = read_acled(path)
    assert len(report.rejects) >= 4
    with _gui(scratch):
        from sahelgis.ui.import_report_dialog import ImportReportDialog

        dialog = ImportReportDialog(report)
        dialog.show()
        try:
            _audit(dialog)
            cells = [
                dialog.table.item(r, c).text()
                for r in range(dialog.table.rowCount())
                for c in range(dialog.table.columnCount())
            ]
            assert IMG in cells
            # the file name is escaped inside our own bold markup
            assert "<b>&amp;lt;i&amp;gt;entity events.csv</b>" in dialog.summary.text()
        finally:
            dialog.close()
            dialog.deleteLater()


def check_filter_actor(path: Path, scratch: Path) -> None:
    project = _open(path)
    with _window(project, scratch) as window:
        _audit(window)
        title = _plain(window.chart_panel.title)  # type: ignore[attr-defined]
        assert f"{LINK} {IMG}" in title
        assert window.filter_panel.actor.text() == f"{LINK} {IMG}"  # type: ignore[attr-defined]


def check_selection_label(path: Path, scratch: Path) -> None:
    with _window(_open(path), scratch) as window:
        _audit(window)
        title = _plain(window.chart_panel.title)  # type: ignore[attr-defined]
        assert f"{ENTITY} {BOLD}" in title  # the entity is not decoded


def check_drawing_names(path: Path, scratch: Path) -> None:
    from sahelgis.model import drawings
    from sahelgis.ui.panels.drawing_dialogs import FeatureAttributesDialog

    project = _open(path)
    (layer,) = drawings.drawing_layers(project)
    with _window(project, scratch) as window:
        dialog = FeatureAttributesDialog(dict(layer.data.iloc[0]), [], window)  # type: ignore[arg-type]
        dialog.show()
        _audit(window, dialog)
        assert dialog.name_edit.text() == f"{IMG} checkpoint"
        assert f"{BOLD} {ENTITY} drawings" in _tree_texts(window.layer_panel.tree)  # type: ignore[attr-defined]
        dialog.close()


def check_vector_categories(path: Path, scratch: Path) -> None:
    project = _open(path)
    with _window(project, scratch) as window:
        _audit(window)
        legend = window.layer_panel.legend_entries(project.layers[0].id)  # type: ignore[attr-defined]
        assert {f"{IMG} camp", f"{LINK} base", f"{ENTITY} post"} <= set(legend)


def _svg_texts(path: Path) -> str:
    root = ET.parse(path).getroot()
    return "\n".join(
        "".join(el.itertext()) for el in root.iter() if el.tag.endswith("text")
    )


def _export(path: Path, out: Path, *more: str) -> tuple[int, str]:
    from sahelgis.__main__ import main

    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = main(["export", str(path), *more, "-o", str(out)])
    return code, err.getvalue()


def check_figure_math_nest(path: Path, scratch: Path) -> None:
    out = scratch / "nest.svg"
    start = time.perf_counter()
    code, err = _export(path, out)
    assert code == 0, err
    # the old parser raised at once; a bound keeps a slow parse from passing
    assert time.perf_counter() - start < 10.0
    text = _svg_texts(out)
    assert MATH_NEST in text
    assert f"{MATH} {IMG}" in text


def check_figure_unprintable(path: Path, scratch: Path) -> None:
    import pptx

    out = scratch / "deck.pptx"
    code, err = _export(path, out)
    if code != 0:
        # a project check may refuse control characters: one line, no traceback
        assert err.count("\n") == 1, err
        assert path.name in err, err
        assert "Traceback" not in err
        return
    slide = pptx.Presentation(str(out)).slides[0]
    assert f"{BOLD} title" in slide.shapes.title.text
    shapes = {s.name: s for s in slide.shapes}
    assert MATH in shapes["Subtitle"].text_frame.text


def check_figure_every_text(path: Path, scratch: Path) -> None:
    from sahelgis.model.figures import saved_figures

    project = _open(path)
    with _gui(scratch) as app:
        from sahelgis.ui.figure_composer import FigureComposer

        dialog = FigureComposer(project, spec=saved_figures(project)[0])
        dialog.show()
        done: list[bool] = []
        dialog.sig_preview_ready.connect(lambda: done.append(True))
        dialog.refresh_preview()
        deadline = time.monotonic() + 10
        while not done and time.monotonic() < deadline:
            dialog.renders.wait()
            app.processEvents()  # type: ignore[attr-defined]
        try:
            assert done, "no preview"
            _audit(dialog)
            assert dialog.title_edit.text() == f"{IMG} {MATH}"
            assert dialog.saved_combo.currentText() == f"{BOLD} figure"
            assert f"{LINK} actor" in _plain(dialog.filter_label)
        finally:
            dialog.shutdown()
            project.mark_saved()
            dialog.close()
            dialog.deleteLater()


CASES: list[HostileCase] = [
    HostileCase(
        "text_layer_name_img",
        "project",
        "opens; the layer name <img src=/dev/zero> and a <a href> caveat show "
        "literally in the layer panel and its tooltips; no crash, no live link",
        build_layer_name,
        check_layer_name,
    ),
    HostileCase(
        "text_event_fields_markup",
        "events",
        "imports; event_type, notes, actor, location and source markup show "
        "literally in the identify tree, the chart legend and hover label",
        build_event_fields,
        check_event_fields,
    ),
    HostileCase(
        "text_rejected_values_img",
        "events",
        "import report lists rejected <img>/<a href> values literally and escapes "
        "the file name '&lt;i&gt;entity events.csv' in its bold summary",
        build_rejected_values,
        check_rejected_values,
    ),
    HostileCase(
        "text_filter_actor_link",
        "project",
        "opens; the saved actor filter <a href><img> shows literally in the "
        "filter panel and the chart title",
        build_filter_actor,
        check_filter_actor,
    ),
    HostileCase(
        "text_selection_label_entity",
        "project",
        "opens; the selection label '&lt;i&gt;…<b>B</b>' shows as written in the "
        "chart title (entities not decoded)",
        build_selection_label,
        check_selection_label,
    ),
    HostileCase(
        "text_drawing_names_img",
        "project",
        "opens; drawing layer name, feature name, note and category markup show "
        "literally in the layer panel, its tooltip and the attributes dialog",
        build_drawing_names,
        check_drawing_names,
    ),
    HostileCase(
        "text_vector_categories_markup",
        "project",
        "opens; category values <img>, <a href>, &lt;…&gt; show literally as "
        "legend rows",
        build_vector_categories,
        check_vector_categories,
    ),
    HostileCase(
        "text_figure_math_nest",
        "project",
        "sahelgis export writes the SVG in under 2 s with the 40-deep \\sqrt "
        "mathtext title drawn as written (was a RecursionError)",
        build_figure_math_nest,
        check_figure_math_nest,
    ),
    HostileCase(
        "text_figure_unprintable",
        "project",
        "sahelgis export writes the PPTX: a title starting with a line break and "
        "holding NUL/ESC, a CR subtitle; no IndexError or XML error",
        build_figure_unprintable,
        check_figure_unprintable,
    ),
    HostileCase(
        "text_figure_every_text_markup",
        "project",
        "the figure composer shows the saved figure's hostile name, title, "
        "subtitle, source, credit, notes and actor filter literally, with a preview",
        build_figure_every_text,
        check_figure_every_text,
    ),
]
