"""``sahelgis export``: outputs, one-line errors and exit codes."""

from __future__ import annotations

import dataclasses

import pytest

from sahelgis.export.cli import EXIT_ERROR, EXIT_OK, EXIT_USAGE, cmd_export
from sahelgis.model.figures import FigureSpec, save_figure

BOX = (-9.5, 11.8, -5.8, 15.8)


@pytest.fixture(scope="module")
def project_file(tmp_path_factory, base_layer_list, tiny_frame):
    """A small saved project (countries, roads, 21 synthetic events) with two
    saved figures."""
    from sahelgis.io.project_file import save_project
    from sahelgis.model.events import EventTable, optimise_dtypes
    from sahelgis.model.layer_factory import event_layer
    from sahelgis.model.project import Project

    keep = [ly for ly in base_layer_list if ly.role in ("countries", "roads")]
    project = Project([dataclasses.replace(layer) for layer in keep])
    table = EventTable(optimise_dtypes(tiny_frame.copy()), synthetic=True)
    project.add_layer(event_layer(table, "tiny.csv"))
    spec = FigureSpec(name="map", title="CLI Map Title", extent=BOX, dpi=30)
    save_figure(project, spec)
    save_figure(
        project,
        spec.with_(
            name="panels",
            title="CLI Panels",
            small_multiples={"by": "year", "periods": ["2020", "2021"]},
        ),
    )
    return save_project(project, tmp_path_factory.mktemp("cli") / "project.gpkg")


def test_export_one_figure_png(project_file, tmp_path, capsys):
    out = tmp_path / "map.png"
    code = cmd_export([str(project_file), "--figure", "map", "-o", str(out)])
    assert code == EXIT_OK
    assert capsys.readouterr().out.strip() == f"wrote {out}"
    from PIL import Image

    with Image.open(out) as image:
        assert image.size == FigureSpec(dpi=30).pixel_size()  # (399, 225)


def test_export_all_as_deck(project_file, tmp_path):
    pptx = pytest.importorskip("pptx")
    out = tmp_path / "deck.pptx"
    assert cmd_export([str(project_file), "--all", "-o", str(out), "--dpi", "30"]) == 0
    deck = pptx.Presentation(str(out))
    assert [s.shapes.title.text for s in deck.slides] == ["CLI Map Title", "CLI Panels"]


def test_list_figures(project_file, capsys):
    assert cmd_export([str(project_file), "--list"]) == EXIT_OK
    names = [line.split("\t")[0] for line in capsys.readouterr().out.splitlines()]
    assert names == ["map", "panels"]


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (
            ["--figure", "nope", "-o", "x.png"],
            EXIT_ERROR,
            "no saved figure named 'nope'",
        ),
        (["-o", "x.png"], EXIT_USAGE, "has 2 saved figures (map, panels)"),
        (["--all", "-o", "x.png"], EXIT_USAGE, "--all writes a deck"),
        (["--figure", "map", "-o", "x.doc"], EXIT_USAGE, "unknown output type .doc"),
        (["--figure", "map"], EXIT_USAGE, "give the file to write with -o"),
        (["--figure", "map", "-o", "x.png", "--dpi", "5"], EXIT_USAGE, "out of range"),
    ],
)
def test_errors_are_one_line_with_exit_codes(
    project_file, tmp_path, capsys, args, code, message
):
    args = [a if a[0] == "-" or "." not in a else str(tmp_path / a) for a in args]
    assert cmd_export([str(project_file), *args]) == code
    err = capsys.readouterr().err.strip()
    assert message in err
    assert len(err.splitlines()) == 1
    assert err.startswith("sahelgis export: ")


def test_missing_project_file(tmp_path, capsys):
    code = cmd_export([str(tmp_path / "none.gpkg"), "-o", str(tmp_path / "x.png")])
    assert code == EXIT_ERROR
    assert capsys.readouterr().err.strip() == (
        "sahelgis export: none.gpkg: file not found"
    )


def test_bad_arguments_are_usage_errors(project_file):
    assert cmd_export([str(project_file), "--figure", "a", "--all", "-o", "x"]) == 2


def test_gif_animation_of_a_figure(project_file, tmp_path):
    out = tmp_path / "anim.gif"
    args = ["--figure", "map", "-o", str(out), "--step", "year", "--dpi", "20"]
    assert cmd_export([str(project_file), *args]) == EXIT_OK
    from PIL import Image

    with Image.open(out) as image:
        assert image.n_frames == 7  # 2018 … 2024


DEMO_FIGURES = (
    "Report Figure 1 — Nara and the RN4",
    "Report Figure 2 — coercion of civilians",
)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("Report Figure 1 - Nara and the RN4", 0),
        ("report figure 1 – nara and the rn4", 0),
        ("REPORT FIGURE 2", 1),
        ("report figure 1", 0),
        ("Report Figure 2 — coercion of civilians", 1),
    ],
)
def test_figure_names_match_any_dash_case_and_unique_prefix(
    fig_project, typed, expected
):
    from sahelgis.model.figures import find_figure

    for name in DEMO_FIGURES:
        save_figure(fig_project, FigureSpec(name=name, extent=BOX))
    assert find_figure(fig_project, typed).name == DEMO_FIGURES[expected]


def test_ambiguous_figure_name_lists_the_candidates(fig_project):
    from sahelgis.model.figures import find_figure

    for name in DEMO_FIGURES:
        save_figure(fig_project, FigureSpec(name=name, extent=BOX))
    with pytest.raises(KeyError, match="matches 2 saved figures: Report Figure 1"):
        find_figure(fig_project, "report fig")


def test_list_prints_n_scope_and_window(project_file, capsys):
    assert cmd_export([str(project_file), "--list"]) == EXIT_OK
    lines = capsys.readouterr().out.splitlines()
    name, title, count = lines[0].split("\t")
    assert (name, title) == ("map", "CLI Map Title")
    assert count.startswith("n = ")
    assert " in the map frame, " in count
