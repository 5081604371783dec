"""UCDP GED names the model needs: the source label, credit and kept columns.

The mapping of GED fields onto the ACLED-shaped event table lives with the
reader, :mod:`sahelgis.io.ucdp`; this module holds what layers and figures
need to recognise and credit GED events without importing the reader.
"""

from __future__ import annotations

#: Value of the ``source`` column of every event read from a GED file.
UCDP_SOURCE = "UCDP GED"

#: Credit a figure's source line carries for GED events (UCDP's licence).
UCDP_ATTRIBUTION = "UCDP GED, CC BY 4.0"

#: GED columns kept beside the ACLED ones.
TYPE_OF_VIOLENCE = "type_of_violence"
DATE_END = "date_end"
FATALITIES_LOW = "fatalities_low"
FATALITIES_HIGH = "fatalities_high"
WHERE_PREC = "where_prec"
DATE_PREC = "date_prec"
CONFLICT_NAME = "conflict_name"
DYAD_NAME = "dyad_name"
UCDP_ID = "ucdp_id"

#: Kept GED columns and their dtypes (text columns become categoricals).
KEPT_COLUMNS: tuple[str, ...] = (
    UCDP_ID,
    TYPE_OF_VIOLENCE,
    DATE_END,
    FATALITIES_LOW,
    FATALITIES_HIGH,
    WHERE_PREC,
    DATE_PREC,
    CONFLICT_NAME,
    DYAD_NAME,
)
