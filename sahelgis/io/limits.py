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
- a compressed ACLED export (.csv.gz, .zip) whose file would unpack past
  ``MAX_ARCHIVE_UNPACKED_BYTES`` is refused with one ``InputError`` line;
- an SQLite query that runs longer than ``SQLITE_QUERY_SECONDS`` is interrupted
  (an endless recursive view), which refuses the file.
"""

from __future__ import annotations

from sahelgis.model.figures import MAX_DPI, MAX_PAGE_INCHES, MIN_DPI
from sahelgis.model.styles import MAX_LINE_WIDTH, MAX_SYMBOL_SIZE, MIN_SYMBOL_SIZE

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
#: 1–40), and line width (0.1–20): defined in ``sahelgis.model.styles``, which
#: also keeps in-session edits within them (imported above: MIN_SYMBOL_SIZE,
#: MAX_SYMBOL_SIZE, MAX_LINE_WIDTH).
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
#: Figure page size (inches) and resolution (dots per inch): MAX_PAGE_INCHES,
#: MIN_DPI, MAX_DPI are defined in ``sahelgis.model.figures`` (imported above),
#: which refuses figures outside them; a page is at least MIN_PAGE_INCHES.
MIN_PAGE_INCHES = 0.5
#: Tile zoom levels of a basemap.
MAX_ZOOM = 30

# -- tables and blobs -------------------------------------------------------------
#: Features (rows) of one layer table.
MAX_LAYER_ROWS = 20_000_000
#: Rows of one event cache table.
MAX_EVENT_ROWS = 20_000_000
#: Bytes of one compressed event cache blob as stored (10M ACLED events with
#: real notes, about 250 characters each, take about 1.5 GB).
MAX_CACHE_BLOB_BYTES = 4 << 30
#: Bytes one event cache blob may unpack to (its declared buffer sizes plus 8
#: bytes per cell, checked before anything is unpacked): enough for
#: MAX_EVENT_ROWS events of ~35 columns, 2.8 GB per 10M at 8 bytes a cell
#: plus their columns (about 1.8 GB per 10M with notes).
MAX_CACHE_UNPACKED_BYTES = 12 << 30
#: ... and never more than this per declared row (a 1M-row cache declaring
#: 1.5 GB is a bomb; a real one is under 500 bytes a row) ...
MAX_CACHE_BYTES_PER_ROW = 1024
#: ... unless under this, whatever the rows.
MAX_CACHE_UNPACKED_FLOOR = 1 << 30
#: Wall-clock seconds any one SQLite query of ours may run.
SQLITE_QUERY_SECONDS = 10.0
#: SQLite virtual-machine steps between two checks of that budget.
SQLITE_PROGRESS_STEPS = 10_000

# -- compressed ACLED exports (.csv.gz, .zip) ------------------------------------
#: Bytes the file inside a .gz or .zip may unpack to (a global ACLED export is
#: about 2.5 GB as CSV); past it the import stops and names the limit.
MAX_ARCHIVE_UNPACKED_BYTES = 4 << 30
#: Members listed in a .zip holding an ACLED export (ACLED's has one or two).
MAX_ARCHIVE_MEMBERS = 1_000

__all__ = [
    "MAX_ARCHIVE_MEMBERS",
    "MAX_ARCHIVE_UNPACKED_BYTES",
    "MAX_CACHE_BLOB_BYTES",
    "MAX_CACHE_BYTES_PER_ROW",
    "MAX_CACHE_UNPACKED_BYTES",
    "MAX_CACHE_UNPACKED_FLOOR",
    "MAX_CATEGORIES",
    "MAX_DPI",
    "MAX_EVENT_ROWS",
    "MAX_EXTENT_METRES",
    "MAX_FATALITIES",
    "MAX_FIGURES",
    "MAX_JSON_DEPTH",
    "MAX_JSON_NODES",
    "MAX_LAYERS",
    "MAX_LAYER_ROWS",
    "MAX_LINE_WIDTH",
    "MAX_LIST_ITEMS",
    "MAX_NAME_CHARS",
    "MAX_NOTES_CHARS",
    "MAX_PAGE_INCHES",
    "MAX_SPEED",
    "MAX_STATE_CHARS",
    "MAX_SYMBOL_SIZE",
    "MAX_TEXT_CHARS",
    "MAX_TRAIL",
    "MAX_WINDOW_LENGTH",
    "MAX_WKT_CHARS",
    "MAX_YEAR",
    "MAX_ZOOM",
    "MIN_DPI",
    "MIN_PAGE_INCHES",
    "MIN_SPEED",
    "MIN_SYMBOL_SIZE",
    "MIN_YEAR",
    "SQLITE_PROGRESS_STEPS",
    "SQLITE_QUERY_SECONDS",
]
