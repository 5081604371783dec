"""Render resources/sahelgis.svg to the raster icons the installers need.

    python packaging/make_icons.py

writes resources/sahelgis.png (256 px), sahelgis.ico (Windows) and sahelgis.icns
(macOS).

The PNG is drawn with Qt (QSvgRenderer -> QImage), the same renderer the app uses;
the ICO and ICNS are made from it with Pillow. Run it again after editing the SVG;
the outputs are kept in the repository so that a build needs no extra step.
"""

# ruff: noqa: T201 - a command-line tool: it prints

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SVG = ROOT / "resources" / "sahelgis.svg"
PNG = ROOT / "resources" / "sahelgis.png"
ICO = ROOT / "resources" / "sahelgis.ico"
ICNS = ROOT / "resources" / "sahelgis.icns"


def render_png(svg: Path, out: Path, size: int = 256) -> None:
    """Draw ``svg`` into a transparent ``size`` x ``size`` PNG with Qt."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    _app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"make_icons: {svg} is not a valid SVG")
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    if not image.save(str(out), "PNG"):
        raise SystemExit(f"make_icons: cannot write {out}")


def main() -> int:
    render_png(SVG, PNG, 256)
    big = PNG.with_name("sahelgis-1024.tmp.png")
    render_png(SVG, big, 1024)  # ICNS wants up to 1024 px
    from PIL import Image

    try:
        with Image.open(big) as image:
            image.save(
                ICO,
                sizes=[
                    (16, 16),
                    (24, 24),
                    (32, 32),
                    (48, 48),
                    (64, 64),
                    (128, 128),
                    (256, 256),
                ],
            )
            image.save(ICNS)
    finally:
        big.unlink(missing_ok=True)
    for path in (PNG, ICO, ICNS):
        print(f"wrote {path.relative_to(ROOT)} ({path.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
