"""The analysis registry: every analysis defined once, used everywhere.

Each module of this package defines one analysis (its typed parameters, checks,
run, save/restore and batch split); the GUI's Analysis menu and dialogs, the
``sahelgis`` subcommands with their options and ``--help``, the recipe keys
and both batch engines are built from :data:`ANALYSES`. Adding an analysis
means adding one module here (and its tests) and listing it below.
"""

from __future__ import annotations

from sahelgis.analysis.registry import (
    alerts,
    buffer,
    compare,
    corridor,
    counts,
    duplicates,
    hotspots,
    isolation,
    trend,
    zones,
)
from sahelgis.analysis.registry.base import (
    SELECTION_PARAMS,
    Analysis,
    Context,
    Result,
    ResultLayer,
    selection_rows,
)
from sahelgis.analysis.registry.params import Param, ParamError

__all__ = [
    "ANALYSES",
    "SELECTION_PARAMS",
    "Analysis",
    "Context",
    "Param",
    "ParamError",
    "Result",
    "ResultLayer",
    "get",
    "selection_rows",
]

#: Every analysis by id, in menu order.
ANALYSES: dict[str, Analysis] = {
    module.ANALYSIS.id: module.ANALYSIS
    for module in (
        buffer,
        corridor,
        counts,
        compare,
        alerts,
        hotspots,
        trend,
        zones,
        isolation,
        duplicates,
    )
}


def get(kind: object) -> Analysis:
    """The analysis with this id.

    Raises
    ------
    ParamError
        ``kind = 'heatmap'; use one of buffer, corridor, ...``.
    """
    analysis = ANALYSES.get(str(kind)) if isinstance(kind, str) else None
    if analysis is None:
        raise ParamError(f"kind = {kind!r}; use one of {', '.join(ANALYSES)}")
    return analysis
