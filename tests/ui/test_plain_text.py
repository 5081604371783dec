"""Everything shown from data or a project is plain text (issue 14, requirement 1).

A project whose every string is hostile markup is opened in the main window;
the panels, the identify tree, the chart, an analysis result, the dialogs, the
figure composer and message boxes are shown; then every widget, item-view cell,
action and graphics text item is walked: no text from the data may be read as
Qt rich text (``<img src="/dev/zero">`` made Qt read /dev/zero until it ran out
of memory), no link from the data may be live.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from PySide6.QtCore import QModelIndex, QPoint, QPointF, Qt, QTimer
from PySide6.QtGui import Qt as QtGui
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QGraphicsTextItem,
    QGraphicsView,
    QLabel,
    QMessageBox,
    QTextBrowser,
    QTextEdit,
    QWidget,
)

from sahelgis.errors import SahelGISError
from sahelgis.model import acled_schema as acled
from sahelgis.model import drawings
from sahelgis.model.events import EventTable, optimise_dtypes
from sahelgis.model.figures import FigureSpec, save_figure
from sahelgis.model.filters import EventFilter
from sahelgis.model.layer_factory import event_layer
from sahelgis.model.layers import VectorLayer
from sahelgis.model.selection import Selection
from sahelgis.model.styles import Style
from sahelgis.ui.panels.chart_panel import day_seconds
from sahelgis.ui.plain_text import (
    MessageBox,
    escape,
    markup,
    menu_text,
    plain_label,
    set_plain,
    tooltip,
    window_title,
)
from tests.ui.test_main_window import widget_pixel, zoom_to_lonlat

IMG = '<img src="/dev/zero">'
LINK = '<a href="http://example.invalid/">x</a>'
BOLD = "<b>B</b>"
ENTITY = "&lt;i&gt;entity"
MATH = r"$\sqrt{x}$"
#: Every field of the project holds this (plus the field's name).
HOSTILE = f"{IMG}{LINK} {BOLD} {ENTITY} {MATH}"
#: What must never reach a widget that reads rich text.
RAW_TOKENS = ("<img", "<a ", "<b>B</b>", "&lt;i&gt;")
#: Any of these in a text means hostile data is shown there (raw or escaped).
MARKERS = ("dev/zero", "example.invalid", "entity")
EVENT_TEXT_FIELDS = (
    acled.EVENT_TYPE,
    acled.SUB_EVENT_TYPE,
    acled.ACTOR1,
    acled.ASSOC_ACTOR_1,
    acled.ACTOR2,
    acled.ASSOC_ACTOR_2,
    acled.LOCATION,
    acled.ADMIN1,
    acled.ADMIN2,
    acled.NOTES,
    acled.SOURCE,
)
NARA = (-7.28571, 15.16846)
BOX = (-9.5, 11.8, -5.8, 15.8)


def hostile(field: str) -> str:
    return f"{HOSTILE} {field}"


# -- the audit ------------------------------------------------------------------
def interprets(fmt: Qt.TextFormat, text: str) -> bool:
    """True when a widget with this format shows ``text`` as rich text."""
    if fmt == Qt.TextFormat.RichText:
        return True
    return fmt == Qt.TextFormat.AutoText and QtGui.mightBeRichText(text)


class Audit:
    """Walks widgets and scenes; records hostile text shown and any misuse."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self.shown: list[str] = []
        self.graphics_texts = 0  # text items walked in graphics scenes

    def text(self, where: str, text: object, rich: bool) -> None:
        text = "" if text is None else str(text)
        if not any(m in text for m in MARKERS):
            return
        self.shown.append(where)
        if rich:
            raw = [t for t in RAW_TOKENS if t in text]
            if raw:
                self.problems.append(f"{where}: rich text holds {raw}: {text[:90]!r}")

    def tip(self, where: str, text: object) -> None:
        # tooltips, what's-this and status tips have no format: Qt guesses
        text = "" if text is None else str(text)
        self.text(where, text, QtGui.mightBeRichText(text))

    def widget(self, w: QWidget) -> None:
        name = f"{type(w).__name__}({w.objectName() or '?'})"
        self.tip(f"{name}.toolTip", w.toolTip())
        self.tip(f"{name}.whatsThis", w.whatsThis())
        self.tip(f"{name}.statusTip", w.statusTip())
        for action in w.actions():
            self.tip(f"{name} action toolTip", action.toolTip())
            self.tip(f"{name} action statusTip", action.statusTip())
        if isinstance(w, QLabel):
            text = w.text()
            rich = interprets(w.textFormat(), text)
            self.text(f"{name}.text", text, rich)
            if rich and w.openExternalLinks() and any(m in text for m in MARKERS):
                self.problems.append(f"{name}: live links in data text")
        if (
            isinstance(w, QTextBrowser)
            and w.openExternalLinks()
            and any(m in w.toHtml() for m in MARKERS)
        ):
            self.problems.append(f"{name}: live links in data text")
        if isinstance(w, QTextEdit):
            html, plain = w.toHtml(), w.toPlainText()
            if any(m in html for m in MARKERS):
                self.shown.append(name)
                if not any(t in plain for t in RAW_TOKENS):
                    self.problems.append(f"{name}: data read as HTML")
        if isinstance(w, QAbstractItemView) and w.model() is not None:
            self.model(name, w.model(), QModelIndex())
        if isinstance(w, QGraphicsView) and w.scene() is not None:
            self.scene(name, w.scene())

    def model(self, name: str, model, parent: QModelIndex) -> None:
        for row in range(model.rowCount(parent)):
            # columnCount is private in list models: probe the indexes
            columns = 0
            while model.index(row, columns, parent).isValid():
                columns += 1
            for column in range(columns):
                index = model.index(row, column, parent)
                # item delegates draw DisplayRole as plain text
                self.text(f"{name}[{row},{column}]", index.data(), rich=False)
                for role in (
                    Qt.ItemDataRole.ToolTipRole,
                    Qt.ItemDataRole.WhatsThisRole,
                    Qt.ItemDataRole.StatusTipRole,
                ):
                    self.tip(f"{name}[{row},{column}] {role.name}", index.data(role))
                if column == 0 and model.rowCount(index) > 0:
                    self.model(name, model, index)

    def scene(self, name: str, scene) -> None:
        for item in scene.items():
            if not isinstance(item, QGraphicsTextItem):
                continue
            self.graphics_texts += 1
            html, plain = item.toHtml(), item.toPlainText()
            if any(m in html for m in MARKERS):
                self.shown.append(f"{name} text item")
                if not any(t in plain for t in RAW_TOKENS):
                    self.problems.append(
                        f"{name}: graphics text read as HTML: {plain[:60]!r}"
                    )

    def walk(self, *roots: QWidget) -> Audit:
        for root in roots:
            for w in [root, *root.findChildren(QWidget)]:
                self.widget(w)
        return self

    def assert_clean(self, at_least: int = 1) -> None:
        assert not self.problems, "\n".join(self.problems)
        assert len(self.shown) >= at_least, self.shown


