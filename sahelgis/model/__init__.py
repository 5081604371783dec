"""The SahelGIS model: project, layers, styles and the event table (no Qt)."""
