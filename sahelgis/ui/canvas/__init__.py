"""The map canvas and its pyqtgraph items."""
