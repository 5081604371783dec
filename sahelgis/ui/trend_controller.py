"""Trend per place in the window: a click on an analysis result's polygon.

With the Pan tool, a click on a polygon of a visible analysis result layer
(counts or compare choropleth, buffer rings, corridor segments) shows that
place's monthly series and trend in the Trend panel
(:class:`~sahelgis.ui.panels.trend_panel.TrendPanel`). The events are the rows
the map shows (time window and filter panel), or every date under the filter
for analyses with their own periods (compare, alerts). Areas are counted by
point in polygon, as ``counts``; buffer rings and corridor segments (lines,
picked within a few pixels) by their own analysis run again with
``by = month``, so a ring's or segment's months add up to its count there.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sahelgis.analysis.registry import get
from sahelgis.analysis.registry.compare import BY_PLACE
from sahelgis.analysis.trend import monthly_series, place_at, series_over
from sahelgis.model import crs
from sahelgis.model.figures import SYNTHETIC_MARK
from sahelgis.model.layers import VectorLayer
from sahelgis.ui.analysis_controller import ROLE_ANALYSIS
from sahelgis.ui.canvas.tools import TOOL_PAN

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from sahelgis.model.layers import EventLayer
    from sahelgis.ui.analysis_controller import AnalysisController
    from sahelgis.ui.canvas.map_canvas import MapCanvas
    from sahelgis.ui.panels.trend_panel import TrendPanel


#: Lines (corridor segments) are picked within this many pixels.
PICK_PX = 6
METRES_PER_DEGREE = 111_320.0  # at the equator; only for the pick tolerance
#: Result layers whose places are counted by their own analysis.
BY_ANALYSIS = ("buffer", "corridor")


class TrendController:
    """Turns map clicks on result polygons into the Trend panel's series."""

    def __init__(self, analysis: AnalysisController, panel: TrendPanel) -> None:
        self.analysis = analysis
        self.panel = panel
        self.canvas: MapCanvas | None = None

    def attach(self, canvas: MapCanvas) -> None:
        """Follow this canvas's clicks (called again after a new project)."""
        self.canvas = canvas
        canvas.sig_map_clicked.connect(self.on_map_clicked)

    def on_map_clicked(self, x: float, y: float) -> bool:
        """Show the trend of the result polygon under display-CRS ``(x, y)``.

        Returns
        -------
        bool
            True when a place was found and shown.
        """
        canvas = self.canvas
        if canvas is None or canvas.view_box.tool != TOOL_PAN:
            return False
        project = self.analysis.project
        lon, lat = crs.to_lonlat().transform(x, y)
        for layer in project.layers:
            if not (
                isinstance(layer, VectorLayer)
                and layer.visible
                and layer.role == ROLE_ANALYSIS
            ):
                continue
            tolerance = PICK_PX * canvas.metres_per_pixel() / METRES_PER_DEGREE
            hit = place_at(layer.data, float(lon), float(lat), tolerance)
            if hit is None:
                continue
            events = self.analysis.event_layer()
            if events is None:
                return False
            index, name = hit
            try:
                own_dates = bool(get(layer.analysis.get("kind")).own_dates)
            except (KeyError, ValueError):
                own_dates = False
            rows = self.analysis.rows(events, every_date=own_dates)
            span = None if own_dates else project.time_window.window()
            window = (
                (str(span[0])[:10], str(span[1])[:10]) if span is not None else None
            )
            if layer.analysis.get("kind") in BY_ANALYSIS or (
                layer.analysis.get("areas") in BY_PLACE
            ):
                series = self._series_by_analysis(layer, index, events, rows, window)
            else:
                polygon = layer.data.geometry.iloc[index]
                series = monthly_series(events.events, polygon, rows, window)
            credits = [events.attribution] if events.attribution else []
            if events.synthetic or layer.synthetic:
                credits.insert(0, SYNTHETIC_MARK)
            self.panel.show_series(
                series,
                f"{name} ({layer.name})",
                filter_text=project.event_filter.describe(),
                source="; ".join(credits),
            )
            return True
        return False

    def _series_by_analysis(
        self,
        layer: VectorLayer,
        index: int,
        events: EventLayer,
        rows: np.ndarray,
        window: tuple[str, str] | None,
    ) -> pd.Series:
        """A ring's or segment's months: its buffer or corridor run by month.

        For a compare or alerts layer of rings or segments, the buffer or
        corridor it was counted with (its ``inner`` spec); the place is the
        ring's or segment's label ("Nara — 0–25 km", "RN4 km 0–25").
        """
        import numpy as np

        saved = dict(layer.analysis)
        row = layer.data.iloc[index]
        if saved.get("kind") in BY_ANALYSIS:
            label = str(row["label"])
        else:  # compare/alerts per ring or segment: the label is the area name
            label = str(row[str(saved["areas"])])
            saved = dict(saved["inner"])
        analysis = get(saved.get("kind"))
        spec = analysis.restore(saved)
        spec["by"] = ["month"]
        result = analysis.run(events.events, rows, spec, self.analysis.context())
        table = result.tables["counts"]
        keep = np.ones(len(table), dtype=bool)
        if spec["kind"] == "buffer":
            centre, _, ring = label.rpartition(" — ")
            keep &= (table["ring"].astype(str) == ring).to_numpy()
            if "centre" in table.columns and centre:
                keep &= (table["centre"].astype(str) == centre).to_numpy()
        else:
            segments = next(
                (ly.data for ly in result.layers if "segment" in ly.data.columns), None
            )
            if segments is not None and label in set(segments["label"].astype(str)):
                ids = segments.loc[segments["label"].astype(str) == label, "segment"]
                keep &= table["segment"].isin(ids.tolist()).to_numpy()
                if "road" in table.columns and "road" in segments.columns:
                    roads = segments.loc[segments["label"].astype(str) == label, "road"]
                    keep &= table["road"].isin(roads.tolist()).to_numpy()
            # else the whole corridor polygon: every segment
        return series_over(table[keep], events.events, rows, window)
