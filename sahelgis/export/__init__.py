"""Figure export: offscreen renders of the model to PNG, SVG, PDF, PPTX and GIF.

Everything here draws from the model (``sahelgis.model.figures.FigureSpec`` plus
the project's layers, styles, window and filter), never from widgets, so the
CLI and the GUI produce the same figure.
"""

from __future__ import annotations

from sahelgis.errors import SahelGISError


class ExportError(SahelGISError):
    """A figure cannot be written: says what was asked, what failed, what to do."""


__all__ = ["ExportError"]
