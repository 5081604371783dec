"""Layer panel: visibility, drag order, opacity, style and the legend."""

from __future__ import annotations

from pathlib import Path
from typing import cast

from PySide6.QtCore import QPoint, QSignalBlocker, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QMenu,
    QSlider,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from sahelgis.errors import SahelGISError
from sahelgis.io.safety import safe_child, safe_name
from sahelgis.io.vector import export_frame
from sahelgis.model.layers import EventLayer, Layer, LayerSubscriptions, VectorLayer
from sahelgis.model.project import Project
from sahelgis.model.styles import OTHER_CATEGORY_COLOR, Style
from sahelgis.ui.canvas.items import qcolor
from sahelgis.ui.panels.style_dialog import StyleDialog
from sahelgis.ui.plain_text import MessageBox as QMessageBox
from sahelgis.ui.plain_text import tooltip

ID_ROLE = Qt.ItemDataRole.UserRole


def swatch(style: Style, kind: str, color: str | None = None) -> QIcon:
    """A small legend symbol for a style (or one category colour of it)."""
    pix = QPixmap(18, 14)
    pix.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pix)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    main = qcolor(color or style.color)
    if kind == "polygon":
        fill = qcolor(color or style.fill or "#FFFFFF00")
        painter.setBrush(fill)
        painter.setPen(qcolor(style.color))
        painter.drawRect(2, 2, 14, 10)
    elif kind == "line":
        pen = painter.pen()
        pen.setColor(main)
        pen.setWidthF(max(style.line_width, 1.5))
        if style.line_style == "dash":
            pen.setStyle(Qt.PenStyle.DashLine)
        painter.setPen(pen)
        painter.drawLine(1, 7, 17, 7)
    else:
        painter.setBrush(main)
        painter.setPen(Qt.PenStyle.NoPen)
        if style.symbol == "s":
            painter.drawRect(5, 3, 8, 8)
        else:
            painter.drawEllipse(5, 3, 8, 8)
    painter.end()
    return QIcon(pix)


def has_other_values(layer: Layer) -> bool:
    """True when some feature's category has no colour of its own (grey)."""
    style = layer.style
    if isinstance(layer, EventLayer):
        column = layer.events.frame.get(style.category_field)
    elif isinstance(layer, VectorLayer):
        column = layer.data.get(style.category_field)
    else:
        return False
    if column is None:
        return False
    values = (
        column.cat.categories if hasattr(column, "cat") else column.dropna().unique()
    )
    return any(str(v) not in style.categories for v in values)


def layer_kind(layer: Layer) -> str:
    """'point', 'line' or 'polygon'."""
    if isinstance(layer, VectorLayer | EventLayer):
        return layer.geometry_kind
    return "point"


def top_items(tree: QTreeWidget) -> list[QTreeWidgetItem]:
    """The top-level rows of a tree, in order."""
    items = (tree.topLevelItem(i) for i in range(tree.topLevelItemCount()))
    return [item for item in items if item is not None]


class LayerTree(QTreeWidget):
    """A tree whose top-level rows can be dragged to reorder layers."""

    sig_order_requested = Signal(list)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setHeaderHidden(True)
        # long names and caveats are shown whole (scroll sideways, as QGIS's
        # layer tree does), never cut with "…"; tooltips hold them too
        self.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.header().setStretchLastSection(False)
        self.header().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.setDragEnabled(True)
        self.setAcceptDrops(True)
        self.setDropIndicatorShown(True)

    def layer_ids(self) -> list[str]:
        """Layer ids from top to bottom as shown."""
        return [item.data(0, ID_ROLE) for item in top_items(self)]

    def dropEvent(self, event) -> None:
        dragged = self.currentItem()
        while dragged is not None and dragged.parent() is not None:
            dragged = dragged.parent()
        target = self.itemAt(event.position().toPoint())
        while target is not None and target.parent() is not None:
            target = target.parent()
        event.setDropAction(Qt.DropAction.IgnoreAction)
        event.accept()
        if dragged is None or target is dragged:
            return
        ids = self.layer_ids()
        moving = dragged.data(0, ID_ROLE)
        ids.remove(moving)
        if target is None:
            ids.append(moving)
        else:
            index = ids.index(target.data(0, ID_ROLE))
            rect = self.visualItemRect(target)
            if event.position().y() > rect.center().y():
                index += 1
            ids.insert(index, moving)
        # apply after the drop event has unwound: the model change rebuilds the tree
        QTimer.singleShot(0, lambda: self.sig_order_requested.emit(ids))


