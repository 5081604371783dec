"""Readers and writers: ACLED events, vector files, the project file (no Qt)."""
