"""``sahelgis buffer|corridor|counts|zones`` on the bundled demo data."""

import csv
import io
import re

import pyogrio
import pytest

from sahelgis import paths
from sahelgis.analysis.registry import ANALYSES
from sahelgis.cli.analyses import run_analysis_command


def _command(kind):
    def command(argv):
        return run_analysis_command(kind, argv)

    command.__name__ = f"cmd_{kind}"
    return command


cmd_buffer, cmd_corridor, cmd_counts, cmd_zones = (
    _command(k) for k in ("buffer", "corridor", "counts", "zones")
)

EVENTS = str(paths.demo_events_csv())
PROJECT = str(paths.demo_project())
TOTAL = re.compile(r"^total: (\d+) events")


def run(command, argv, capsys):
    code = command(argv)
    out, err = capsys.readouterr()
    return code, out, err


def table_and_total(out):
    lines = out.rstrip("\n").split("\n")
    match = TOTAL.match(lines[-1])
    assert match, lines[-1]
    rows = list(csv.DictReader(io.StringIO("\n".join(lines[:-1]))))
    return rows, int(match.group(1))


def test_buffer_by_town_in_miles_with_precision_warning(capsys):
    code, out, err = run(
        cmd_buffer,
        [EVENTS, "--town", "nara", "--radius", "70mi", "--by", "year"],
        capsys,
    )
    assert code == 0
    rows, total = table_and_total(out)
    assert list(rows[0]) == ["ring", "year", "count"]
    assert {r["ring"] for r in rows} == {"0–70 mi"}
    assert sum(int(r["count"]) for r in rows) == total > 0
    assert "warning: Nara is a cercle or region capital" in err


def test_buffer_mourdiah_has_no_warning_and_precision_switch(capsys):
    code, out, err = run(
        cmd_buffer,
        [EVENTS, "--town", "Mourdiah", "--radius", "50km", "--by", "geo_precision"],
        capsys,
    )
    assert code == 0
    assert "warning" not in err
    rows, total = table_and_total(out)
    code, out2, _ = run(
        cmd_buffer,
        [EVENTS, "--town", "Mourdiah", "--radius", "50km", "--max-geo-precision", "2"],
        capsys,
    )
    _, strict = table_and_total(out2)
    precise = sum(int(r["count"]) for r in rows if r["geo_precision"] in ("1", "2"))
    assert strict == precise <= total


def test_buffer_at_point_with_rings_and_dates_on_project(capsys, tmp_path):
    out_csv = tmp_path / "rings.csv"
    code, out, err = run(
        cmd_buffer,
        [PROJECT, "--at", "-7.28985,15.16931", "--radius", "10,50km", "--from",
         "2023-01-01", "--to", "2023-12-31", "-o", str(out_csv)],
        capsys,
    )  # fmt: skip
    assert code == 0, err
    assert out.splitlines()[0] == f"wrote {out_csv}"
    assert TOTAL.match(out.splitlines()[-1])
    rows = list(csv.DictReader(out_csv.open(encoding="utf-8")))
    assert {r["ring"] for r in rows} <= {"0–10 km", "10–50 km"}
    assert {r["year"] for r in rows} == {"2023"}
    assert "Nara" in err  # snapped to Nara: capital warning


def test_buffer_writes_a_geopackage_layer(capsys, tmp_path):
    target = tmp_path / "buffer.gpkg"
    code, _, _ = run(
        cmd_buffer,
        [EVENTS, "--town", "Ségou", "--radius", "25km", "-o", str(target)],
        capsys,
    )
    assert code == 0
    layers = dict(pyogrio.list_layers(target))
    assert layers["buffer"] == "Polygon"
    rings = pyogrio.read_dataframe(target, layer="buffer")
    assert rings["label"].tolist() == ["Ségou — 0–25 km"]


def test_unknown_town_suggests_nara(capsys):
    code, out, err = run(
        cmd_buffer, [EVENTS, "--town", "Narra", "--radius", "10km"], capsys
    )
    assert code == 1
    assert out == ""
    assert err.startswith("sahelgis: unknown town 'Narra'")
    assert "Nara" in err
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--town", "Nara", "--radius", "ten km"], "--radius"),
        (["--town", "Nara", "--radius", "5km", "--from", "yesterday"], "YYYY-MM-DD"),
        (["--at", "15.2", "--radius", "5km"], "LON,LAT"),
        (["--town", "Nara", "--radius", "5km", "--by", "colour"], "cannot group"),
    ],
)
def test_buffer_errors_are_one_line(capsys, argv, message):
    code, _, err = run(cmd_buffer, [EVENTS, *argv], capsys)
    assert code == 1
    assert err.startswith("sahelgis: ")
    assert message in err


