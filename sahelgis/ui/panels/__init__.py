"""Dockable side panels."""
