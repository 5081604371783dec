"""The edit tool of the drawing controller: select, move, reshape, delete, name.

``EditToolMixin`` is one part of ``DrawingController`` (see ``drawing_tools``):
picking drawings under the cursor, the selection and its vertex handles, and
what a press, drag or double-click does while the edit tool is on. Every change
is an undoable command of ``sahelgis.model.drawings``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import shapely
from PySide6.QtCore import Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QDialog

from sahelgis.model import crs, drawings
from sahelgis.model.drawings import COL_CATEGORY, COL_FID
from sahelgis.model.layers import VectorLayer

if TYPE_CHECKING:
    from sahelgis.model.project import Project
    from sahelgis.ui.canvas.drawing_overlays import DrawingOverlays
    from sahelgis.ui.canvas.view_protocol import MapView

#: Pixels a press must travel before it counts as a drag (not a click).
DRAG_THRESHOLD_PX = 3.0


class EditToolMixin:
    """Selection and the edit tool; mixed into ``DrawingController``."""

    # provided by the controller
    project: Project
    canvas: MapView
    overlays: DrawingOverlays
    pick_tolerance_px: float
    open_attributes_on_double_click: bool
    attributes_dialog: QDialog | None
    sig_measure: Any
    sig_message: Any
    sig_selection_changed: Any
    _selection: tuple[str, list[int]] | None
    _active_vertex: int | None
    _drag: dict | None
    _was_selected: tuple[str, list[int]] | None

    def _snap(
        self, x: float, y: float, exclude: tuple[str, int] | None = None
    ) -> tuple[float, float]:
        raise NotImplementedError

    # -- edit selection -----------------------------------------------------------
    @property
    def selection(self) -> tuple[str, list[int]] | None:
        """The selected drawings: (layer id, feature ids), or None."""
        return self._selection

    def select(self, layer_id: str, fids: list[int]) -> None:
        """Select drawings of one layer (highlight and vertex handles)."""
        self._selection = (layer_id, sorted({int(f) for f in fids})) if fids else None
        self._active_vertex = None
        self._refresh_selection()
        self.sig_selection_changed.emit(self._selection)

    def clear_selection(self) -> None:
        """Select nothing."""
        if self._selection is not None:
            self.select("", [])
        else:
            self._refresh_selection()

    def _selected_layer(self) -> VectorLayer | None:
        if self._selection is None:
            return None
        try:
            layer = self.project.layer(self._selection[0])
        except KeyError:
            return None
        return layer if isinstance(layer, VectorLayer) else None

    def _single_selected(self) -> tuple[VectorLayer, int] | None:
        layer = self._selected_layer()
        if layer is None or len(self._selection[1]) != 1:  # type: ignore[index]
            return None
        return layer, self._selection[1][0]  # type: ignore[index]

    def _refresh_selection(self) -> None:
        layer = self._selected_layer()
        if layer is None or self._selection is None:
            self.overlays.clear_selection()
            return
        mask = layer.data[COL_FID].isin(self._selection[1]).to_numpy()
        geoms = layer.display_geometry().to_numpy()[mask]
        self.overlays.show_selection(geoms, self._selected_vertices_display())
        if len(geoms) == 1:
            self.sig_measure.emit(
                drawings.describe_geometry(layer.data.geometry.to_numpy()[mask][0])
            )
        else:
            self.sig_measure.emit(f"{len(geoms)} drawings selected")

    def _selected_vertices_display(self) -> np.ndarray | None:
        single = self._single_selected()
        if single is None:
            return None
        layer, fid = single
        try:
            lonlat = drawings.vertices(drawings.feature_geometry(layer, fid))
        except (ValueError, KeyError):
            return None
        x, y = crs.to_display().transform(lonlat[:, 0], lonlat[:, 1])
        return np.column_stack([x, y])

    def feature_at(self, x: float, y: float) -> tuple[str, int] | None:
        """The drawing under a display-CRS point: points before lines before areas."""
        tolerance = self.pick_tolerance_px * self.canvas.metres_per_pixel()
        here = shapely.Point(x, y)
        best: tuple[tuple[int, float, int], str, int] | None = None
        for order, layer in enumerate(drawings.drawing_layers(self.project)):
            if not layer.visible or layer.data.empty:
                continue
            geoms = layer.display_geometry().to_numpy()
            dist = shapely.distance(geoms, here)
            rank = np.select(
                [
                    np.isin(shapely.get_type_id(geoms), (0, 4)),
                    np.isin(shapely.get_type_id(geoms), (1, 2, 5)),
                ],
                [0, 1],
                2,
            )
            for i in np.flatnonzero(dist <= tolerance):
                key = (int(rank[i]), float(dist[i]), order)
                if best is None or key < best[0]:
                    best = (key, layer.id, int(layer.data[COL_FID].iloc[i]))
        return None if best is None else (best[1], best[2])

    def _vertex_at(self, x: float, y: float) -> int | None:
        xy = self._selected_vertices_display()
        if xy is None or not len(xy):
            return None
        d = np.hypot(xy[:, 0] - x, xy[:, 1] - y)
        i = int(np.argmin(d))
        tolerance = self.pick_tolerance_px * self.canvas.metres_per_pixel()
        return i if d[i] <= tolerance else None

    def _segment_at(self, x: float, y: float) -> tuple[int, float, float] | None:
        """Insert position and display point on the selected drawing's nearest edge."""
        single = self._single_selected()
        xy = self._selected_vertices_display()
        if single is None or xy is None or len(xy) < 2:
            return None
        kind = drawings.feature_geometry(*single).geom_type
        if kind not in ("LineString", "Polygon"):
            return None
        ends = np.vstack([xy, xy[:1]]) if kind == "Polygon" else xy
        a, b = ends[:-1], ends[1:]
        ab = b - a
        length2 = np.maximum((ab**2).sum(axis=1), 1e-12)
        t = np.clip(((np.array([x, y]) - a) * ab).sum(axis=1) / length2, 0.0, 1.0)
        foot = a + ab * t[:, None]
        d = np.hypot(foot[:, 0] - x, foot[:, 1] - y)
        i = int(np.argmin(d))
        tolerance = self.pick_tolerance_px * self.canvas.metres_per_pixel()
        if d[i] > tolerance:
            return None
        return i + 1, float(foot[i, 0]), float(foot[i, 1])

    def delete_selected(self) -> None:
        """Remove the selected drawings (one undo entry)."""
        layer = self._selected_layer()
        if layer is None or self._selection is None:
            return
        drawings.remove_features(self.project, layer.id, self._selection[1])
        self.clear_selection()

    def remove_vertex_at(self, index: int) -> bool:
        """Remove a vertex of the selected drawing if it keeps enough; done?"""
        single = self._single_selected()
        if single is None:
            return False
        layer, fid = single
        geometry = drawings.feature_geometry(layer, fid)
        if not drawings.can_remove_vertex(geometry):
            kind = drawings.KIND_NAMES.get(geometry.geom_type, "drawing")
            self.sig_message.emit(f"Cannot remove: a {kind} keeps its vertices")
            return False
        drawings.remove_vertex(self.project, layer.id, fid, index)
        self._active_vertex = None
        return True

    def edit_attributes(self, layer_id: str, fid: int) -> QDialog:
        """Open the attributes dialog of a drawing; OK stores the changes (undoable)."""
        from sahelgis.ui.panels.drawing_dialogs import FeatureAttributesDialog

        layer = self.project.layer(layer_id)
        assert isinstance(layer, VectorLayer)
        current = drawings.feature(layer, fid)
        categories = layer.data[COL_CATEGORY].astype(str).tolist()
        dialog = FeatureAttributesDialog(current, categories, self.canvas.window())

        def apply() -> None:
            try:
                drawings.update_attributes(
                    self.project, layer_id, fid, **dialog.attributes()
                )
            except KeyError:
                self.sig_message.emit("The drawing was deleted meanwhile")

        dialog.accepted.connect(apply)
        dialog.finished.connect(dialog.deleteLater)
        self.attributes_dialog = dialog
        dialog.open()
        return dialog

    # -- edit tool ----------------------------------------------------------------
    def _edit_press(self, event: QMouseEvent, x: float, y: float) -> bool:
        button = event.button()
        vertex = self._vertex_at(x, y)
        if button == Qt.MouseButton.RightButton:
            if vertex is not None:
                self.remove_vertex_at(vertex)
                return True
            return False
        if button != Qt.MouseButton.LeftButton:
            return False
        self._was_selected = self._selection
        if vertex is not None:
            self._active_vertex = vertex
            self._drag = {
                "kind": "vertex",
                "index": vertex,
                "token": drawings.new_merge_token(),
                "start": event.position(),
                "moved": False,
            }
            return True
        hit = self.feature_at(x, y)
        if hit is None:
            self.clear_selection()
            return False  # pyqtgraph pans
        layer_id, fid = hit
        shift = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
        if shift and self._selection is not None and self._selection[0] == layer_id:
            fids = set(self._selection[1]) ^ {fid}
            self.select(layer_id, sorted(fids))
        elif (
            self._selection is None
            or fid not in self._selection[1]
            or (self._selection[0] != layer_id)
        ):
            self.select(layer_id, [fid])
        self._active_vertex = None
        self._drag = {
            "kind": "move",
            "token": drawings.new_merge_token(),
            "start": event.position(),
            "last": (x, y),
            "moved": False,
        }
        return True

    def _edit_drag(self, event: QMouseEvent, x: float, y: float) -> None:
        drag = self._drag
        if drag is None:
            return
        if not drag["moved"]:
            travelled = (event.position() - drag["start"]).manhattanLength()
            if travelled < DRAG_THRESHOLD_PX:
                return
            drag["moved"] = True
        single = self._single_selected()
        if drag["kind"] == "vertex" and single is not None:
            layer, fid = single
            sx, sy = self._snap(x, y, exclude=(layer.id, fid))
            lon, lat = drawings.display_to_lonlat(sx, sy)
            drawings.move_vertex(
                self.project,
                layer.id,
                fid,
                drag["index"],
                lon,
                lat,
                merge=drag["token"],
            )
        elif drag["kind"] == "move" and self._selection is not None:
            lx, ly = drag["last"]
            drag["last"] = (x, y)
            drawings.move_features(
                self.project,
                self._selection[0],
                self._selection[1],
                x - lx,
                y - ly,
                merge=drag["token"],
            )

    def _edit_double_click(self, x: float, y: float) -> bool:
        was = self._was_selected
        single = self._single_selected()
        if single is not None and was == self._selection:
            segment = self._segment_at(x, y)
            if segment is not None and self._vertex_at(x, y) is None:
                index, fx, fy = segment
                lon, lat = drawings.display_to_lonlat(fx, fy)
                drawings.insert_vertex(
                    self.project, single[0].id, single[1], index, lon, lat
                )
                self._active_vertex = index
                return True
        hit = self.feature_at(x, y)
        if hit is None:
            return False
        if self.open_attributes_on_double_click:
            self.select(hit[0], [hit[1]])
            self.edit_attributes(*hit)
        return True


__all__ = ["DRAG_THRESHOLD_PX", "EditToolMixin"]
