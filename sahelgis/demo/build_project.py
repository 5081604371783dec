"""Build the bundled demo project: real base layers plus SYNTHETIC demo events.

    python -m sahelgis.demo.build_project [-o data/demo_southern_mali.gpkg]

The events come from data/demo_events_SYNTHETIC.csv (made by
``sahelgis.demo.synthetic_events``); they are labelled synthetic in the file,
the layer name and on the map.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from sahelgis import paths
from sahelgis.io.acled import read_acled
from sahelgis.io.basedata import base_layers
from sahelgis.io.project_file import save_project
from sahelgis.model import crs
from sahelgis.model.layer_factory import event_layer
from sahelgis.model.project import Project

#: The demo opens on the Koulikoro region and Bamako (lon/lat box).
DEMO_VIEW_LONLAT = (-9.6, 11.6, -5.6, 15.7)


def build_demo_project(events_csv: Path | None = None) -> Project:
    """The demo project in memory."""
    table, report = read_acled(events_csv or paths.demo_events_csv())
    if not table.synthetic:
        raise ValueError("the demo events must be marked SYNTHETIC")
    if len(report.rejects):
        raise ValueError(f"demo events have rejected rows: {report.summary()}")
    project = Project(base_layers())
    project.add_layer(event_layer(table, report.path))
    project.view_extent = crs.lonlat_box_to_display(DEMO_VIEW_LONLAT)
    from sahelgis.export.report_figures import add_report_figures

    add_report_figures(project)
    return project


def main(argv: list[str] | None = None) -> int:
    """Write the demo project file."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-o", "--output", type=Path, default=paths.demo_project())
    args = parser.parse_args(argv)
    written = save_project(build_demo_project(), args.output)
    print(f"wrote {written}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
