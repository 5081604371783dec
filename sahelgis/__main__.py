"""``python -m sahelgis``: same as the ``sahelgis`` command."""

from sahelgis.cli import main

raise SystemExit(main())