def audit_modal_and_close(seen: list[Audit]) -> None:
    """Audit the modal dialog on screen (a message box), then close it."""
    box = QApplication.activeModalWidget()
    assert box is not None
    seen.append(Audit().walk(box))
    box.close()


# -- the hostile project --------------------------------------------------------
@pytest.fixture
def hostile_table(tiny_frame):
    frame = tiny_frame.copy()
    for name in EVENT_TEXT_FIELDS:
        frame[name] = hostile(name)
    frame.loc[frame.index[1::3], acled.EVENT_TYPE] = "Battles"
    return EventTable(optimise_dtypes(frame))


@pytest.fixture
def hostile_project(hostile_table):
    from sahelgis.ui.project_files import new_project

    project = new_project()
    events = dataclasses.replace(
        event_layer(hostile_table, "events.csv"),
        name=hostile("layer name"),
        caveat=hostile("caveat"),
    )
    project.add_layer(events)
    towns = gpd.GeoDataFrame(
        {
            "name": [hostile("town 1"), hostile("town 2")],
            "kind": [hostile("kind 1"), hostile("kind 2")],
        },
        geometry=gpd.points_from_xy([-7.28, -7.45], [15.17, 13.55]),
        crs="EPSG:4326",
    )
    project.add_layer(
        VectorLayer(
            name=hostile("vector layer"),
            data=towns,
            style=Style(
                color="#333333",
                category_field="kind",
                categories={hostile("kind 1"): "#FF0000", hostile("kind 2"): "#00FF00"},
                label_field="name",
            ),
            attribution=hostile("attribution"),
        )
    )
    layer = drawings.add_drawing_layer(project, hostile("drawing layer"))
    drawings.add_feature(
        project,
        layer.id,
        shapely.Point(*NARA),
        name=hostile("drawing name"),
        note=hostile("drawing note"),
        category=hostile("drawing category"),
    )
    project.set_filter(EventFilter(actor=hostile(acled.ACTOR1)))
    project.set_selection(Selection(shapely.box(-12, 10, -4, 17), hostile("selection")))
    save_figure(
        project,
        FigureSpec(
            name=hostile("figure name"),
            title=hostile("title"),
            subtitle=hostile("subtitle"),
            source_line=hostile("source line"),
            credit=hostile("credit"),
            notes=hostile("notes"),
            legend_labels={events.id: hostile("legend label")},
            extent=BOX,
            dpi=40,
        ),
    )
    project.undo_stack.clear()
    project.mark_saved()
    return project