def test_usage_errors_return_2(capsys):
    code, _, err = run(cmd_buffer, [EVENTS, "--radius", "5km"], capsys)
    assert code == 2
    assert "one of the arguments --town/--towns --at is required" in err
    assert run(cmd_corridor, [EVENTS, "--within", "10km"], capsys)[0] == 2


def test_missing_and_unsupported_event_files(capsys, tmp_path):
    code, _, err = run(cmd_buffer, [str(tmp_path / "x.csv"), "--town", "Nara",
                                    "--radius", "5km"], capsys)  # fmt: skip
    assert code == 1
    assert "file not found" in err
    odd = tmp_path / "events.json"
    odd.write_text("{}", encoding="utf-8")
    code, _, err = run(cmd_counts, [str(odd), "--by", "cercle"], capsys)
    assert code == 1
    assert "cannot read events" in err


def test_corridor_segments_and_share(capsys):
    code, out, err = run(
        cmd_corridor,
        [EVENTS, "--road", "rn4", "--within", "10km", "--segment", "25km"],
        capsys,
    )
    assert code == 0, err
    rows, total = table_and_total(out)
    assert list(rows[0]) == ["segment", "km_from", "km_to", "year", "count"]
    assert {r["segment"] for r in rows} == {"0", "1", "2", "3"}
    assert sum(int(r["count"]) for r in rows) == total > 0
    assert "lie within 10 km of RN4" in err
    assert "APPROXIMATE" in err
    code, out, _ = run(
        cmd_corridor, [EVENTS, "--road", "RN4", "--within", "10km", "--share"], capsys
    )
    rows, total2 = table_and_total(out)
    assert total2 == total
    assert rows[-1]["year"] == "all"
    assert int(rows[-1]["in_corridor"]) == total


def test_corridor_unknown_road(capsys):
    code, _, err = run(
        cmd_corridor, [EVENTS, "--road", "RN9", "--within", "5km"], capsys
    )
    assert code == 1
    assert "no road with ref 'RN9'; available: RN3, RN4, RN6" in err


def test_counts_per_cercle_region_and_hex(capsys, tmp_path):
    code, out, _ = run(cmd_counts, [EVENTS, "--by", "cercle"], capsys)
    assert code == 0
    rows, total = table_and_total(out)
    assert list(rows[0]) == ["name_fr", "year", "count"]
    assert sum(int(r["count"]) for r in rows) == total
    code, out, _ = run(cmd_counts, [PROJECT, "--by", "region", "--wide"], capsys)
    rows, total_regions = table_and_total(out)
    assert "total" in rows[0]
    assert "2023" in rows[0]
    assert total_regions == total  # every demo event is in Mali
    target = tmp_path / "hex.gpkg"
    code, out, _ = run(
        cmd_counts,
        [EVENTS, "--by", "hex:25km", "--classify", "natural_breaks", "-o", str(target)],
        capsys,
    )
    assert code == 0
    layer = pyogrio.read_dataframe(target, layer="areas")
    assert {"hex_id", "count", "class", "class_label"} <= set(layer.columns)
    assert TOTAL.match(out.splitlines()[-1])
    code, _, err = run(cmd_counts, [EVENTS, "--by", "province"], capsys)
    assert code == 1
    assert "cannot group by 'province'" in err


def test_zones_table_gpkg_and_rules(capsys, tmp_path):
    code, out, _ = run(cmd_zones, [EVENTS], capsys)
    assert code == 0
    lines = out.rstrip("\n").split("\n")
    assert re.match(r"^total: \d+ events in \d+ zones$", lines[-1])
    assert lines[0].startswith("period,zone_id,events")
    rules = tmp_path / "rules.toml"
    code, out, _ = run(cmd_zones, [EVENTS, "--print-rules", "--eps-km", "20"], capsys)
    assert code == 0
    assert "eps_km = 20.0" in out
    rules.write_text(out, encoding="utf-8")
    target = tmp_path / "zones.gpkg"
    code, out, _ = run(
        cmd_zones, [EVENTS, "--rules", str(rules), "--by", "year", "-o", str(target)],
        capsys,
    )  # fmt: skip
    assert code == 0
    assert out.splitlines()[0] == f"wrote {target}"
    zones = pyogrio.read_dataframe(target, layer="zones")
    assert len(zones) > 0
    assert {"period", "zone_id", "events", "score", "last_seen"} <= set(zones.columns)
    bad = tmp_path / "bad.toml"
    bad.write_text("nonsense = 1\n", encoding="utf-8")
    code, _, err = run(cmd_zones, [EVENTS, "--rules", str(bad)], capsys)
    assert code == 1
    assert "unknown rule keys" in err


def test_command_table():
    assert set(ANALYSES) == {
        "buffer",
        "corridor",
        "counts",
        "compare",
        "alerts",
        "hotspots",
        "trend",
        "zones",
        "isolation",
        "duplicates",
    }


