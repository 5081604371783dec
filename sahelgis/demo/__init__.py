"""Synthetic demo data in ACLED's format (real ACLED data may not be redistributed)."""
