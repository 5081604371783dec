"""The developer docs describe the tree that exists: every package and top-level
module of ``sahelgis`` is in README's developer section, every benchmark script
has a section in ``benchmarks/README.md``, and nothing named there is gone."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "sahelgis"


def _developer_section() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return text.split("## For developers", 1)[1]


def _tree_names() -> set[str]:
    names = {p.name + "/" for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()}
    names |= {p.name for p in PACKAGE.glob("*.py") if p.name != "__init__.py"}
    return names


def test_readme_names_every_package_and_top_level_module():
    section = _developer_section()
    tree = section.split("```text", 1)[1].split("```", 1)[0]
    listed = set(re.findall(r"^\s{2}([a-z_]+(?:\.py|/))", tree, flags=re.MULTILINE))
    assert _tree_names() <= listed, sorted(_tree_names() - listed)
    assert listed <= _tree_names(), sorted(listed - _tree_names())


def test_benchmarks_readme_has_a_section_per_script():
    text = (ROOT / "benchmarks" / "README.md").read_text(encoding="utf-8")
    sections = set(re.findall(r"^## `([a-z_]+\.py)`", text, flags=re.MULTILINE))
    scripts = {p.name for p in (ROOT / "benchmarks").glob("*_bench.py")}
    assert scripts == sections