# -- -o never destroys what it was not asked to replace ----------------------
@pytest.fixture
def small_project(tmp_path):
    """A project of 60 demo events (no base layers: the bundled ones are used)."""
    from sahelgis.io.acled import read_acled
    from sahelgis.io.project_file import save_project
    from sahelgis.model.layer_factory import event_layer
    from sahelgis.model.project import Project

    lines = paths.demo_events_csv().read_text(encoding="utf-8").splitlines()
    export = tmp_path / "events.csv"
    export.write_text("\n".join(lines[:61]) + "\n", encoding="utf-8")
    table, _ = read_acled(export)
    return save_project(Project([event_layer(table, export)]), tmp_path / "P.gpkg")


@pytest.mark.parametrize(
    ("command", "extra"),
    [
        (cmd_counts, ["--by", "region"]),
        (cmd_zones, ["--from", "2030-01-01"]),
        (cmd_buffer, ["--town", "Kati", "--radius", "30km"]),
        (cmd_corridor, ["--road", "RN3", "--within", "10km"]),
    ],
)
def test_output_onto_the_input_project_is_refused(
    small_project, command, extra, capsys
):
    before = small_project.read_bytes()
    argv = [str(small_project), *extra, "-o", str(small_project)]
    code, out, err = run(command, argv, capsys)
    assert code == 2
    assert err == "sahelgis: P.gpkg: is the input project; choose another output file\n"
    assert out == ""
    assert small_project.read_bytes() == before


def test_output_onto_another_project_is_refused(small_project, tmp_path, capsys):
    other = tmp_path / "Q.gpkg"
    other.write_bytes(small_project.read_bytes())
    code, _, err = run(cmd_counts, [EVENTS, "--by", "region", "-o", str(other)], capsys)
    assert code == 2
    assert err.startswith("sahelgis: Q.gpkg: is a SahelGIS project; choose another")
    assert other.read_bytes() == small_project.read_bytes()


def test_zones_without_result_leaves_an_existing_file(small_project, tmp_path, capsys):
    old = tmp_path / "zones.gpkg"
    old.write_bytes(b"an earlier result")
    argv = [str(small_project), "--from", "2030-01-01", "-o", str(old)]
    code, _, err = run(cmd_zones, argv, capsys)
    assert code == 0
    assert "0 support zones" in err
    assert "nothing written" in err
    assert old.read_bytes() == b"an earlier result"


def test_output_keeps_mode_and_refuses_read_only(small_project, tmp_path, capsys):
    out = tmp_path / "counts.csv"
    out.write_text("old\n", encoding="utf-8")
    out.chmod(0o600)
    argv = [str(small_project), "--by", "region", "-o", str(out)]
    assert run(cmd_counts, argv, capsys)[0] == 0
    assert out.read_text(encoding="utf-8").startswith("adm1_name")
    assert out.stat().st_mode & 0o777 == 0o600
    out.chmod(0o400)
    code, _, err = run(cmd_counts, argv, capsys)
    assert code == 1
    assert err == (
        "sahelgis: counts.csv: is read-only; make it writable or save under "
        "another name\n"
    )


@pytest.mark.parametrize(
    ("command", "argv", "message"),
    [
        (
            cmd_buffer,
            ["--town", "Nara", "--radius", "1e9km"],
            "--radius = '1e9km': distance",
        ),
        (cmd_buffer, ["--town", "Nara", "--radius", "10, 5000 km"], "2,000 km limit"),
        (
            cmd_buffer,
            ["--town", "Nara", "--radius", "5km", "--from", "99999-01-01"],
            "--from = '99999-01-01'",
        ),
        (
            cmd_buffer,
            ["--town", "Nara", "--radius", "5km", "--to", "1850-01-01"],
            "the year must be 1900 to 2100",
        ),
        (cmd_corridor, ["--road", "RN4", "--within", "inf km"], "--within"),
        (
            cmd_corridor,
            ["--road", "RN4", "--within", "5km", "--segment", "1e7km"],
            "--segment",
        ),
        (cmd_counts, ["--by", "hex:1e9km"], "'1e9km' is larger than the 2,000 km"),
        (cmd_counts, ["--by", "cercle", "--classes", "0"], "--classes = 0"),
        (
            cmd_counts,
            ["--by", "cercle", "--classify", "fixed", "--breaks", "1,nan"],
            "breaks = '1,nan'",
        ),
        (cmd_zones, ["--eps-km", "nan"], "--eps-km = nan"),
        (cmd_zones, ["--margin-km", "1e9"], "--margin-km = 1000000000.0 km"),
        (cmd_zones, ["--min-events", "-1"], "--min-events = -1"),
    ],
)
def test_numeric_options_out_of_bounds_are_one_line_errors(
    capsys, command, argv, message
):
    code, out, err = run(command, [EVENTS, *argv], capsys)
    assert code == 1
    assert out == ""
    assert err.startswith("sahelgis: ")
    assert message in err
    assert len(err.strip().splitlines()) == 1
