"""One entry for event files: ACLED exports and UCDP GED CSVs, told apart by header.

Both the CLI's ``sahelgis import`` and the GUI's File > Import events read
through :func:`read_events`, so a GED CSV is recognised in one place: a header
holding ``id``, ``relid``, ``type_of_violence`` and ``side_a``
(:func:`sahelgis.io.ucdp.is_ged_header`) goes to :func:`~sahelgis.io.ucdp.read_ucdp`,
anything else to :func:`~sahelgis.io.acled.read_acled`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Literal

from sahelgis.io.acled import read_acled
from sahelgis.io.ucdp import read_ucdp, sniff_ged
from sahelgis.progress import NULL_PROGRESS

if TYPE_CHECKING:
    from sahelgis.io.acled_validate import ImportReport
    from sahelgis.model.events import EventTable
    from sahelgis.progress import Progress

__all__ = ["event_file_kind", "read_events"]


def event_file_kind(path: str | Path) -> Literal["acled", "ucdp"]:
    """Which reader an event file needs, judged by its header line.

    Parameters
    ----------
    path
        An ACLED export (CSV or .xlsx) or a UCDP GED CSV.

    Returns
    -------
    str
        ``"ucdp"`` for a GED (or candidate events) CSV, else ``"acled"``.
    """
    return "ucdp" if sniff_ged(Path(path)) else "acled"


def read_events(
    path: str | Path, progress: Progress = NULL_PROGRESS
) -> tuple[EventTable, ImportReport]:
    """Read an event file with the reader its header calls for.

    Parameters
    ----------
    path
        An ACLED export or a UCDP GED CSV.
    progress
        Passed on to the reader.

    Returns
    -------
    tuple[EventTable, ImportReport]
        The events and the per-row report.
    """
    if event_file_kind(path) == "ucdp":
        return read_ucdp(path, progress)
    return read_acled(path, progress)
