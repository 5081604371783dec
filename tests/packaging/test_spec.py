"""Fast checks of the packaging files (no PyInstaller, no build).

The real build is ``bash packaging/build_linux.sh`` followed by
``python packaging/smoke_test.py``; these tests catch a broken spec, a lost hidden
import, a missing licence file or a bad .desktop entry before anyone waits for it.
"""

from __future__ import annotations

import ast
import configparser
import re
import runpy
import struct
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGING = ROOT / "packaging"
SPEC = PACKAGING / "sahelgis.spec"
LICENCES = PACKAGING / "THIRD_PARTY_LICENSES"


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


@pytest.fixture(scope="module")
def spec_tree() -> ast.Module:
    return ast.parse(SPEC.read_text(encoding="utf-8"), filename=str(SPEC))


def _string_constants(tree: ast.AST) -> list[str]:
    return [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    ]


def _calls(tree: ast.AST, name: str) -> list[ast.Call]:
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            called = (
                func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            )
            if called == name:
                out.append(node)
    return out


def _list_assigned(tree: ast.Module, name: str) -> list[str]:
    """String items of ``name = [...]`` (and ``name += [...]``) at module level."""
    items: list[str] = []
    for node in tree.body:
        if (
            isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == name for t in node.targets)
        ) or (
            isinstance(node, ast.AugAssign)
            and isinstance(node.target, ast.Name)
            and node.target.id == name
        ):
            value = node.value
        else:
            continue
        if isinstance(value, ast.List):
            items += [
                e.value
                for e in value.elts
                if isinstance(e, ast.Constant) and isinstance(e.value, str)
            ]
    return items


def _keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


# ------------------------------------------------------------------ the spec ---
def test_spec_parses_as_python(spec_tree: ast.Module) -> None:
    assert _calls(spec_tree, "Analysis"), "no Analysis(...) in the spec"
    assert _calls(spec_tree, "COLLECT"), "not a one-folder build (no COLLECT)"


def test_spec_lists_the_pyogrio_hidden_imports(spec_tree: ast.Module) -> None:
    hidden = _list_assigned(spec_tree, "hiddenimports")
    for module in ("pyogrio._geometry", "pyogrio._ogr", "pyogrio._vsi"):
        assert module in hidden
    collected = [
        call.args[0].value
        for call in _calls(spec_tree, "collect_data_files")
        if call.args and isinstance(call.args[0], ast.Constant)
    ]
    assert "pyogrio" in collected
    assert "pyproj" in collected
    submodules = [
        call.args[0].value
        for call in _calls(spec_tree, "collect_submodules")
        if call.args and isinstance(call.args[0], ast.Constant)
    ]
    assert "sahelgis" in submodules


def test_the_pyogrio_hook_lists_them_too() -> None:
    hook = PACKAGING / "hooks" / "hook-pyogrio.py"
    tree = ast.parse(hook.read_text(encoding="utf-8"))
    text = " ".join(_string_constants(tree))
    for module in ("pyogrio._geometry", "pyogrio._ogr", "pyogrio._vsi"):
        assert module in text
    assert _calls(tree, "collect_data_files")


def test_spec_ships_data_assets_licences_and_icon(spec_tree: ast.Module) -> None:
    destinations = {
        call.args[1].value
        for call in _calls(spec_tree, "tree")
        if len(call.args) >= 2 and isinstance(call.args[1], ast.Constant)
    }
    assert {"data", "sahelgis/ui/assets", "THIRD_PARTY_LICENSES"} <= destinations
    strings = _string_constants(spec_tree)
    assert "sahelgis.png" in strings
    assert "SOURCES.md" in strings  # the data credits, also in THIRD_PARTY_LICENSES
    assert "DATA_SOURCES.md" in strings


def test_spec_excludes_what_must_not_ship(spec_tree: ast.Module) -> None:
    excludes = set(_list_assigned(spec_tree, "excludes"))
    for module in (
        "tkinter",
        "IPython",
        "pytest",
        "tests",
        "PySide6.QtWebEngineCore",
        "PySide6.QtMultimedia",
        "imageio_ffmpeg",
        "scipy",  # a test reference only: the bundle stays without it
    ):
        assert module in excludes
    # basemap tiles ship: contextily and rasterio (a second GDAL, with its data)
    for module in ("contextily", "rasterio", "mercantile", "xyzservices", "joblib"):
        assert module not in excludes
    source = SPEC.read_text(encoding="utf-8")
    for data in ('"rasterio", subdir="gdal_data"', '"rasterio", subdir="proj_data"'):
        assert data in source


def test_spec_prunes_the_gtk_theme_and_unused_arrow_parts(
    spec_tree: ast.Module,
) -> None:
    prune = set()
    for node in spec_tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "PRUNE" for t in node.targets
        ):
            prune = set(_string_constants(node.value))
    assert "PySide6/Qt/plugins/platformthemes/libqgtk3.so" in prune
    assert {"libarrow_flight.*", "libstdc++.so.6"} <= prune


