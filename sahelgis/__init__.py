"""SahelGIS: an offline desktop GIS for conflict and security analysts."""

__version__ = "0.1.0"
