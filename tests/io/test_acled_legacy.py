"""Pre-2019 ACLED exports: old event types mapped, originals kept, old column names.

Every file here is made by seeded code in the test; none holds real ACLED rows.
"""

from __future__ import annotations

import csv
import gzip
import io
import random
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pytest

from sahelgis.errors import InputError
from sahelgis.io import limits
from sahelgis.io.acled import read_acled
from sahelgis.io.acled_legacy import (
    BY_ACTOR_TYPE,
    BY_INTERACTION,
    BY_NOTES,
    EVENT_TYPE_MAPPING,
    EVENT_TYPE_ORIGINAL,
    LEGACY_EVENT_TYPES,
    RENAMED,
    SUB_EVENT_TYPE_ORIGINAL,
    UNRESOLVED,
    legacy_name,
)
from sahelgis.model import acled_schema as acled
from sahelgis.model.event_query import EventQuery
from sahelgis.model.filters import EventFilter
from sahelgis.model.layers import EventLayer

#: The column set of a pre-2019 export (no sub_event_type, ally actors).
OLD_HEADER = (
    "data_id",
    "iso",
    "event_id_cnty",
    "event_id_no_cnty",
    "event_date",
    "year",
    "time_precision",
    "event_type",
    "actor1",
    "ally_actor_1",
    "inter1",
    "actor2",
    "ally_actor_2",
    "inter2",
    "interaction",
    "region",
    "country",
    "admin1",
    "admin2",
    "admin3",
    "location",
    "latitude",
    "longitude",
    "geo_precision",
    "source",
    "source_scale",
    "notes",
    "fatalities",
    "timestamp",
    "iso3",
)


def old_row(i: int, rng: random.Random, **overrides: str) -> dict[str, str]:
    """One made-up pre-2019 row (SYNTHETIC source, random place in Mali)."""
    row = {
        "data_id": str(1000 + i),
        "iso": "466",
        "event_id_cnty": f"MLI{i}",
        "event_id_no_cnty": str(i),
        "event_date": f"{rng.randint(1, 28):02d}-0{rng.randint(1, 9)}-2015",
        "year": "2015",
        "time_precision": "1",
        "event_type": "Battle-No change of territory",
        "actor1": "Synthetic armed group A",
        "ally_actor_1": f"Synthetic ally {i}",
        "inter1": "2",
        "actor2": "Synthetic armed group B",
        "ally_actor_2": "",
        "inter2": "3",
        "interaction": "23",
        "region": "Western Africa",
        "country": "Mali",
        "admin1": "Mopti",
        "admin2": "Mopti",
        "admin3": "",
        "location": f"Place {i}",
        "latitude": f"{rng.uniform(13.0, 16.0):.4f}",
        "longitude": f"{rng.uniform(-5.0, -1.0):.4f}",
        "geo_precision": "1",
        "source": "SYNTHETIC",
        "source_scale": "Local",
        "notes": "Synthetic note.",
        "fatalities": "0",
        "timestamp": "1552577545",
        "iso3": "MLI",
    }
    row.update(overrides)
    return row


def write(path: Path, rows: list[dict[str, str]], header: tuple[str, ...]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(header))
        writer.writeheader()
        writer.writerows(rows)
    return path


