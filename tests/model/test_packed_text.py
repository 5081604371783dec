"""Packed (compressed) text: the notes column, checked against plain Python lists."""

from __future__ import annotations

import pickle
import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from sahelgis.model.packed_column import (
    PackedTextArray,
    PackedTextDtype,
    pack_text,
)
from sahelgis.model.packed_text import BLOCK_ROWS, PackedText

N = 3 * BLOCK_ROWS + 123  # several blocks and a short last one


def _values(n: int = N, seed: int = 0) -> list[str | None]:
    rng = np.random.default_rng(seed)
    words = ["JNIM", "attack", "Nara", "école", "taxes", "zakat", "convoi", "RN3"]
    out: list[str | None] = []
    for i in range(n):
        if i % 101 == 7:
            out.append(None)
        elif i % 53 == 0:
            out.append("")
        else:
            k = int(rng.integers(1, 12))
            out.append(" ".join(rng.choice(words, k)) + f" #{i}")
    return out


def _read(array: PackedTextArray) -> list[str | None]:
    return [None if pd.isna(v) else v for v in np.asarray(array, dtype=object)]


def test_round_trip_keeps_every_value_and_missing() -> None:
    values = _values()
    packed = pack_text(values)
    assert len(packed) == N
    assert _read(packed) == values
    assert packed.isna().tolist() == [v is None for v in values]
    assert packed[5] == values[5]
    assert pd.isna(packed[7])
    assert packed[-1] == values[-1]


def test_far_smaller_than_arrow_text_for_repetitive_notes() -> None:
    values = [
        f"On {i % 28 + 1} March 2024, JNIM attacked a FAMa post near Nara."
        for i in range(20_000)
    ]
    packed = pack_text(values)
    arrow = pa.array(values, pa.string())
    assert packed.nbytes < arrow.nbytes / 5


def test_sort_filter_concat_keep_rows_not_text() -> None:
    values = _values()
    rng = np.random.default_rng(1)
    key = rng.integers(0, 1000, N)
    frame = pd.DataFrame({"key": key, "notes": pack_text(values)})
    ordered = frame.sort_values("key", kind="stable").reset_index(drop=True)
    expected = [values[i] for i in np.argsort(key, kind="stable")]
    assert isinstance(ordered["notes"].dtype, PackedTextDtype)
    assert _read(ordered["notes"].array) == expected
    # the view shares the compressed blocks
    assert ordered["notes"].array.text is frame["notes"].array.text
    mask = key % 3 == 0
    assert _read(frame[mask]["notes"].array) == [
        v for v, m in zip(values, mask, strict=True) if m
    ]
    both = pd.concat([frame, frame.iloc[::-7]], ignore_index=True)
    assert _read(both["notes"].array) == values + values[::-7]
    other = pd.DataFrame({"key": [1, 2], "notes": pd.Series(["x", None], dtype="str")})
    mixed = pd.concat([frame.iloc[:3], other], ignore_index=True)
    assert isinstance(mixed["notes"].dtype, PackedTextDtype)
    assert _read(mixed["notes"].array) == [*values[:3], "x", None]


def test_take_with_fill_gives_missing() -> None:
    values = _values(50)
    packed = pack_text(values)
    taken = packed.take([3, -1, 0], allow_fill=True)
    assert _read(taken) == [values[3], None, values[0]]
    assert _read(packed.take([-1, 0])) == [values[-1], values[0]]


def test_compacted_equals_the_view_for_any_order() -> None:
    values = _values()
    packed = pack_text(values)
    for rows in (
        np.random.default_rng(2).permutation(N),
        np.arange(N)[::-1].copy(),
        np.arange(0, N, 3),
    ):
        view = PackedTextArray(packed.text, rows)
        compact = view.compacted()
        assert compact.rows is None
        assert _read(compact) == [values[i] for i in rows]


def test_string_methods_and_conversions() -> None:
    values = _values(600)
    series = pd.Series(pack_text(values))
    expected = [
        bool(v) and re.search("nara|zakat", v, re.I) is not None for v in values
    ]
    found = series.str.contains("nara|zakat", case=False, regex=True, na=False)
    assert found.tolist() == expected
    assert series.str.contains("Nara", na=False).tolist() == [
        v is not None and "Nara" in v for v in values
    ]
    as_str = series.astype("str")
    assert isinstance(as_str.dtype, pd.StringDtype)
    assert as_str.fillna("").tolist() == ["" if v is None else v for v in values]
    assert series.fillna("-").tolist() == ["-" if v is None else v for v in values]
    assert pa.array(series.array).to_pylist() == values
    assert pickle.loads(pickle.dumps(series)).tolist() == series.tolist()
    assert series.astype(object).tolist()[8] == values[8]


