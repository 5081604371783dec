"""The Qt user interface: it observes and drives the model."""
