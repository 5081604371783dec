"""Runtime icons and style sheets."""