# -- the helper -------------------------------------------------------------------
def test_helper_shows_data_literally(qtbot):
    label = plain_label(HOSTILE)
    qtbot.addWidget(label)
    assert label.textFormat() == Qt.TextFormat.PlainText
    assert label.text() == HOSTILE
    set_plain(label, BOLD)
    assert label.text() == BOLD
    assert escape("a<b>&\n") == "a&lt;b&gt;&amp;<br>"
    assert markup("<b>{}</b>: {x}", BOLD, x=ENTITY) == (
        "<b>&lt;b&gt;B&lt;/b&gt;</b>: &amp;lt;i&amp;gt;entity"
    )
    assert tooltip("") == ""
    assert tooltip(BOLD) == "<p>&lt;b&gt;B&lt;/b&gt;</p>"
    assert menu_text("R&D") == "R&&D"
    assert window_title("a[*]b") == "a[*][*]b"


def test_message_box_text_is_plain(qtbot):
    seen: list[Audit] = []
    QTimer.singleShot(0, lambda: audit_modal_and_close(seen))
    MessageBox.warning(None, "Import events", hostile("warning"))
    seen[0].assert_clean()
    box = MessageBox(QMessageBox.Icon.Question, "t", hostile("text"))
    qtbot.addWidget(box)
    box.setInformativeText(hostile("informative"))
    labels = box.findChildren(QLabel)
    assert all(lb.textFormat() == Qt.TextFormat.PlainText for lb in labels)
    assert not any(lb.openExternalLinks() for lb in labels)
    assert box.informativeText() == hostile("informative")
    Audit().walk(box).assert_clean(at_least=2)


