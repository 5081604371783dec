"""Limits on what SahelGIS reads from a project file, stated in one place.

A project file comes from a colleague or a shared drive and may be damaged or
hostile. Reading one never takes more than these limits allow: each is far
above what a real project holds (the demo project has 12 layers, 3,000 events
and a 40 KB state; a large analyst project a few million events) and far below
what would exhaust a laptop.

What happens when a limit is passed:

- the state JSON (size, depth, node count, layers) is refused with one
  ``ProjectFileError`` line naming the file;
- an over-long optional text is cut, an out-of-range optional number reset,
  each with a warning naming the key (see ``sahelgis.io.project_schema``);
- an event cache blob that would unpack past its limit is ignored (the events
  are read from their layer table instead), with a warning;
- a layer table with more rows than allowed refuses the file;
- an SQLite query that runs longer than ``SQLITE_QUERY_SECONDS`` is interrupted
  (an endless recursive view), which refuses the file.
"""

from __future__ import annotations

# -- the JSON state -----------------------------------------------------------
#: Characters of the state JSON (``sahelgis_project.value``).
MAX_STATE_CHARS = 32_000_000
#: Nesting depth of the state JSON (a real state nests about 8 deep).
MAX_JSON_DEPTH = 64
#: Values (objects, lists, strings, numbers) in the whole state JSON.
MAX_JSON_NODES = 2_000_000
#: Layers in one project.
MAX_LAYERS = 2_000
#: Saved figures in one project.
MAX_FIGURES = 500
#: Categories of one categorical style (each is a legend row).
MAX_CATEGORIES = 5_000
#: Items of a list of names (event types in a filter, layer ids of a figure).
MAX_LIST_ITEMS = 10_000

# -- texts (characters) ---------------------------------------------------------
#: Names: layers, figures, fields, roles, ids.
MAX_NAME_CHARS = 1_000
#: Longer texts: attribution, caveat, titles, source lines, paths.
MAX_TEXT_CHARS = 20_000
#: Notes of a figure.
MAX_NOTES_CHARS = 200_000
#: WKT of the saved map selection.
MAX_WKT_CHARS = 5_000_000

# -- numbers ----------------------------------------------------------------------
#: Largest absolute coordinate of the saved view extent, display CRS metres
#: (the Earth's circumference is 4.0e7 m).
MAX_EXTENT_METRES = 1.0e8
#: Point symbol diameter and label size, screen pixels (the style dialog allows
#: 1–40).
MIN_SYMBOL_SIZE = 0.5
MAX_SYMBOL_SIZE = 200.0
#: Line width, screen pixels (the style dialog allows 0.1–20).
MAX_LINE_WIDTH = 50.0
#: Minimum fatalities of the event filter.
MAX_FATALITIES = 1_000_000
#: Time window: rolling length and trail (steps), play speed (steps per second).
MAX_WINDOW_LENGTH = 10_000
MAX_TRAIL = 1_000
MIN_SPEED = 0.01
MAX_SPEED = 1_000.0
#: Earliest and latest year of a saved date.
MIN_YEAR = 1000
MAX_YEAR = 9999
#: Figure page size (inches) and resolution (dots per inch).
MIN_PAGE_INCHES = 0.5
MAX_PAGE_INCHES = 200.0
MIN_DPI = 10
MAX_DPI = 2_400
#: Tile zoom levels of a basemap.
MAX_ZOOM = 30

# -- tables and blobs -------------------------------------------------------------
#: Features (rows) of one layer table.
MAX_LAYER_ROWS = 20_000_000
#: Rows of one event cache table.
MAX_EVENT_ROWS = 20_000_000
#: Bytes of one compressed event cache blob as stored.
MAX_CACHE_BLOB_BYTES = 1 << 30
#: Bytes one event cache blob may unpack to (its declared buffer sizes, checked
#: before anything is unpacked).
MAX_CACHE_UNPACKED_BYTES = 1 << 30
#: Wall-clock seconds any one SQLite query of ours may run.
SQLITE_QUERY_SECONDS = 10.0
#: SQLite virtual-machine steps between two checks of that budget.
SQLITE_PROGRESS_STEPS = 10_000

__all__ = [name for name in dir() if name.isupper()]