class LayerPanel(QWidget):
    """Shows the project's layers top first, with legends; edits go to the model."""

    sig_zoom_to_layer = Signal(str)

    def __init__(self, project: Project, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.project = project
        self.tree = LayerTree()
        self.tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.tree.customContextMenuRequested.connect(self._on_tree_context_menu)
        self.tree.itemChanged.connect(self._on_tree_item_changed)
        self.tree.itemDoubleClicked.connect(self._on_tree_item_double_clicked)
        self.tree.currentItemChanged.connect(self._on_tree_current_changed)
        self.tree.sig_order_requested.connect(project.set_order)
        self.opacity = QSlider(Qt.Orientation.Horizontal)
        self.opacity.setRange(0, 100)
        self.opacity.valueChanged.connect(self._on_opacity_changed)
        opacity_row = QHBoxLayout()
        opacity_row.addWidget(QLabel("Opacity"))
        opacity_row.addWidget(self.opacity)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.tree)
        layout.addLayout(opacity_row)
        self.setMinimumWidth(280)
        self._updating = False
        # rows show names, styles (legend), visibility; the slider the opacity
        self._layer_subscriptions = LayerSubscriptions(
            self,
            name="_on_layer_described",
            style="_on_layer_described",
            data="_on_layer_described",
            visible="_on_layer_visible",
            opacity="_on_layer_opacity",
        )
        project.layer_added.connect(self._on_project_changed)
        project.layer_removed.connect(self._on_project_changed)
        project.layers_reordered.connect(self._on_project_changed)
        self.refresh()

    def set_project(self, project: Project) -> None:
        """Follow another project (after New/Open)."""
        self.project = project
        self.tree.sig_order_requested.disconnect()
        self.tree.sig_order_requested.connect(project.set_order)
        project.layer_added.connect(self._on_project_changed)
        project.layer_removed.connect(self._on_project_changed)
        project.layers_reordered.connect(self._on_project_changed)
        self.refresh()

    def refresh(self) -> None:
        """Rebuild the tree from the project (a few dozen rows: cheap)."""
        current = self.current_layer_id()
        self._layer_subscriptions.follow(self.project.layers)
        self._updating = True
        self.tree.clear()
        for layer in self.project.layers:
            item = self._layer_item(layer)
            self.tree.addTopLevelItem(item)
            # expanding only works once the item is in the tree
            item.setExpanded(isinstance(layer, EventLayer) or bool(layer.caveat))
        self._updating = False
        if current:
            self.select_layer(current)
        self._sync_opacity()

    def _layer_item(self, layer: Layer) -> QTreeWidgetItem:
        kind = layer_kind(layer)
        item = QTreeWidgetItem([layer.name])
        item.setData(0, ID_ROLE, layer.id)
        item.setFlags(
            Qt.ItemFlag.ItemIsEnabled
            | Qt.ItemFlag.ItemIsSelectable
            | Qt.ItemFlag.ItemIsUserCheckable
            | Qt.ItemFlag.ItemIsDragEnabled
        )
        item.setCheckState(
            0, Qt.CheckState.Checked if layer.visible else Qt.CheckState.Unchecked
        )
        tip = f"{layer.name}\n{layer.feature_count:,} features"
        if layer.caveat:
            tip += f"\n\n{layer.caveat}"
        if layer.synthetic:
            tip += "\n\nSYNTHETIC data: made up for demonstration, not ACLED."
        item.setToolTip(0, tooltip(tip))
        style = layer.style
        if style.category_field and style.categories:
            entries = list(style.categories.items())
            if has_other_values(layer):
                entries.append(("other", OTHER_CATEGORY_COLOR))
            for value, color in entries:
                child = QTreeWidgetItem([value])
                child.setIcon(0, swatch(style, kind, color))
                child.setFlags(Qt.ItemFlag.ItemIsEnabled)
                child.setData(0, ID_ROLE, layer.id)
                item.addChild(child)
        else:
            item.setIcon(0, swatch(style, kind))
        if layer.caveat:
            # the caveat's first sentence; the whole text is in the tooltip
            note = QTreeWidgetItem(["⚠ " + layer.caveat.split(". ")[0].rstrip(".")])
            note.setToolTip(0, tooltip(layer.caveat))
            note.setFlags(Qt.ItemFlag.ItemIsEnabled)
            note.setForeground(0, QColor("#B00020"))
            note.setData(0, ID_ROLE, layer.id)
            item.addChild(note)
        return item

    def current_layer_id(self) -> str | None:
        """The selected layer's id."""
        item = self.tree.currentItem()
        return None if item is None else item.data(0, ID_ROLE)

    def select_layer(self, layer_id: str) -> None:
        """Select a layer's row."""
        for item in top_items(self.tree):
            if item.data(0, ID_ROLE) == layer_id:
                self.tree.setCurrentItem(item)
                return

    def legend_entries(self, layer_id: str) -> list[str]:
        """Legend rows under a layer (for tests)."""
        for item in top_items(self.tree):
            if item.data(0, ID_ROLE) == layer_id:
                children = (item.child(j) for j in range(item.childCount()))
                return [child.text(0) for child in children if child is not None]
        return []

    def edit_style(self, layer_id: str) -> None:
        """Open the style dialog for a layer and apply the result."""
        dialog = StyleDialog(self.project.layer(layer_id), self)
        if dialog.exec():
            self.project.set_style(layer_id, dialog.style())

    # -- handlers -------------------------------------------------------------
    def _on_project_changed(self, *args: object) -> None:
        self.refresh()

    def _on_layer_opacity(self, layer_id: str, opacity: float) -> None:
        self._sync_opacity()

    def _on_layer_visible(self, layer_id: str, visible: bool) -> None:
        # update the row in place: rebuilding the tree here would delete the
        # item whose checkbox signal we may be inside of (a use-after-free)
        item = self._top_item(layer_id)
        if item is not None:
            self._updating = True
            item.setCheckState(
                0, Qt.CheckState.Checked if visible else Qt.CheckState.Unchecked
            )
            self._updating = False

    def _on_layer_described(self, layer_id: str, *value: object) -> None:
        self.refresh()  # name, style or data: the row's text, legend, count tip

    def _top_item(self, layer_id: str) -> QTreeWidgetItem | None:
        for item in top_items(self.tree):
            if item.data(0, ID_ROLE) == layer_id:
                return item
        return None

    def _on_tree_item_changed(self, item: QTreeWidgetItem, column: int) -> None:
        if self._updating or item.parent() is not None:
            return
        visible = item.checkState(0) == Qt.CheckState.Checked
        self.project.set_visible(item.data(0, ID_ROLE), visible)

    def _on_tree_item_double_clicked(self, item: QTreeWidgetItem, column: int) -> None:
        layer_id = item.data(0, ID_ROLE)
        # open the dialog once the click has unwound: applying a style rebuilds
        # the tree and would delete the item Qt is still handling
        QTimer.singleShot(0, lambda: self.edit_style(layer_id))

    def _on_tree_current_changed(self, *args: object) -> None:
        self._sync_opacity()

    def _sync_opacity(self) -> None:
        layer_id = self.current_layer_id()
        with QSignalBlocker(self.opacity):
            self.opacity.setEnabled(layer_id is not None)
            if layer_id is not None:
                value = round(self.project.layer(layer_id).opacity * 100)
                self.opacity.setValue(value)

    def _on_opacity_changed(self, value: int) -> None:
        layer_id = self.current_layer_id()
        if layer_id is not None:
            self.project.set_opacity(layer_id, value / 100)

    def _on_tree_context_menu(self, pos: QPoint) -> None:
        item = self.tree.itemAt(pos)
        if item is None:
            return
        layer_id = item.data(0, ID_ROLE)
        menu = QMenu(self)
        menu.addAction("Zoom to layer", lambda: self.sig_zoom_to_layer.emit(layer_id))
        menu.addAction("Style…", lambda: self.edit_style(layer_id))
        menu.addAction("Rename…", lambda: self._rename(layer_id))
        menu.addAction("Export layer…", lambda: self.export_layer(layer_id))
        menu.addSeparator()
        menu.addAction("Remove layer", lambda: self.project.remove_layer(layer_id))
        menu.exec(self.tree.viewport().mapToGlobal(pos))

    def export_layer(self, layer_id: str, path: str | None = None) -> Path | None:
        """Write a layer (e.g. an analysis result) to GeoPackage, GeoJSON,
        Shapefile or CSV."""
        layer = self.project.layer(layer_id)
        if path is None:
            path, _ = QFileDialog.getSaveFileName(
                self,
                "Export layer",
                str(safe_child(Path.home(), f"{layer.name}.gpkg")),
                "GeoPackage (*.gpkg);;GeoJSON (*.geojson);;Shapefile (*.shp);;"
                "CSV with WKT geometry (*.csv)",
            )
            if not path:
                return None
        frame = (
            layer.events.to_geodataframe()
            if isinstance(layer, EventLayer)
            else cast("VectorLayer", layer).data
        )
        try:
            return export_frame(frame, path, safe_name(layer.name))
        except (SahelGISError, OSError) as exc:
            QMessageBox.warning(self, "Export layer", f"{Path(path).name}: {exc}")
            return None

    def _rename(self, layer_id: str) -> None:
        layer = self.project.layer(layer_id)
        name, ok = QInputDialog.getText(self, "Rename layer", "Name:", text=layer.name)
        if ok and name.strip():
            self.project.rename_layer(layer_id, name)