# -- the walk ---------------------------------------------------------------------
def test_main_window_shows_every_hostile_string_literally(
    make_main_window, hostile_project, qtbot
):
    window = make_main_window(hostile_project)
    project = window.project
    events = project.event_layers()[0]
    # identify: click the events at Nara
    zoom_to_lonlat(window, qtbot, (-8.0, 14.6, -6.6, 15.6))
    frame = events.events.frame
    px, py = widget_pixel(
        window.canvas, frame["longitude"].iloc[0], frame["latitude"].iloc[0]
    )
    with qtbot.waitSignal(window.canvas.sig_events_identified):
        qtbot.mouseClick(
            window.canvas.viewport(),
            Qt.MouseButton.LeftButton,
            pos=QPoint(round(px), round(py)),
        )
    assert window.identify_panel.tree.topLevelItemCount() > 0
    # chart: hover the first bar
    chart = window.chart_panel
    assert chart.counts is not None
    vb = chart.top_plot.getPlotItem().getViewBox()
    x = float(day_seconds(chart.counts.bins[0] + np.timedelta64(1, "D")))
    chart.top_plot.scene().sigMouseMoved.emit(vb.mapViewToScene(QPointF(x, 0.5)))
    # an analysis result named after hostile data
    window.analysis.add_buffer(
        {
            "kind": "buffer",
            "name": hostile("buffer"),
            "lon": NARA[0],
            "lat": NARA[1],
            "radii_m": [50_000.0],
            "unit": "km",
            "by": ["year", "event_type"],
            "max_geo_precision": 3,
        }
    )
    window._on_tiles_attribution_changed(hostile("tiles"))
    window.layer_panel.tree.expandAll()
    audit = Audit().walk(window)
    audit.assert_clean(at_least=20)
    assert audit.graphics_texts > 0  # the chart's pyqtgraph labels were walked
    # the hostile strings are there, shown as written
    assert hostile(acled.ACTOR1) in chart.title.text()
    assert hostile("selection") in chart.title.text()
    assert hostile(acled.EVENT_TYPE) in chart.hover_label.text()
    assert hostile("buffer") in window.result_panel.title.text()
    assert hostile("tiles") in window.basemap_label.text()
    tree = window.identify_panel.tree
    first = tree.topLevelItem(0)
    values = [first.child(i).text(1) for i in range(first.childCount())]
    assert hostile(acled.NOTES) in values
    (towns,) = (lay for lay in project.layers if lay.name == hostile("vector layer"))
    legend = window.layer_panel.legend_entries(towns.id)
    assert hostile("kind 1") in legend


def test_dialogs_show_every_hostile_string_literally(
    make_main_window, hostile_project, qtbot, tmp_path
):
    from sahelgis.io.acled import read_acled
    from sahelgis.ui.analysis_dialogs import BufferDialog, FormDialog
    from sahelgis.ui.error_dialog import ErrorDialog
    from sahelgis.ui.import_report_dialog import ImportReportDialog
    from sahelgis.ui.panels.drawing_dialogs import FeatureAttributesDialog
    from sahelgis.ui.panels.style_dialog import StyleDialog

    window = make_main_window(hostile_project)
    project = window.project
    csv = tmp_path / "&lt;i&gt;entity events.csv"
    frame = project.event_layers()[0].events.frame.head(4).copy()
    frame[acled.LATITUDE] = frame[acled.LATITUDE].astype(object)
    frame.loc[frame.index[:2], acled.LATITUDE] = hostile("latitude")
    frame.to_csv(csv, index=False)
    _, report = read_acled(csv)
    assert len(report.rejects)
    dialogs = [
        ImportReportDialog(report, window),
        StyleDialog(project.layers[0], window),
        StyleDialog(project.event_layers()[0], window),
        BufferDialog(hostile("centre"), hostile("hint"), window),
        FormDialog(hostile("form"), hostile("caveat"), window),
        ErrorDialog(hostile("message"), hostile("details"), window),
        FeatureAttributesDialog(
            {"name": hostile("name"), "note": hostile("note")},
            [hostile("category")],
            window,
        ),
    ]
    for dialog in dialogs:
        qtbot.addWidget(dialog)
        dialog.show()
    audits = [Audit().walk(d) for d in dialogs]
    for dialog, audit in zip(dialogs, audits, strict=True):
        assert not audit.problems, (type(dialog).__name__, audit.problems)
    assert all(a.shown for a in audits[:1] + audits[3:6])


