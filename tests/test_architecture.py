"""The non-UI packages (model, analysis, io, demo, scale) never import Qt."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "sahelgis"
QT_FREE = ["model", "analysis", "io", "demo", "scale"]
FORBIDDEN = ("PySide6", "pyqtgraph", "sahelgis.ui", "sahelgis.app")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("package", QT_FREE)
def test_package_has_no_qt_import(package):
    files = sorted((PACKAGE / package).rglob("*.py"))
    assert files
    offenders = {
        str(f.relative_to(PACKAGE)): sorted(
            m for m in imported_modules(f) if m.startswith(FORBIDDEN)
        )
        for f in files
    }
    assert {k: v for k, v in offenders.items() if v} == {}
