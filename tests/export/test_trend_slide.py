"""The trend slide: a native line chart holding the series, the method in the notes."""

from __future__ import annotations

import pandas as pd
import pytest
from pptx import Presentation

from sahelgis.analysis.trend import METHOD, place_trend
from sahelgis.export import ExportError
from sahelgis.export.trend_slide import COUNT_SERIES, TREND_SERIES, write_trend_pptx

MONTHS = [f"2023-{m:02d}" for m in range(1, 13)]
COUNTS = [3, 5, 2, 7, 6, 9, 4, 11, 8, 12, 10, 15]


def test_slide_has_native_chart_and_method(tmp_path) -> None:
    trend = place_trend(
        pd.Series(COUNTS, index=MONTHS), "Gao (SYNTHETIC)", "2023-07-01",
        filter_text="actor “JNIM”", source="SYNTHETIC data made by SahelGIS",
    )  # fmt: skip
    path = write_trend_pptx(trend, tmp_path / "trend.pptx")
    slide = Presentation(str(path)).slides[0]
    charts = [s for s in slide.shapes if s.has_chart]
    assert len(charts) == 1
    chart = charts[0].chart
    assert list(chart.plots[0].categories) == MONTHS
    series = {s.name: list(s.values) for s in chart.plots[0].series}
    assert series[COUNT_SERIES] == COUNTS
    assert series[TREND_SERIES] == pytest.approx(list(trend.fitted), abs=1e-3)
    notes = slide.notes_slide.notes_text_frame.text
    assert METHOD in notes
    assert "actor “JNIM”" in notes
    assert "Change since 2023-07" in notes
    assert f"p = {trend.p:.4f}" in notes


def test_bad_suffix(tmp_path) -> None:
    trend = place_trend(pd.Series(COUNTS, index=MONTHS), "x")
    with pytest.raises(ExportError, match=r"must be a \.pptx"):
        write_trend_pptx(trend, tmp_path / "trend.png")