# (old event_type, overrides, expected event_type, sub_event_type, mapping flag)
CASES: list[tuple[str, dict[str, str], str, str, str]] = [
    ("Battle-No change of territory", {}, "Battles", "Armed clash", RENAMED),
    (
        "Battle-Government regains territory",
        {},
        "Battles",
        "Government regains territory",
        RENAMED,
    ),
    (
        "Battle-Non-state actor overtakes territory",
        {},
        "Battles",
        "Non-state actor overtakes territory",
        RENAMED,
    ),
    (
        "Headquarters or base established",
        {},
        "Strategic developments",
        "Headquarters or base established",
        RENAMED,
    ),
    (
        "Non-violent transfer of territory",
        {},
        "Strategic developments",
        "Non-violent transfer of territory",
        RENAMED,
    ),
    ("Remote violence", {}, "Explosions/Remote violence", "", RENAMED),
    (
        "Remote violence",
        {"notes": "An IED exploded on the road."},
        "Explosions/Remote violence",
        "Remote explosive/landmine/IED",
        BY_NOTES,
    ),
    (
        "Remote violence",
        {"notes": "Mortar shells hit the camp."},
        "Explosions/Remote violence",
        "Shelling/artillery/missile attack",
        BY_NOTES,
    ),
    ("Violence against civilians", {}, "Violence against civilians", "Attack", RENAMED),
    (
        "Violence against civilians",
        {"notes": "Gunmen kidnapped two traders."},
        "Violence against civilians",
        "Abduction/forced disappearance",
        BY_NOTES,
    ),
    ("Strategic development", {}, "Strategic developments", "Other", RENAMED),
    (
        "Strategic development",
        {"notes": "Police arrested a suspect."},
        "Strategic developments",
        "Arrests",
        BY_NOTES,
    ),
    (
        "Riots/Protests",
        {"inter1": "5", "actor2": "", "inter2": "0", "interaction": "50"},
        "Riots",
        "Violent demonstration",
        BY_ACTOR_TYPE,
    ),
    (
        "Riots/Protests",
        {"inter1": "6", "actor2": "", "inter2": "0", "interaction": "60"},
        "Protests",
        "Peaceful protest",
        BY_ACTOR_TYPE,
    ),
    (
        "Riots/Protests",
        {"inter1": "1", "inter2": "6", "interaction": "16", "fatalities": "2"},
        "Protests",
        "Excessive force against protesters",
        BY_ACTOR_TYPE,
    ),
    (
        "Riots/Protests",
        {"inter1": "5", "inter2": "7", "interaction": "57"},
        "Riots",
        "Mob violence",
        BY_ACTOR_TYPE,
    ),
    (
        "Riots/Protests",
        {"inter1": "", "inter2": "", "interaction": "15"},
        "Riots",
        "Violent demonstration",
        BY_INTERACTION,
    ),
    (
        "Riots/Protests",
        {"inter1": "", "actor2": "", "inter2": "", "interaction": ""},
        "Protests",
        "Peaceful protest",
        UNRESOLVED,
    ),
]


@pytest.fixture(scope="module")
def old_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    rng = random.Random(17)
    rows = [
        old_row(i, rng, event_type=old, **overrides)
        for i, (old, overrides, *_rest) in enumerate(CASES, start=1)
    ]
    return write(tmp_path_factory.mktemp("legacy") / "old.csv", rows, OLD_HEADER)


def test_every_old_type_is_known() -> None:
    covered = {case[0] for case in CASES}
    assert set(LEGACY_EVENT_TYPES) - covered == {
        "Non-violent activity by a conflict actor"
    }
    for new_type, new_sub in LEGACY_EVENT_TYPES.values():
        assert new_type in acled.EVENT_TYPES
        assert new_sub == "" or new_sub in acled.TAXONOMY[new_type]
    assert legacy_name("battle - no change of territory") == (
        "Battle-No change of territory"
    )
    assert legacy_name("RIOTS / PROTESTS") == "Riots/Protests"
    assert legacy_name("Battles") is None


def test_old_types_map_and_originals_are_kept(old_file: Path) -> None:
    table, report = read_acled(old_file)
    frame = table.frame.set_index(acled.EVENT_ID)
    assert len(frame) == len(CASES)
    for i, (old, _overrides, new_type, new_sub, flag) in enumerate(CASES, start=1):
        row = frame.loc[f"MLI{i}"]
        got = (
            row[acled.EVENT_TYPE],
            row[acled.SUB_EVENT_TYPE],
            row[EVENT_TYPE_MAPPING],
        )
        assert got == (new_type, new_sub, flag), old
        assert row[EVENT_TYPE_ORIGINAL] == old
        assert row[SUB_EVENT_TYPE_ORIGINAL] == ""
    assert set(frame[acled.EVENT_TYPE].cat.categories) <= set(acled.EVENT_TYPES)
    assert report.legacy_mapped == len(CASES)
    assert report.legacy_unresolved == 1
    assert report.summary() == (
        f"read {len(CASES)} rows, rejected 0; {len(CASES)} events with pre-2019 "
        "types mapped (1 Riots/Protests unresolved)"
    )
    assert not any("outside the ACLED list" in w for w in report.warnings)
    assert any("pre-2019 event types mapped" in w for w in report.warnings)


def test_ally_actors_become_assoc_actors(old_file: Path) -> None:
    table, report = read_acled(old_file)
    frame = table.frame.set_index(acled.EVENT_ID)
    assert frame.loc["MLI3", acled.ASSOC_ACTOR_1] == "Synthetic ally 3"
    assert "ally_actor_1" not in frame.columns
    assert "ally_actor_2" not in frame.columns
    assert not any("extra columns" in w for w in report.warnings)
    assert any("ally_actor_1 as assoc_actor_1" in w for w in report.warnings)