def test_blocks_from_a_file_are_checked() -> None:
    values = _values()
    text = pack_text(values).text
    table = text.to_arrow_table()
    back = PackedText.from_arrow_table(table, N)
    back.check_all()
    assert _read(PackedTextArray(back)) == values
    with pytest.raises(ValueError, match="rows"):
        PackedText.from_arrow_table(table, N + 1)
    # a block whose text is not what it declares
    blocks = table.column("block").to_pylist()
    blocks[1] = blocks[0]
    forged = table.set_column(3, "block", pa.array(blocks, pa.binary()))
    with pytest.raises(ValueError, match="block 1"):
        PackedText.from_arrow_table(forged, N).check_all()
    # a block that is not zstd at all
    blocks[1] = b"\x00" * 40
    broken = table.set_column(3, "block", pa.array(blocks, pa.binary()))
    with pytest.raises(ValueError, match="block 1"):
        PackedText.from_arrow_table(broken, N).check_all()
    # a block declaring a gigantic size is refused before anything is allocated
    sizes = table.column("data_bytes").to_numpy().copy()
    sizes[0] = 1 << 40
    huge = table.set_column(1, "data_bytes", pa.array(sizes))
    with pytest.raises(ValueError, match="too many"):
        PackedText.from_arrow_table(huge, N)


def test_invalid_utf8_in_a_forged_block_is_refused() -> None:
    # build a one-row block by hand: offsets [0, 2] and bytes that are not UTF-8
    raw = np.array([0, 2], dtype=np.int32).tobytes() + b"\xff\xfe"
    block = pa.Codec("zstd").compress(raw, asbytes=True)
    text = PackedText(
        [block], np.array([0, 1]), np.array([2]), np.array([False]), checked=False
    )
    with pytest.raises(ValueError, match="UTF-8"):
        text.check_all()


def test_files_written_from_a_packed_column_read_back_as_plain_text(tmp_path) -> None:
    import pyarrow.parquet as pq

    frame = pd.DataFrame({"k": [1, 2], "notes": pack_text(["a", None])})
    pq.write_table(pa.Table.from_pandas(frame), tmp_path / "x.parquet")
    back = pq.read_table(tmp_path / "x.parquet").to_pandas()
    # Arrow's pandas metadata records plain text, not our dtype: any reader
    assert isinstance(back["notes"].dtype, pd.StringDtype)
    assert back["notes"].isna().tolist() == [False, True]


def test_scattered_rows_compact_in_bigger_windows(monkeypatch) -> None:
    from sahelgis.model import packed_column

    values = _values()
    packed = pack_text(values)
    monkeypatch.setattr(packed_column, "WINDOW_ROWS", 256)
    monkeypatch.setattr(packed_column, "SCATTERED_WINDOW_BYTES", 40_000)
    gathered: list[int] = []
    real = PackedText.gather

    def counted(self, rows):
        gathered.append(len(rows))
        return real(self, rows)

    monkeypatch.setattr(PackedText, "gather", counted)
    shuffled = np.random.default_rng(3).permutation(N)
    compact = PackedTextArray(packed.text, shuffled).compacted()
    assert _read(compact) == [values[i] for i in shuffled]
    assert max(gathered) > 256  # windows grew for the scattered order
    gathered.clear()
    PackedTextArray(packed.text, np.arange(N)[::-1].copy()).compacted()
    assert max(gathered) == 256  # an ordered view keeps the small windows


def test_take_with_a_text_filler_and_whole_concatenations() -> None:
    values = _values(40)
    packed = pack_text(values)
    taken = packed.take([2, -1], allow_fill=True, fill_value="?")
    assert _read(taken) == [values[2], "?"]
    other = pack_text(["x", "y"])
    both = PackedTextArray._concat_same_type([packed, other])
    assert both.rows is None  # two whole texts: no row numbers kept
    assert _read(both) == [*values, "x", "y"]


def test_numbers_in_a_notes_column_become_text() -> None:
    packed = pack_text(pd.Series([7, None, "x"], dtype=object))
    assert _read(packed) == ["7", None, "x"]


def test_string_methods_run_window_by_window(monkeypatch) -> None:
    from sahelgis.model import packed_column

    monkeypatch.setattr(packed_column, "WINDOW_ROWS", 500)
    values = _values(2_300)
    packed = pd.Series(pack_text(values))
    plain = pd.Series(values, dtype="str")
    assert (
        packed.str.contains("Nara", na=False).tolist()
        == plain.str.contains("Nara", na=False).tolist()
    )
    assert (
        packed.str.lower().fillna("").tolist() == plain.str.lower().fillna("").tolist()
    )
    assert packed.str.len().fillna(-1).tolist() == plain.str.len().fillna(-1).tolist()
    assert packed.iloc[:0].str.contains("x").tolist() == []
