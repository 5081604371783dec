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


def _imports_of(path: Path) -> list[tuple[str, list[str]]]:
    """(module, imported names) of every ``from X import ...`` (relative
    imports resolved against the file's package)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts[:-1])
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join([*base, module] if module else base)
            out.append((module, [alias.name for alias in node.names]))
        elif isinstance(node, ast.Import):
            out += [(alias.name, []) for alias in node.names]
    return out


def _package_of(module: str) -> str:
    parts = module.split(".")
    return ".".join(parts[:2]) if parts[0] == "sahelgis" else parts[0]


def test_no_private_name_is_imported_across_packages():
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        here = _package_of(".".join(path.relative_to(PACKAGE.parent).parts))
        for module, names in _imports_of(path):
            if not module.startswith("sahelgis") or _package_of(module) == here:
                continue
            offenders += [
                f"{path.relative_to(PACKAGE)}: {module}.{name}"
                for name in names
                if name.startswith("_") and not name.startswith("__")
            ]
    assert offenders == []


def test_nothing_below_the_command_line_imports_it():
    allowed = {"cli", "ui", "app", "__main__"}
    offenders = [
        str(path.relative_to(PACKAGE))
        for path in sorted(PACKAGE.rglob("*.py"))
        if path.relative_to(PACKAGE).parts[0].removesuffix(".py") not in allowed
        and any(m.startswith("sahelgis.cli") for m, _ in _imports_of(path))
    ]
    assert offenders == []


def test_analysis_parameters_are_parsed_only_in_the_registry():
    """Distances, counts and choices of analyses are read by the registry's
    declarations; no front end parses them itself."""
    parsers = ("parse_distance", "parse_distances", "unit_of", "check_distance_km")
    allowed = {"analysis/units.py", "analysis/zones.py"}
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = str(path.relative_to(PACKAGE))
        if rel in allowed or rel.startswith("analysis/registry/"):
            continue
        for _, names in _imports_of(path):
            offenders += [f"{rel}: {n}" for n in names if n in parsers]
    assert offenders == []


def test_no_module_over_600_lines_without_a_reason_at_its_top():
    """A long module says at the top why it stays one file ("Size: ...")."""
    long_ones = []
    for path in sorted(PACKAGE.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        if text.count("\n") <= 600:
            continue
        doc = ast.get_docstring(ast.parse(text)) or ""
        if "Size:" not in doc:
            long_ones.append(str(path.relative_to(PACKAGE)))
    assert long_ones == []


def test_qt_signals_are_blocked_only_through_a_context_manager():
    """``blockSignals(True)`` without a ``finally`` leaves a widget deaf after an
    exception; the UI uses ``QSignalBlocker`` (or ``signals_blocked``)."""
    offenders = [
        str(path.relative_to(PACKAGE))
        for path in sorted(PACKAGE.rglob("*.py"))
        if ".blockSignals(" in path.read_text(encoding="utf-8")
    ]
    assert offenders == []