def test_filters_and_type_codes_see_mapped_types(old_file: Path) -> None:
    table, _ = read_acled(old_file)
    layer = EventLayer(name="old", events=table)
    query = EventQuery(layer)
    assert query.type_names == acled.EVENT_TYPES  # no unknown extra types
    counts = np.bincount(query.type_codes, minlength=len(query.type_names))
    by_type = dict(zip(query.type_names, counts.tolist(), strict=True))
    assert by_type["Battles"] == 3
    assert by_type["Riots"] == 3
    assert by_type["Protests"] == 3
    mask = EventFilter(event_types=frozenset({"Riots"})).mask(table.frame)
    assert int(mask.sum()) == 3
    assert set(table.frame[acled.EVENT_TYPE]) <= set(acled.EVENT_TYPE_COLORS)


def test_upper_and_mixed_case_headers(tmp_path: Path) -> None:
    rng = random.Random(3)
    rows = [old_row(i, rng) for i in range(1, 4)]
    header = tuple(
        name.upper() if k % 2 else name.replace("_", " ").title()
        for k, name in enumerate(OLD_HEADER)
    )
    renamed = [
        {h: row[name] for h, name in zip(header, OLD_HEADER, strict=True)}
        for row in rows
    ]
    table, report = read_acled(write(tmp_path / "upper.csv", renamed, header))
    assert len(table) == 3
    assert set(table.frame[acled.EVENT_TYPE]) == {"Battles"}
    assert table.frame[acled.ASSOC_ACTOR_1].iloc[0].startswith("Synthetic ally")
    assert not any("extra columns" in w for w in report.warnings)


def test_current_file_is_untouched(tmp_path: Path) -> None:
    rng = random.Random(5)
    rows = [
        old_row(i, rng, event_type="Violence against civilians") for i in range(1, 3)
    ]
    header = tuple(
        acled.ASSOC_ACTOR_1 if n == "ally_actor_1" else n
        for n in OLD_HEADER
        if n != "ally_actor_2"
    )
    for row in rows:
        row[acled.ASSOC_ACTOR_1] = row.pop("ally_actor_1")
        row.pop("ally_actor_2")
    table, report = read_acled(write(tmp_path / "new.csv", rows, header))
    assert EVENT_TYPE_ORIGINAL not in table.frame.columns
    assert report.legacy_mapped == 0
    assert report.summary() == "read 2 rows, rejected 0"


def test_both_ally_and_assoc_columns_keep_assoc(tmp_path: Path) -> None:
    rng = random.Random(9)
    rows = [old_row(1, rng)]
    rows[0][acled.ASSOC_ACTOR_1] = "Named assoc"
    header = (*OLD_HEADER, acled.ASSOC_ACTOR_1)
    table, _ = read_acled(write(tmp_path / "both.csv", rows, header))
    assert table.frame[acled.ASSOC_ACTOR_1].iloc[0] == "Named assoc"
    assert table.frame["ally_actor_1"].iloc[0] == "Synthetic ally 1"


def test_old_workbook(tmp_path: Path) -> None:
    rng = random.Random(11)
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(list(OLD_HEADER))
    for i, old in enumerate(["Riots/Protests", "Remote violence"], start=1):
        row = old_row(i, rng, event_type=old, inter1="6")
        sheet.append([row[h] for h in OLD_HEADER])
    path = tmp_path / "old.xlsx"
    book.save(path)
    table, report = read_acled(path)
    assert sorted(table.frame[acled.EVENT_TYPE]) == [
        "Explosions/Remote violence",
        "Protests",
    ]
    assert report.legacy_mapped == 2
    assert "2 events with pre-2019 types mapped" in report.summary()


def test_older_date_forms(tmp_path: Path) -> None:
    rng = random.Random(21)
    forms = [
        "01-January-2015",
        "42005",  # Excel serial day number of 2015-01-01
        "2015-01-01T08:30:00Z",
        "2015-01-01T08:30:00+01:00",
        "2015-01-01 08:30",
    ]
    rows = [old_row(i, rng, event_date=d) for i, d in enumerate(forms, start=1)]
    rows.append(old_row(99, rng, event_date="123"))  # not a serial date
    table, report = read_acled(write(tmp_path / "dates.csv", rows, OLD_HEADER))
    assert len(table) == len(forms)
    assert set(table.frame[acled.EVENT_DATE].dt.strftime("%Y-%m-%d")) == {"2015-01-01"}
    assert report.rejects["reason"].tolist() == ["unparseable date"]


