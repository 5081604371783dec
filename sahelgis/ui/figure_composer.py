"""File > Export figure: compose a slide figure with a live preview and export it.

Size: one dialog; its form, preview and export handlers share the dialog's
state and are easier to follow together than split into mixins.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QDate, QSignalBlocker, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QImage, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QProgressDialog,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from sahelgis.errors import Cancelled, SahelGISError
from sahelgis.export.layout import plan_figure
from sahelgis.model import crs
from sahelgis.model.figure_notes import window_text
from sahelgis.model.figure_parts import FigurePlan
from sahelgis.model.figure_plan import auto_source_line
from sahelgis.model.figure_scope import FigureScope, scope_choices
from sahelgis.model.figures import (
    CUSTOM_SIZE,
    MULTIPLE_KEYS,
    SCALE_UNITS,
    SIZE_PRESETS,
    FigureSpec,
    save_figure,
    saved_figures,
)
from sahelgis.model.project import Extent, Project
from sahelgis.ui import settings as app_settings
from sahelgis.ui.plain_text import MessageBox as QMessageBox
from sahelgis.ui.plain_text import plain_label, plain_progress_label, set_plain
from sahelgis.ui.workers import RENDER_LANE, JobGroup

PREVIEW_DELAY_MS = 300
PREVIEW_KIND = "preview"
PREVIEW_WIDTH_PX = 760
NEW_FIGURE = "(new figure)"
EXTENT_VIEW = "Current map view"
EXTENT_CUSTOM = "Lon/lat box"
EXPORT_FILTERS = {
    ".png": "PNG image (*.png)",
    ".svg": "SVG vector (*.svg)",
    ".pdf": "PDF vector (*.pdf)",
    ".pptx": "PowerPoint slide (*.pptx)",
    ".gif": "Animated GIF (*.gif)",
}


def display_box_to_lonlat(box: Extent) -> tuple[float, float, float, float]:
    """The lon/lat box covering a display-CRS box (edges densified)."""
    xmin, ymin, xmax, ymax = box
    t = np.linspace(0.0, 1.0, 21)
    xs = xmin + (xmax - xmin) * t
    ys = ymin + (ymax - ymin) * t
    x = np.concatenate([xs, np.full(21, xmax), xs, np.full(21, xmin)])
    y = np.concatenate([np.full(21, ymin), ys, np.full(21, ymax), ys])
    lon, lat = crs.to_lonlat().transform(x, y)
    return (
        round(float(np.min(lon)), 4),
        round(float(np.min(lat)), 4),
        round(float(np.max(lon)), 4),
        round(float(np.max(lat)), 4),
    )


def _preview_png(
    project: Project, spec: FigureSpec, dpi: int, *, progress: Any = None
) -> tuple[bytes, str]:
    """Render a small PNG of the figure and its count line, from one plan
    (runs on a worker thread).
    """
    from sahelgis.export.render import figure_for, render_png_bytes

    small = spec.with_(dpi=dpi)
    plan = plan_figure(project, small)
    fig = figure_for(project, small, plan=plan)
    return render_png_bytes(fig, dpi), count_text(plan)


def count_text(plan: FigurePlan) -> str:
    """ "n = 475 in Koulikoro region, 1 Jan 2020 – 31 Dec 2023" ("" without
    event layers): what the figure's source line, legend and chart count.
    """
    if not plan.counted:
        return ""
    return f"n = {plan.event_count:,} {plan.scope_text}, {window_text(plan.window)}"


def _export(project: Project, spec: FigureSpec, path: Path, *, progress: Any) -> Path:
    """Write the figure in the format of ``path`` (runs on a worker thread)."""
    from sahelgis.export.animation import export_animation
    from sahelgis.export.pptx import write_deck
    from sahelgis.export.render import render_figure

    suffix = path.suffix.lower()
    if suffix == ".pptx":
        return write_deck(project, [spec], path, progress=progress)
    if suffix == ".gif":
        return export_animation(project, spec, path, progress=progress)
    progress.set(0.1, "Rendering")
    return render_figure(project, spec, path)


class FigureComposer(QDialog):
    """Figure settings, a live preview, export buttons and "Save to project"."""

    sig_preview_ready = Signal()
    sig_exported = Signal(object)  # Path
    sig_saved = Signal(str)  # figure name
    sig_failed = Signal(str)

    def __init__(
        self,
        project: Project,
        view_extent: Extent | None = None,
        parent: QWidget | None = None,
        spec: FigureSpec | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export figure")
        self.project = project
        self.view_extent = view_extent or project.view_extent
        # previews and exports run on the worker pool's render lane: one
        # matplotlib figure at a time, in order; the latest preview wins
        self.renders = JobGroup(self)
        self._loading = False
        self._legend_defaults: dict[str, str] = {}
        self._label_overrides: dict[str, str] = {}
        self._hidden_keys: set[str] = set()
        self._frozen_filter: dict[str, Any] | None = None
        self._collapsed: list[str] = []
        self._chart: dict[str, Any] | None = None
        self._period_field = "period"
        self.last_preview: bytes | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(PREVIEW_DELAY_MS)
        self._timer.timeout.connect(self.refresh_preview)
        self._build()
        self.set_spec(spec or FigureSpec(name=self._unique_name("Figure")))
        self.resize(1280, 780)

    # -- construction ---------------------------------------------------------
    def _build(self) -> None:
        form_host = QWidget()
        form = QVBoxLayout(form_host)

        self.saved_combo = QComboBox()
        self._fill_saved_combo()
        self.saved_combo.activated.connect(self._on_saved_combo_activated)
        self.name_edit = QLineEdit()
        self.title_edit = QLineEdit()
        self.subtitle_edit = QLineEdit()
        text = QFormLayout()
        text.addRow("Saved figures", self.saved_combo)
        text.addRow("Name", self.name_edit)
        text.addRow("Title", self.title_edit)
        text.addRow("Subtitle", self.subtitle_edit)
        form.addLayout(text)

        page = QGroupBox("Page")
        page_form = QFormLayout(page)
        self.size_combo = QComboBox()
        self.size_combo.addItems([*SIZE_PRESETS, CUSTOM_SIZE])
        self.width_spin = _inches_spin()
        self.height_spin = _inches_spin()
        size_row = QHBoxLayout()
        size_row.addWidget(self.size_combo)
        size_row.addWidget(self.width_spin)
        size_row.addWidget(QLabel("×"))
        size_row.addWidget(self.height_spin)
        size_row.addWidget(QLabel("in"))
        self.dpi_spin = QSpinBox()
        self.dpi_spin.setRange(50, 600)
        self.dpi_spin.setSingleStep(50)
        page_form.addRow("Size", size_row)
        page_form.addRow("DPI", self.dpi_spin)
        form.addWidget(page)

        extent = QGroupBox("Extent")
        extent_form = QFormLayout(extent)
        self.extent_combo = QComboBox()
        self.extent_combo.addItems([EXTENT_VIEW, EXTENT_CUSTOM])
        self.box_spins = [_degree_spin(lo) for lo in (-180, -90, -180, -90)]
        box_row = QHBoxLayout()
        for label, spin in zip(("W", "S", "E", "N"), self.box_spins, strict=True):
            box_row.addWidget(QLabel(label))
            box_row.addWidget(spin)
        extent_form.addRow(self.extent_combo)
        extent_form.addRow(box_row)
        self.scope_combo = QComboBox()  # item texts are plain (region names)
        self.scope_combo.setToolTip(
            "Where events are counted and drawn: the map frame asked for, all "
            "loaded events, or one named area (events outside it are left out)"
        )
        self._scopes: list[FigureScope] = []
        self._loaded_scope = FigureScope()
        self._fill_scope_combo()
        extent_form.addRow("Events counted", self.scope_combo)
        form.addWidget(extent)

        self.layer_list = QListWidget()
        self.layer_list.setMaximumHeight(150)
        layers_box = QGroupBox("Layers (checked = on the figure)")
        QVBoxLayout(layers_box).addWidget(self.layer_list)
        form.addWidget(layers_box)

        self.legend_table = QTableWidget(0, 2)
        self.legend_table.setHorizontalHeaderLabels(["Show", "Legend label"])
        self.legend_table.horizontalHeader().setSectionResizeMode(
            1, QHeaderView.ResizeMode.Stretch
        )
        self.legend_table.verticalHeader().setVisible(False)
        self.legend_table.setMaximumHeight(190)
        legend_box = QGroupBox("Legend (only what is on the map)")
        QVBoxLayout(legend_box).addWidget(self.legend_table)
        form.addWidget(legend_box)

        source = QGroupBox("Source line")
        source_layout = QVBoxLayout(source)
        self.source_auto = QCheckBox("Automatic (provenance, dates, n, filter)")
        self.source_edit = QPlainTextEdit()
        self.source_edit.setMaximumHeight(64)
        source_layout.addWidget(self.source_auto)
        source_layout.addWidget(self.source_edit)
        form.addWidget(source)

        data = QGroupBox("Dates and filter")
        data_form = QFormLayout(data)
        self.own_dates = QCheckBox("Own dates (else the time window)")
        self.start_date = _date_edit()
        self.end_date = _date_edit()
        dates_row = QHBoxLayout()
        dates_row.addWidget(self.start_date)
        dates_row.addWidget(QLabel("to"))
        dates_row.addWidget(self.end_date)
        self.map_filter = QCheckBox("Use the map's current filter")
        self.filter_label = plain_label("")  # quotes the actor filter
        self.filter_label.setWordWrap(True)
        self.show_window = QCheckBox("Write the dates on the map")
        data_form.addRow(self.own_dates)
        data_form.addRow(dates_row)
        data_form.addRow(self.map_filter)
        data_form.addRow(self.filter_label)
        data_form.addRow(self.show_window)
        form.addWidget(data)

        furniture = QGroupBox("Map furniture")
        furniture_form = QFormLayout(furniture)
        self.scale_combo = QComboBox()
        self.scale_combo.addItems(SCALE_UNITS)
        self.north_check = QCheckBox("North arrow")
        self.inset_check = QCheckBox("Inset locator map")
        self.chart_check = QCheckBox("Bar chart of events per year")
        self.credit_edit = QLineEdit()
        self.logo_edit = QLineEdit()
        logo_button = QPushButton("…")
        logo_button.clicked.connect(self._choose_logo)
        logo_row = QHBoxLayout()
        logo_row.addWidget(self.logo_edit)
        logo_row.addWidget(logo_button)
        furniture_form.addRow("Scale bar", self.scale_combo)
        furniture_form.addRow(self.north_check)
        furniture_form.addRow(self.inset_check)
        furniture_form.addRow(self.chart_check)
        furniture_form.addRow("Credit", self.credit_edit)
        furniture_form.addRow("Logo (PNG)", logo_row)
        form.addWidget(furniture)

        self.multiples_box = QGroupBox("Small multiples (one panel per period)")
        self.multiples_box.setCheckable(True)
        multiples_form = QFormLayout(self.multiples_box)
        self.by_combo = QComboBox()
        self.by_combo.addItems(MULTIPLE_KEYS)
        self.periods_edit = QLineEdit()
        self.periods_edit.setPlaceholderText("e.g. 2020, 2021, 2022 (empty: all)")
        self.cols_spin = QSpinBox()
        self.cols_spin.setRange(0, 12)
        self.cols_spin.setSpecialValueText("auto")
        multiples_form.addRow("By", self.by_combo)
        multiples_form.addRow("Periods", self.periods_edit)
        multiples_form.addRow("Columns", self.cols_spin)
        form.addWidget(self.multiples_box)

        self.notes_edit = QPlainTextEdit()
        self.notes_edit.setMaximumHeight(60)
        notes_box = QGroupBox("Notes (go into the slide notes)")
        QVBoxLayout(notes_box).addWidget(self.notes_edit)
        form.addWidget(notes_box)
        form.addStretch(1)

        scroll = QScrollArea()
        scroll.setWidget(form_host)
        scroll.setWidgetResizable(True)
        scroll.setMinimumWidth(460)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

        self.preview = QLabel("Rendering preview…")
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setMinimumSize(480, 300)
        self.preview.setSizePolicy(
            QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding
        )
        self.preview.setStyleSheet("QLabel { background: #F0F0F0; }")
        self.status = plain_label("")  # quotes errors, paths and names
        self.status.setWordWrap(True)
        self.count_label = plain_label("")  # names areas from the data
        self.count_label.setWordWrap(True)
        self.last_count = ""

        buttons = QHBoxLayout()
        self.export_buttons: dict[str, QPushButton] = {}
        for suffix in (".png", ".svg", ".pdf", ".pptx", ".gif"):
            button = QPushButton(f"Export {suffix[1:].upper()}…")
            button.clicked.connect(lambda _=False, s=suffix: self.export_dialog(s))
            buttons.addWidget(button)
            self.export_buttons[suffix] = button
        buttons.addStretch(1)
        self.save_button = QPushButton("Save figure to project")
        self.save_button.clicked.connect(self.save_to_project)
        close = QPushButton("Close")
        close.clicked.connect(self.accept)
        buttons.addWidget(self.save_button)
        buttons.addWidget(close)

        right = QVBoxLayout()
        right.addWidget(self.preview, 1)
        right.addWidget(self.count_label)
        right.addWidget(self.status)
        top = QHBoxLayout()
        top.addWidget(scroll)
        top.addLayout(right, 1)
        outer = QVBoxLayout(self)
        outer.addLayout(top, 1)
        outer.addLayout(buttons)

        for edit in (
            self.name_edit,
            self.title_edit,
            self.subtitle_edit,
            self.credit_edit,
            self.logo_edit,
            self.periods_edit,
        ):
            edit.textChanged.connect(self._on_widget_changed)
        for text_edit in (self.source_edit, self.notes_edit):
            text_edit.textChanged.connect(self._on_widget_changed)
        for combo in (
            self.size_combo,
            self.extent_combo,
            self.scale_combo,
            self.scope_combo,
        ):
            combo.currentIndexChanged.connect(self._on_widget_changed)
        self.by_combo.currentIndexChanged.connect(self._on_widget_changed)
        for spin in (self.width_spin, self.height_spin, *self.box_spins):
            spin.valueChanged.connect(self._on_widget_changed)
        self.dpi_spin.valueChanged.connect(self._on_widget_changed)
        self.cols_spin.valueChanged.connect(self._on_widget_changed)
        for check in (
            self.source_auto,
            self.own_dates,
            self.map_filter,
            self.show_window,
            self.north_check,
            self.inset_check,
            self.chart_check,
        ):
            check.toggled.connect(self._on_widget_changed)
        self.multiples_box.toggled.connect(self._on_widget_changed)
        self.start_date.dateChanged.connect(self._on_widget_changed)
        self.end_date.dateChanged.connect(self._on_widget_changed)
        self.layer_list.itemChanged.connect(self._on_widget_changed)
        self.legend_table.itemChanged.connect(self._on_legend_table_item_changed)

    def _fill_saved_combo(self) -> None:
        self.saved_combo.clear()
        self.saved_combo.addItem(NEW_FIGURE)
        for spec in saved_figures(self.project):
            self.saved_combo.addItem(spec.name)

    def _fill_scope_combo(self, current: FigureScope | None = None) -> None:
        """The scopes on offer; a saved area whose layer is gone is kept
        (marked missing) so that loading a figure does not change it.
        """
        choices = scope_choices(self.project)
        if current is not None and all(
            _scope_key(scope) != _scope_key(current) for _, scope in choices
        ):
            choices.append((f"{current.label or current.value} (missing)", current))
        self.scope_combo.clear()
        self._scopes = [scope for _, scope in choices]
        for label, _ in choices:
            self.scope_combo.addItem(label)

    def _unique_name(self, base: str) -> str:
        names = {s.name for s in saved_figures(self.project)}
        if base not in names:
            return base
        k = 2
        while f"{base} {k}" in names:
            k += 1
        return f"{base} {k}"

    # -- spec <-> widgets -----------------------------------------------------
    def set_spec(self, spec: FigureSpec) -> None:
        """Show a figure's settings in the widgets."""
        self._loading = True
        try:
            self.name_edit.setText(spec.name)
            self.saved_combo.setCurrentIndex(
                max(self.saved_combo.findText(spec.name), 0)
            )
            self.title_edit.setText(spec.title)
            self.subtitle_edit.setText(spec.subtitle)
            self.size_combo.setCurrentText(spec.size)
            w, h = spec.page_size
            self.width_spin.setValue(w)
            self.height_spin.setValue(h)
            self.dpi_spin.setValue(spec.dpi)
            if spec.extent is not None:
                box = spec.extent
                self.extent_combo.setCurrentText(EXTENT_CUSTOM)
            else:
                self.extent_combo.setCurrentText(EXTENT_VIEW)
                box = (
                    display_box_to_lonlat(self.view_extent)
                    if self.view_extent is not None
                    else (-12.5, 10.0, -4.0, 16.5)
                )
            for spin, value in zip(self.box_spins, box, strict=True):
                spin.setValue(value)
            scope = spec.figure_scope
            self._loaded_scope = scope
            self._fill_scope_combo(scope)
            self.scope_combo.setCurrentIndex(
                next(
                    i
                    for i, option in enumerate(self._scopes)
                    if _scope_key(option) == _scope_key(scope)
                )
            )
            wanted = (
                {layer.id for layer in self.project.layers if layer.visible}
                if spec.layer_ids is None
                else set(spec.layer_ids)
            )
            self.layer_list.clear()
            for layer in self.project.layers:
                item = QListWidgetItem(layer.name)
                item.setData(Qt.ItemDataRole.UserRole, layer.id)
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(
                    Qt.CheckState.Checked
                    if layer.id in wanted
                    else Qt.CheckState.Unchecked
                )
                self.layer_list.addItem(item)
            self._label_overrides = dict(spec.legend_labels)
            self._hidden_keys = set(spec.legend_hidden)
            self._collapsed = list(spec.legend_collapsed)
            self.source_auto.setChecked(spec.source_line is None)
            self.source_edit.setPlainText(spec.source_line or "")
            self.own_dates.setChecked(spec.time_window is not None)
            window = spec.window_for(self.project)
            if window is not None:
                self.start_date.setDate(_qdate(window[0]))
                self.end_date.setDate(_qdate(window[1]))
            self._frozen_filter = spec.event_filter
            self.map_filter.setChecked(spec.event_filter is None)
            self.show_window.setChecked(spec.show_window)
            self.scale_combo.setCurrentText(spec.scale_units)
            self.north_check.setChecked(spec.north_arrow)
            self.inset_check.setChecked(spec.inset)
            self.chart_check.setChecked(spec.chart is not None)
            self._chart = spec.chart
            self.credit_edit.setText(spec.credit)
            self.logo_edit.setText(spec.logo_path)
            sm = spec.small_multiples
            self.multiples_box.setChecked(sm is not None)
            self._period_field = (sm or {}).get("period_field", "period")
            self.by_combo.setCurrentText((sm or {}).get("by", "year"))
            self.periods_edit.setText(
                ", ".join(map(str, (sm or {}).get("periods", [])))
            )
            self.cols_spin.setValue(int((sm or {}).get("cols") or 0))
            self.notes_edit.setPlainText(spec.notes)
        finally:
            self._loading = False
        self._update_enabled()
        self._refresh_legend_table()
        self._schedule_preview()

    def spec(self) -> FigureSpec:
        """The figure described by the widgets."""
        size = self.size_combo.currentText()
        checked = [
            str(item.data(Qt.ItemDataRole.UserRole))
            for item in (
                self.layer_list.item(i) for i in range(self.layer_list.count())
            )
            if item.checkState() == Qt.CheckState.Checked
        ]
        visible = [layer.id for layer in self.project.layers if layer.visible]
        if self.extent_combo.currentText() == EXTENT_CUSTOM:
            extent: tuple[float, float, float, float] | None = tuple(  # type: ignore[assignment]
                spin.value() for spin in self.box_spins
            )
        elif (
            self.view_extent is not None
            and self.view_extent != self.project.view_extent
        ):
            extent = display_box_to_lonlat(self.view_extent)
        else:
            extent = None  # the project's view, exactly
        small = None
        if self.multiples_box.isChecked():
            periods = [p.strip() for p in self.periods_edit.text().split(",")]
            small = {
                "by": self.by_combo.currentText(),
                "periods": [p for p in periods if p],
                "cols": self.cols_spin.value() or None,
                "period_field": self._period_field,
            }
        if self.map_filter.isChecked():
            event_filter = None
        else:
            event_filter = self._frozen_filter or self.project.event_filter.to_dict()
        chart = (
            (self._chart or {"by": "year"}) if self.chart_check.isChecked() else None
        )
        index = self.scope_combo.currentIndex()
        scope = self._scopes[index] if 0 <= index < len(self._scopes) else None
        if scope is not None and _scope_key(scope) == _scope_key(self._loaded_scope):
            scope = self._loaded_scope  # keeps a saved label ("Koulikoro region")
        return FigureSpec(
            name=self.name_edit.text().strip() or "Figure",
            title=self.title_edit.text().strip(),
            subtitle=self.subtitle_edit.text().strip(),
            size=size,
            width_in=self.width_spin.value(),
            height_in=self.height_spin.value(),
            dpi=self.dpi_spin.value(),
            extent=extent,
            layer_ids=None if checked == visible else checked,
            legend_labels=dict(self._label_overrides),
            legend_hidden=sorted(self._hidden_keys),
            legend_collapsed=list(self._collapsed),
            source_line=None
            if self.source_auto.isChecked()
            else self.source_edit.toPlainText().strip(),
            scale_units=self.scale_combo.currentText(),
            north_arrow=self.north_check.isChecked(),
            inset=self.inset_check.isChecked(),
            credit=self.credit_edit.text().strip(),
            logo_path=self.logo_edit.text().strip(),
            small_multiples=small,
            time_window=(
                self.start_date.date().toString(Qt.DateFormat.ISODate),
                self.end_date.date().toString(Qt.DateFormat.ISODate),
            )
            if self.own_dates.isChecked()
            else None,
            event_filter=event_filter,
            show_window=self.show_window.isChecked(),
            chart=chart,
            notes=self.notes_edit.toPlainText().strip(),
            scope=None if scope is None else scope.to_dict(),
        )

    def _update_enabled(self) -> None:
        custom = self.size_combo.currentText() == CUSTOM_SIZE
        self.width_spin.setEnabled(custom)
        self.height_spin.setEnabled(custom)
        if not custom and self.size_combo.currentText() in SIZE_PRESETS:
            w, h = SIZE_PRESETS[self.size_combo.currentText()]
            for spin, value in ((self.width_spin, w), (self.height_spin, h)):
                with QSignalBlocker(spin):
                    spin.setValue(value)
        boxed = self.extent_combo.currentText() == EXTENT_CUSTOM
        for spin in self.box_spins:
            spin.setEnabled(boxed)
        self.start_date.setEnabled(self.own_dates.isChecked())
        self.end_date.setEnabled(self.own_dates.isChecked())
        self.source_edit.setReadOnly(self.source_auto.isChecked())
        described = (
            self.project.event_filter
            if self.map_filter.isChecked() or not self._frozen_filter
            else FigureSpec(event_filter=self._frozen_filter).filter_for(self.project)
        )
        self.filter_label.setText(f"Events: {described.describe()}")

    # -- reactions ------------------------------------------------------------
    def _on_widget_changed(self, *args: object) -> None:
        if self._loading:
            return
        self._update_enabled()
        self._refresh_legend_table()
        self._schedule_preview()

    def _on_saved_combo_activated(self, index: int) -> None:
        name = self.saved_combo.itemText(index)
        for spec in saved_figures(self.project):
            if spec.name == name:
                self.set_spec(spec)
                return
        self.set_spec(FigureSpec(name=self._unique_name("Figure")))

    def _on_legend_table_item_changed(self, item: QTableWidgetItem) -> None:
        if self._loading:
            return
        key_item = self.legend_table.item(item.row(), 1)
        if key_item is None:
            return
        key = str(key_item.data(Qt.ItemDataRole.UserRole))
        if item.column() == 0:
            if item.checkState() == Qt.CheckState.Checked:
                self._hidden_keys.discard(key)
            else:
                self._hidden_keys.add(key)
        else:
            text = item.text().strip()
            if text and text != self._legend_defaults.get(key):
                self._label_overrides[key] = text
            else:
                self._label_overrides.pop(key, None)
        self._schedule_preview()

    def _refresh_legend_table(self) -> None:
        try:
            spec = self.spec().with_(legend_hidden=[])
            entries = plan_figure(self.project, spec).legend
        except (SahelGISError, ValueError) as exc:
            self._set_status(str(exc))
            return
        self._loading = True
        try:
            self.legend_table.setRowCount(len(entries))
            self._legend_defaults = {}
            for row, entry in enumerate(entries):
                self._legend_defaults[entry.key] = entry.default_label
                show = QTableWidgetItem()
                show.setFlags(
                    Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEnabled
                )
                show.setCheckState(
                    Qt.CheckState.Unchecked
                    if entry.key in self._hidden_keys
                    else Qt.CheckState.Checked
                )
                label = QTableWidgetItem(entry.label)
                label.setData(Qt.ItemDataRole.UserRole, entry.key)
                if entry.kind == "header":
                    font = label.font()
                    font.setBold(True)
                    label.setFont(font)
                self.legend_table.setItem(row, 0, show)
                self.legend_table.setItem(row, 1, label)
        finally:
            self._loading = False
        if self.source_auto.isChecked():
            self._loading = True
            try:
                self.source_edit.setPlainText(auto_source_line(self.project, spec))
            finally:
                self._loading = False

    def _choose_logo(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Logo", app_settings.last_dir(), "PNG image (*.png)"
        )
        if path:
            self.logo_edit.setText(path)

    # -- preview --------------------------------------------------------------
    def _schedule_preview(self) -> None:
        self._timer.start()

    def preview_dpi(self) -> int:
        """Resolution of the preview: the page fits the preview's width."""
        width_in = self.spec().page_size[0]
        target = max(self.preview.width(), PREVIEW_WIDTH_PX)
        return int(min(max(target / width_in, 30), 110))

    def refresh_preview(self) -> None:
        """Render the preview off the GUI thread (the latest request wins: an
        older preview, queued or running, is dropped)."""
        try:
            spec = self.spec()
        except ValueError as exc:
            self._show_error(str(exc))
            return
        self.renders.submit(
            functools.partial(_preview_png, self.project, spec, self.preview_dpi()),
            kind=PREVIEW_KIND,
            lane=RENDER_LANE,
            on_done=self._on_preview_done,
            on_error=self._on_preview_error,
        )

    def _on_preview_done(self, result: tuple[bytes, str]) -> None:
        png, count = result
        self.last_preview = png
        self.last_count = count
        set_plain(self.count_label, count)
        # PySide6 takes the format as str at run time (bytes raise ValueError);
        # its stub says bytes
        image = QImage.fromData(png, "PNG")  # type: ignore[arg-type]
        pixmap = QPixmap.fromImage(image)
        size = self.preview.size()
        self.preview.setPixmap(
            pixmap.scaled(
                size,
                Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )
            if pixmap.width() > size.width()
            else pixmap
        )
        self._set_status("")
        self.sig_preview_ready.emit()

    def _on_preview_error(self, exc: BaseException) -> None:
        if not isinstance(exc, (SahelGISError, ValueError, OSError)):
            raise exc
        self._show_error(str(exc))

    def _show_error(self, message: str) -> None:
        self._set_status(message, error=True)
        self.sig_failed.emit(message)

    def _set_status(self, text: str, *, error: bool = False) -> None:
        set_plain(self.status, text)
        self.status.setStyleSheet("color: #B00020;" if error else "")

    # -- output ---------------------------------------------------------------
    def export_dialog(self, suffix: str) -> None:
        """Ask for a file name, then export in that format."""
        name = (self.name_edit.text().strip() or "figure").replace("/", "-")
        path, _ = QFileDialog.getSaveFileName(
            self,
            f"Export figure as {suffix[1:].upper()}",
            str(Path(app_settings.last_dir()) / f"{name}{suffix}"),
            EXPORT_FILTERS[suffix],
        )
        if path:
            target = Path(path)
            if target.suffix.lower() != suffix:
                target = target.with_name(target.name + suffix)
            self.export_to(target)

    def export_to(self, path: Path, *, dialog: bool = True) -> None:
        """Write the figure to ``path`` (format by suffix) on a worker thread."""
        try:
            spec = self.spec()
        except ValueError as exc:
            self._show_error(str(exc))
            return

        def done(written: Path) -> None:
            self._set_status(f"Wrote {written}")
            self.sig_exported.emit(written)

        def failed(exc: BaseException) -> None:
            if not isinstance(exc, (SahelGISError, ValueError, OSError)):
                raise exc
            self._show_error(str(exc))
            if dialog:
                QMessageBox.warning(self, "Export failed", str(exc))

        busy: QProgressDialog | None = None
        if dialog:
            busy = QProgressDialog(self)
            busy.setLabel(plain_progress_label())  # the file name is data
            busy.setLabelText(f"Exporting {Path(path).name}")
            busy.setRange(0, 0)
            busy.setWindowModality(Qt.WindowModality.WindowModal)
            busy.setMinimumDuration(300)

        def close_busy() -> None:
            if busy is not None:
                busy.reset()
                busy.deleteLater()

        def ok(written: Path) -> None:
            close_busy()
            done(written)

        def error(exc: BaseException) -> None:
            close_busy()
            if isinstance(exc, Cancelled):
                self._set_status("Export cancelled")
                return
            failed(exc)

        def cancelled() -> None:
            close_busy()
            self._set_status("Export cancelled")

        job = self.renders.submit(
            _export,
            self.project,
            spec,
            Path(path),
            lane=RENDER_LANE,
            with_progress=True,
            on_done=ok,
            on_error=error,
            on_cancelled=cancelled,
        )
        if busy is not None:
            busy.canceled.connect(job.progress.cancel)

    def save_to_project(self) -> None:
        """Save (or replace) this figure in the project (undoable)."""
        try:
            spec = self.spec()
        except ValueError as exc:
            self._show_error(str(exc))
            return
        if spec.extent is None and self.view_extent is not None:
            # a saved figure keeps its extent when the map moves on
            spec = spec.with_(extent=display_box_to_lonlat(self.view_extent))
        save_figure(self.project, spec)
        self._fill_saved_combo()
        self.saved_combo.setCurrentText(spec.name)
        self._set_status(f"Saved figure “{spec.name}” in the project")
        self.sig_saved.emit(spec.name)

    def shutdown(self) -> None:
        """Drop the pending preview and wait for running renders (an export
        started is finished)."""
        self._timer.stop()
        self.renders.cancel(PREVIEW_KIND)  # a late preview is dropped
        self.renders.wait(60_000)

    def done(self, result: int) -> None:
        self.shutdown()
        super().done(result)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.shutdown()
        super().closeEvent(event)


def _scope_key(scope: FigureScope) -> tuple[str, str, str, str]:
    return scope.kind, scope.layer_id, scope.field, scope.value


def _inches_spin() -> QDoubleSpinBox:
    spin = QDoubleSpinBox()
    spin.setRange(2.0, 60.0)
    spin.setDecimals(3)
    spin.setSingleStep(0.5)
    return spin


def _degree_spin(low: float) -> QDoubleSpinBox:
    spin = QDoubleSpinBox()
    spin.setRange(low, -low)
    spin.setDecimals(3)
    spin.setSingleStep(0.1)
    return spin


def _date_edit() -> QDateEdit:
    edit = QDateEdit()
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd")
    return edit


def _qdate(day: object) -> QDate:
    text = str(np.datetime64(day, "D"))  # type: ignore[call-overload]
    return QDate.fromString(text, Qt.DateFormat.ISODate)


__all__ = ["FigureComposer", "display_box_to_lonlat"]
