"""The engine's fallbacks for inputs the fast kernels cannot take: each one still gives
Pydantic's verdict or one clear error, never a traceback."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from pydantic import BaseModel

from hub.dataset import DatasetOptions, validate_dataset
from hub.errors import UnreadableInput
from hub.infer import infer_file
from hub.kernels import re2_compatible
from hub.registry import entry_for
from hub.validate import validate


class Tagged(BaseModel):
    id: int
    tags: list[int]


def test_patterns_re2_cannot_compile_go_to_pydantic():
    assert re2_compatible(r"^[a-z]+@[a-z]+\.com$")
    assert not re2_compatible("a{1001}")  # past RE2's repetition limit
    assert not re2_compatible("x{2,1}")
    assert not re2_compatible("(?=a)b")  # look-around: Rust's regex and RE2 both refuse it
    assert not re2_compatible("[abc")  # an unclosed class


def test_a_list_column_is_judged_per_distinct_value_without_hashing(tmp_path):
    """Arrow cannot dictionary-encode a list column: distinct values are found in Python.
    More rows than the row path takes, so the column path runs."""
    n = 300
    tags = [[1, 2] if i % 3 else [3] for i in range(n)]
    tags[7], tags[200] = None, None  # missing: a required field
    path = tmp_path / "tagged.parquet"
    pq.write_table(pa.table({"id": list(range(n)), "tags": pa.array(tags, pa.list_(pa.int64()))}),
                   path)
    report = validate(path, entry_for("tagged", Tagged), max_errors=0)
    assert [(d.type, d.loc) for d in report.detail] == [("missing", ["rows", 7, "tags"]),
                                                       ("missing", ["rows", 200, "tags"])]
    assert report.rows == n


def test_infer_keeps_every_value_of_a_column_it_cannot_hash(tmp_path):
    path = tmp_path / "tagged.parquet"
    pq.write_table(pa.table({"id": [1, 2], "tags": pa.array([[1], [2, 3]],
                                                            pa.list_(pa.int64()))}), path)
    inf = infer_file(path)
    assert [f.header for f in inf.fields] == ["id", "tags"] and inf.rows == 2


def test_a_dataset_with_a_damaged_parquet_file_says_which(tmp_path):
    drop = tmp_path / "drop"
    drop.mkdir()
    pq.write_table(pa.table({"id": [1, 2], "tags": pa.array([[1], [2]],
                                                            pa.list_(pa.int64()))}),
                   drop / "a.parquet")
    (drop / "b.parquet").write_bytes(b"PAR1" + b"\x00damaged" * 20 + b"PAR1")
    with pytest.raises(UnreadableInput, match=r"b\.parquet: not a readable Parquet file"):
        validate_dataset(str(drop), entry_for("tagged", Tagged), DatasetOptions())


def test_a_ragged_row_after_the_stream_took_over_is_reported_at_its_line(tmp_path):
    """A quoted line break makes the streaming reader take over; a row with too few cells in
    a later block of that reader sends the file to the careful reader, which says where."""
    class Row(BaseModel):
        id: int
        note: str

    lines = ["id,note", '1,"two\nlines"']
    lines += [f"{i},{'x' * 60}" for i in range(2, 300_000)]
    lines.append("300000")  # one cell short, ~18 MB in: past the stream's first 16 MB block
    path = tmp_path / "ragged.csv"
    path.write_text("\n".join(lines) + "\n")
    report = validate(path, entry_for("row", Row), max_errors=0)
    structural = [(d.type, d.loc, d.line) for d in report.detail if d.type == "too_few_cells"]
    assert structural == [("too_few_cells", ["rows", 299_999], 300_002)]
