"""Pure analysis functions over the model (no Qt)."""