# --- compressed exports -----------------------------------------------------------


def _old_csv_bytes(n: int, seed: int) -> bytes:
    rng = random.Random(seed)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(OLD_HEADER), lineterminator="\n")
    writer.writeheader()
    writer.writerows(old_row(i, rng) for i in range(1, n + 1))
    return buffer.getvalue().encode("utf-8")


def test_gzip_csv(tmp_path: Path) -> None:
    path = tmp_path / "export.csv.gz"
    path.write_bytes(gzip.compress(_old_csv_bytes(4, 1), mtime=0))
    table, report = read_acled(path)
    assert len(table) == 4
    assert report.path == path
    assert "read export.csv from the compressed file" in report.warnings


def test_zip_first_csv_inside(tmp_path: Path) -> None:
    path = tmp_path / "acled.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("__MACOSX/._data.csv", b"\x00\x05junk")
        archive.writestr("README.txt.pdf", b"%PDF-1.4")
        archive.writestr("folder/data.csv", _old_csv_bytes(3, 2))
        archive.writestr("other.csv", _old_csv_bytes(5, 3))
    table, report = read_acled(path)
    assert len(table) == 3
    assert report.legacy_mapped == 3


def test_zip_holding_a_workbook(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(list(OLD_HEADER))
    rng = random.Random(4)
    sheet.append(list(old_row(1, rng).values()))
    inner = tmp_path / "inner.xlsx"
    book.save(inner)
    path = tmp_path / "acled.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.write(inner, "export.xlsx")
    table, _ = read_acled(path)
    assert len(table) == 1


def test_packed_limits_and_damage(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    big = tmp_path / "big.csv.gz"
    big.write_bytes(gzip.compress(_old_csv_bytes(50, 5), mtime=0))
    monkeypatch.setattr(limits, "MAX_ARCHIVE_UNPACKED_BYTES", 1000)
    with pytest.raises(InputError, match=r"big\.csv\.gz: refused: .* unpacks to more"):
        read_acled(big)
    cut = tmp_path / "cut.csv.gz"
    cut.write_bytes(gzip.compress(_old_csv_bytes(50, 5), mtime=0)[:200])
    with pytest.raises(InputError, match=r"cut\.csv\.gz: damaged compressed file"):
        read_acled(cut)
    nested = tmp_path / "nested.zip"
    with zipfile.ZipFile(nested, "w") as archive:
        archive.writestr("inner.csv", gzip.compress(b"a,b\n1,2\n"))
    with pytest.raises(InputError, match="archive inside an archive"):
        read_acled(nested)
    many = tmp_path / "many.zip"
    with zipfile.ZipFile(many, "w") as archive:
        for k in range(limits.MAX_ARCHIVE_MEMBERS + 1):
            archive.writestr(f"f{k}.txt", b"")
    with pytest.raises(InputError, match="members"):
        read_acled(many)
    wrong = tmp_path / "wrong.zip"
    with zipfile.ZipFile(wrong, "w") as archive:
        archive.writestr("data.csv", b"a,b\n1,2\n")
    with pytest.raises(InputError, match=r"wrong\.zip: data\.csv: not an ACLED"):
        read_acled(wrong)


# --- workbooks with a title or several sheets ---------------------------------------


def test_workbook_table_on_another_sheet_below_a_title(tmp_path: Path) -> None:
    rng = random.Random(8)
    book = openpyxl.Workbook()
    cover = book.active
    assert cover is not None
    cover.title = "About"
    cover.append(["Synthetic export made for a test"])
    cover.append(["event_id_cnty", "comment"])  # not the ACLED header
    data = book.create_sheet("Data")
    data.append(["ACLED export, Mali 2015 (synthetic)"])
    data.append([])
    data.append(list(OLD_HEADER))
    for i in range(1, 4):
        data.append(list(old_row(i, rng).values()))
    path = tmp_path / "titled.xlsx"
    book.save(path)
    table, report = read_acled(path)
    assert len(table) == 3
    assert "ACLED table read from sheet 'Data'" in report.warnings
    assert "rows above the header (row 3) skipped" in report.warnings
    assert report.rejects.empty


def test_workbook_without_acled_header_still_explains(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["name", "value"])
    sheet.append(["a", "1"])
    path = tmp_path / "other.xlsx"
    book.save(path)
    with pytest.raises(InputError, match="not an ACLED export"):
        read_acled(path)
