"""Scale-out: the partitioned event store, batch recipes and their engines."""
