"""The ACLED reader in pieces: record boundaries, dictionaries, same table."""

from __future__ import annotations

import csv
import io

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from sahelgis.io import acled_read
from sahelgis.io.acled import read_acled
from tests.io.test_acled import make_rows, write_csv

TRICKY_NOTES = [
    'A "quoted" word, a comma, and\na newline',
    'Two lines\n\nwith an empty one and ""doubled"" quotes',
    "plain",
    '"starts with a quote',
    "ends with a newline\n",
]


def _rows(n: int) -> list[dict[str, str]]:
    rows = make_rows(n)
    for i, row in enumerate(rows):
        row["notes"] = TRICKY_NOTES[i % len(TRICKY_NOTES)] + f" #{i}"
        row["event_date"] = f"2024-0{1 + (n - i) % 9}-1{i % 10}"  # not in order
        row["location"] = f"Place {i % 7}"
    return rows


def test_pieces_end_only_at_record_boundaries(monkeypatch):
    monkeypatch.setattr(acled_read, "_BLOCK_BYTES", 37)
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(["id", "notes"])
    for i, note in enumerate(TRICKY_NOTES * 20):
        writer.writerow([f"E{i}", note])
    data = buffer.getvalue().encode()
    pieces = list(acled_read._record_pieces(io.BytesIO(data)))
    assert b"".join(pieces) == data
    assert len(pieces) > 10
    records = 0
    for piece in pieces:
        assert piece.count(b'"') % 2 == 0  # never cut inside quotes
        records += len(list(csv.reader(io.StringIO(piece.decode(), newline=""))))
    assert records == 1 + len(TRICKY_NOTES) * 20


def test_a_record_longer_than_a_block_stays_whole(monkeypatch):
    monkeypatch.setattr(acled_read, "_BLOCK_BYTES", 16)
    long_note = '"' + "x\n" * 500 + '"'
    data = f"id,notes\nA,{long_note}\nB,short\n".encode()
    pieces = list(acled_read._record_pieces(io.BytesIO(data)))
    assert b"".join(pieces) == data
    assert any(long_note.encode() in piece for piece in pieces)


def test_small_pieces_give_the_same_table_and_report(tmp_path, monkeypatch):
    rows = _rows(300)
    rows[17]["latitude"] = "north"  # a reject in the middle
    rows[250]["event_id_cnty"] = rows[3]["event_id_cnty"]  # a duplicate id
    path = write_csv(tmp_path / "acled.csv", rows)
    whole, whole_report = read_acled(path)
    monkeypatch.setattr(acled_read, "_BLOCK_BYTES", 200)
    pieced, pieced_report = read_acled(path)
    pd.testing.assert_frame_equal(pieced.frame, whole.frame)
    pd.testing.assert_frame_equal(pieced_report.rejects, whole_report.rejects)
    assert sorted(set(pieced_report.rejects["row"])) == [18, 251]
    assert pieced.frame["notes"].str.contains("\n").any()
    assert pieced.frame["location"].cat.categories.tolist() == [
        f"Place {k}" for k in range(7)
    ]


def test_dictionary_codes_widen_past_65536_values():
    builder = acled_read._DictionaryBuilder()
    values = [f"v{i}" for i in range(70_000)]
    parts = [[*values[i : i + 20_000], "v0"] for i in range(0, len(values), 20_000)]
    for part in parts:
        builder.add(pa.array(part).dictionary_encode())
    column = builder.finish()
    assert column.type.index_type == pa.int32()
    decoded = column.cast(pa.string()).to_pylist()
    assert decoded == [v for part in parts for v in part]


def test_small_dictionaries_take_two_bytes_a_row():
    builder = acled_read._DictionaryBuilder()
    builder.add(pa.array(["a", "b", "a"]).dictionary_encode())
    builder.add(pa.array(["c", "a"]).dictionary_encode())
    column = builder.finish()
    assert column.type.index_type == pa.int16()
    assert column.cast(pa.string()).to_pylist() == ["a", "b", "a", "c", "a"]
    assert np.asarray(column.chunk(0).indices).tolist() == [0, 1, 0, 2, 0]


@pytest.mark.parametrize("text", ["", "id,notes\n"])
def test_empty_input_gives_no_pieces_of_rows(text):
    pieces = list(acled_read._record_pieces(io.BytesIO(text.encode())))
    assert b"".join(pieces) == text.encode()


@pytest.mark.parametrize("kind", ["random", "reverse", "runs", "drop_a_chunk"])
def test_take_releasing_is_a_take(kind, monkeypatch):
    from sahelgis.io import acled_parse

    monkeypatch.setattr(acled_parse, "_TAKE_BLOCK", 7)
    rng = np.random.default_rng(3)
    values = [f"note {i}" * (i % 4) for i in range(200)]
    chunks = [pa.array(values[i : i + 23]) for i in range(0, 200, 23)]
    column = pa.chunked_array(chunks)
    if kind == "random":
        order = rng.permutation(200)
    elif kind == "reverse":
        order = np.arange(199, -1, -1)
    elif kind == "runs":
        order = np.argsort(np.arange(200) % 3, kind="stable")
    else:
        order = np.concatenate([np.arange(0, 23), np.arange(46, 200)])[::-1]
    expected = pc.take(column, pa.array(order)).to_pylist()
    got = acled_parse._take_releasing(column, order)
    assert got.to_pylist() == expected
    assert got.type == column.type
    assert acled_parse._take_releasing(column, order[:0]).to_pylist() == []