def test_basemap_dialog_shows_a_hostile_url_and_credit_literally(
    make_main_window, hostile_project, qtbot
):
    from sahelgis.io import tile_providers
    from sahelgis.ui.basemap_dialog import BasemapDialog

    window = make_main_window(hostile_project)
    dialog = BasemapDialog(window.tiles, window.canvas.extent(), parent=window)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.custom_url.setText("https://tiles.example.invalid/{z}/{x}/{y}.png")
    dialog.custom_attribution.setText(hostile("credit"))
    dialog.provider_combo.setCurrentIndex(
        dialog.provider_combo.findData(tile_providers.CUSTOM_KEY)
    )
    Audit().walk(dialog).assert_clean()
    assert hostile("credit") in dialog.attribution_label.text()
    dialog.custom_url.setText(f"{LINK}{IMG}")  # unusable: the error quotes it
    dialog.provider_combo.setCurrentIndex(0)
    dialog.provider_combo.setCurrentIndex(
        dialog.provider_combo.findData(tile_providers.CUSTOM_KEY)
    )
    Audit().walk(dialog).assert_clean()
    assert IMG in dialog.terms_label.text()
    assert window.tiles.provider is None  # nothing applied, nothing fetched


def test_store_dialog_shows_hostile_manifest_strings_literally(
    qtbot, tiny_frame, tmp_path
):
    from sahelgis.scale.store import EventStore
    from sahelgis.ui.store_dialog import StoreOpenDialog

    frame = tiny_frame.copy()
    frame["country"] = hostile("country")
    store = EventStore.create(tmp_path / "&lt;i&gt;entity store")
    store.append(EventTable(optimise_dtypes(frame)), source=hostile("source"))
    dialog = StoreOpenDialog(store, None)
    qtbot.addWidget(dialog)
    dialog.show()
    Audit().walk(dialog).assert_clean(at_least=3)
    assert hostile("source") in dialog.data_label.text()
    assert dialog.country_list.item(0).text() == hostile("country")


def test_message_boxes_show_hostile_errors_literally(
    make_main_window, hostile_project, tmp_path
):
    from sahelgis.io.recovery import Recovery
    from sahelgis.ui.autosave import ask_recover

    window = make_main_window(hostile_project)
    seen: list[Audit] = []
    QTimer.singleShot(0, lambda: audit_modal_and_close(seen))
    window.show_error("Open project", SahelGISError(hostile("error")))
    QTimer.singleShot(0, lambda: audit_modal_and_close(seen))
    window.run_analysis(lambda: (_ for _ in ()).throw(ValueError(hostile("value"))))
    recovered = Recovery(
        path=tmp_path / "r.gpkg",
        project_path=Path(tmp_path / "&lt;i&gt;entity $x$.gpkg"),
        saved_at=datetime.now(UTC),
    )
    QTimer.singleShot(0, lambda: audit_modal_and_close(seen))
    ask_recover(recovered, window)
    assert len(seen) == 3
    for audit in seen:
        audit.assert_clean()


def test_figure_composer_shows_hostile_figure_literally(hostile_project, qtbot):
    from sahelgis.model.figures import saved_figures
    from sahelgis.ui.figure_composer import FigureComposer

    spec = saved_figures(hostile_project)[0]
    dialog = FigureComposer(hostile_project, spec=spec)
    qtbot.addWidget(dialog)
    dialog.show()
    with qtbot.waitSignal(dialog.sig_preview_ready, timeout=10_000):
        dialog.refresh_preview()
    dialog._show_error(hostile("export error"))
    audit = Audit().walk(dialog)
    dialog.shutdown()
    audit.assert_clean(at_least=5)
    assert dialog.status.text() == hostile("export error")
    assert dialog.title_edit.text() == hostile("title")


def test_window_title_shows_a_file_name_with_the_unsaved_placeholder(
    make_main_window, demo_like_project, tmp_path
):
    window = make_main_window(demo_like_project)
    demo_like_project.set_path(tmp_path / "draft[*].gpkg")
    # the title Qt shows (the placeholder processed), not the one we set
    assert window.windowHandle().title().startswith("draft[*].gpkg — SahelGIS")
