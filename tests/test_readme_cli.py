"""README's analysis reference is the one the registry writes, and every
command, key and option it shows works."""

import subprocess
import sys
from pathlib import Path

import pytest

from sahelgis.__main__ import main
from sahelgis.analysis.registry import ANALYSES
from sahelgis.cli.analyses import build_parser, option_names, reference_markdown

ROOT = Path(__file__).resolve().parents[1]


def test_readme_section_is_written_from_the_registry():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("<!-- analyses:begin -->\n")[1].split("<!-- analyses:end -->")[
        0
    ]
    assert section == reference_markdown(), (
        "README is stale: run python scripts/update_readme_cli.py"
    )
    check = [sys.executable, str(ROOT / "scripts" / "update_readme_cli.py"), "--check"]
    assert subprocess.run(check, check=False).returncode == 0


@pytest.mark.parametrize("kind", list(ANALYSES))
def test_every_analysis_is_a_subcommand_with_its_options(kind, capsys):
    assert main([kind, "--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: sahelgis {kind}")
    parser = build_parser(ANALYSES[kind])
    flags = {s for a in parser._actions for s in a.option_strings}
    for param in ANALYSES[kind].params:
        if param.cli:
            assert set(option_names(param)) <= flags
            assert param.flag in out


def test_top_level_help_lists_the_analysis_subcommands(capsys):
    with pytest.raises(SystemExit) as info:
        main(["--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    for kind in ANALYSES:
        assert f"\n  {kind} " in out
