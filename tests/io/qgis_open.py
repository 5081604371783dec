"""Open SahelGIS project GeoPackages in real PyQGIS and print what QGIS sees.

Run with Debian's ``/usr/bin/python3`` (python3-qgis), not the project's venv:

    /usr/bin/python3 tests/io/qgis_open.py OUT.png PROJECT.gpkg [PROJECT.gpkg ...]

For each file it prints, as one JSON line last: every table GDAL lists opened
with Layer > Add Vector Layer's URI (validity, feature count, field types,
renderer, category colours), the project stored in ``qgis_projects`` (layer
order, names, visibility, validity, map CRS) and, for the first file, renders
the project's visible layers to OUT.png and counts its non-white pixels.
"""

from __future__ import annotations

import json
import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from osgeo import ogr
from qgis.core import (
    QgsApplication,
    QgsMapRendererParallelJob,
    QgsMapSettings,
    QgsProject,
    QgsVectorLayer,
)
from qgis.PyQt.QtCore import QSize
from qgis.PyQt.QtGui import QColor, QFont, QPainter

PROJECT_NAME = "SahelGIS map"


def _layer(layer: QgsVectorLayer) -> dict:
    renderer = layer.renderer()
    info = {
        "valid": layer.isValid(),
        "features": layer.featureCount(),
        "fields": {f.name(): f.typeName() for f in layer.fields()},
        "renderer": renderer.type() if renderer else None,
        "labels": layer.labelsEnabled(),
        "opacity": layer.opacity(),
    }
    if renderer is not None and renderer.type() == "categorizedSymbol":
        info["category_field"] = renderer.classAttribute()
        info["categories"] = {
            str(c.value()): c.symbol().color().name().upper()
            for c in renderer.categories()
        }
    if renderer is not None and renderer.type() == "singleSymbol":
        symbol = renderer.symbol()
        info["colour"] = symbol.color().name().upper()
        layer0 = symbol.symbolLayer(0)
        props = layer0.properties() if layer0 else {}
        info["line_style"] = props.get("line_style") or props.get("outline_style")
    if layer.fields().indexOf("event_date") >= 0:
        feature = next(layer.getFeatures())
        info["event_date_python"] = type(feature["event_date"]).__name__
    return info


def main(argv: list[str]) -> int:
    out_png, paths = argv[0], argv[1:]
    app = QgsApplication([], False)
    app.initQgis()
    report = []
    for n, path in enumerate(paths):
        entry: dict = {"path": path, "tables": {}}
        ds = ogr.Open(path)
        names = [ds.GetLayer(i).GetName() for i in range(ds.GetLayerCount())]
        ds = None
        for name in names:
            layer = QgsVectorLayer(f"{path}|layername={name}", name, "ogr")
            entry["tables"][name] = _layer(layer)
        project = QgsProject.instance()
        project.clear()
        entry["project_read"] = project.read(
            f"geopackage:{path}?projectName={PROJECT_NAME}"
        )
        entry["project_crs"] = project.crs().toProj()
        entry["title"] = project.title()
        entry["title_label"] = project.readEntry("TitleLabel", "/Label")[0]
        entry["title_label_on"] = project.readBoolEntry("TitleLabel", "/Enabled")[0]
        entry["project_layers"] = []
        tree = project.layerTreeRoot().findLayers()
        for node in tree:
            layer = node.layer()
            item = {"name": node.name(), "visible": node.isVisible()}
            if layer is not None:
                item.update(_layer(layer))
                item["source"] = layer.source()
            entry["project_layers"].append(item)
        if n == 0:
            settings = QgsMapSettings()
            settings.setLayers([n.layer() for n in tree if n.isVisible()])
            settings.setDestinationCrs(project.crs())
            settings.setBackgroundColor(QColor("white"))
            settings.setOutputSize(QSize(1200, 1000))
            canvas = project.viewSettings().defaultViewExtent()
            if canvas.isEmpty():
                canvas = settings.fullExtent()
            settings.setExtent(canvas)
            job = QgsMapRendererParallelJob(settings)
            job.start()
            job.waitForFinished()
            image = job.renderedImage()
            counted = image.copy()
            label = entry["title_label"] if entry["title_label_on"] else ""
            if label:  # QGIS's canvas draws this title decoration; a render job not
                painter = QPainter(image)
                painter.setFont(QFont("DejaVu Sans", 12))
                box = painter.boundingRect(10, 10, 1000, 40, 0, label)
                painter.fillRect(box.adjusted(-6, -4, 6, 4), QColor("white"))
                painter.setPen(QColor("#C1121F"))
                painter.drawText(box, 0, label)
                painter.end()
            image.save(out_png)
            image = counted
            counts: dict[int, int] = {}
            for y in range(0, image.height(), 4):
                for x in range(0, image.width(), 4):
                    rgb = image.pixel(x, y)
                    counts[rgb] = counts.get(rgb, 0) + 1
            total = sum(counts.values())
            entry["png_distinct_colours"] = len(counts)
            entry["png_non_background_share"] = 1 - max(counts.values()) / total
        report.append(entry)
    print(json.dumps(report))  # noqa: T201 - the JSON line the test reads
    app.exitQgis()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