def test_spec_hooks_and_entry_point_exist(spec_tree: ast.Module) -> None:
    analysis = _calls(spec_tree, "Analysis")[0]
    strings = set(_string_constants(analysis))
    assert "launcher.py" in strings
    assert "hooks" in strings
    assert "rthook_env.py" in strings
    for name in ("launcher.py", "rthook_env.py", "hooks/hook-pyogrio.py"):
        path = PACKAGING / name
        assert path.is_file(), name
        ast.parse(path.read_text(encoding="utf-8"))
    launcher = ast.parse((PACKAGING / "launcher.py").read_text(encoding="utf-8"))
    assert "sahelgis.__main__" in {
        node.module for node in ast.walk(launcher) if isinstance(node, ast.ImportFrom)
    }


def test_spec_is_portable(spec_tree: ast.Module) -> None:
    """No absolute or Linux-only paths; an icon per platform that exists."""
    for text in _string_constants(spec_tree):
        assert not re.match(r"^(/usr|/lib|/opt|/home|/tmp|[A-Za-z]:\\)", text), text
    strings = _string_constants(spec_tree)
    assert "sahelgis.ico" in strings
    assert "sahelgis.icns" in strings
    for name in ("sahelgis.ico", "sahelgis.icns", "sahelgis.png", "sahelgis.svg"):
        assert (ROOT / "resources" / name).is_file(), name
    # no UPX, no onefile (EXE with binaries inside instead of exclude_binaries)
    assert "upx=True" not in SPEC.read_text(encoding="utf-8").replace(" ", "")


def test_rthook_sets_nothing_global() -> None:
    tree = ast.parse((PACKAGING / "rthook_env.py").read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                assert not (
                    isinstance(target, ast.Subscript)
                    and "environ" in ast.unparse(target)
                ), ast.unparse(node)
        if isinstance(node, ast.Call):
            called = ast.unparse(node.func)
            assert called not in (
                "os.putenv",
                "os.environ.setdefault",
                "os.environ.update",
                "set_data_dir",
            ), called


def test_rthook_runs_outside_a_bundle() -> None:
    """Outside PyInstaller it only buffers notes; it never raises."""
    namespace = runpy.run_path(str(PACKAGING / "rthook_env.py"))
    assert "_pyi_rthook" not in namespace
    import logging

    bundle_log = logging.getLogger("sahelgis.bundle")
    pending = [
        h for h in bundle_log.handlers if h.get_name() == "sahelgis.bundle.pending"
    ]
    try:
        assert pending
        assert any("PROJ data" in r.getMessage() for r in pending[0].buffer)
    finally:
        for handler in pending:
            bundle_log.removeHandler(handler)
        bundle_log.propagate = True


# -------------------------------------------------------- desktop and icons ---
def test_desktop_file_has_exec_icon_name() -> None:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # keys are case-sensitive
    parser.read(PACKAGING / "sahelgis.desktop", encoding="utf-8")
    entry = parser["Desktop Entry"]
    assert entry["Type"] == "Application"
    assert entry["Name"] == "SahelGIS"
    assert entry["Exec"].split()[0] == "sahelgis"
    assert entry["Icon"] == "sahelgis"
    assert entry["Terminal"] == "false"
    assert entry["Categories"].endswith(";")


def test_icons_are_valid() -> None:
    root = ET.parse(ROOT / "resources" / "sahelgis.svg").getroot()
    assert root.tag.endswith("svg")
    head = (ROOT / "resources" / "sahelgis.png").read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", head[16:24]) == (256, 256)


# ------------------------------------------------------------------ licences ---
def _runtime_dependencies() -> list[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    names = []
    for requirement in project["project"]["dependencies"]:
        match = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement)
        assert match, requirement
        names.append(match.group(0))
    return names


def test_licences_cover_every_runtime_dependency() -> None:
    files = {_norm(p.stem): p for p in LICENCES.glob("*.txt")}
    index = (LICENCES / "README.md").read_text(encoding="utf-8").lower()
    missing = []
    for name in _runtime_dependencies():
        path = files.get(_norm(name))
        if path is None:
            missing.append(name)
            continue
        text = path.read_text(encoding="utf-8")
        assert re.search(r"^Licence: \S", text, re.MULTILINE), path.name
        assert "https://" in text, path.name
        assert path.name.lower() in index, f"{path.name} not in README.md"
    assert not missing, f"no licence file for {missing}"


def test_native_libraries_have_licence_notes() -> None:
    for name, licence in (
        ("GDAL.txt", "MIT"),
        ("PROJ.txt", "MIT"),
        ("GEOS.txt", "LGPL"),
        ("PySide6-Essentials.txt", "LGPL-3.0"),
    ):
        assert licence in (LICENCES / name).read_text(encoding="utf-8"), name


def test_data_credits_carry_the_required_attributions() -> None:
    sources = (ROOT / "data" / "SOURCES.md").read_text(encoding="utf-8")
    required = re.findall(r'^Required attribution[^:]*: "(.+)"$', sources, re.MULTILINE)
    assert required, "data/SOURCES.md names no required attribution"
    credits = (LICENCES / "DATA_CREDITS.md").read_text(encoding="utf-8")
    for line in required:
        assert line in credits
