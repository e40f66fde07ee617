"""Streaming: pieces, workers and batch boundaries change nothing in the report."""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path
from typing import Annotated

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from pydantic import BaseModel

import hub.readers
from hub.registry import entry_for
from hub.rules import Unique
from hub.validate import validate
from tests.core.orders_data import Order, body_of, order_rows, write_orders


@pytest.fixture(scope="module")
def big(tmp_path_factory) -> Path:
    return write_orders(tmp_path_factory.mktemp("s") / "orders.csv", order_rows(3000))


def test_pieces_and_workers_change_nothing(big):
    entry = entry_for("order", Order)
    reference = body_of(validate(big, entry, max_errors=0, workers=1))
    assert reference["error_count"] > 100
    for piece, workers in [(700, 2), (4096, 1), (50_000, 2)]:
        got = body_of(validate(big, entry, max_errors=0, workers=workers, piece_bytes=piece))
        assert got == reference, (piece, workers)
    capped = body_of(validate(big, entry, max_errors=7, piece_bytes=700))
    assert capped["detail"] == reference["detail"][:7]
    assert capped["errors_by_column"] == reference["errors_by_column"]


def test_mapped_piece_buffers_read_what_small_ones_read(tmp_path):
    """Pieces of 1 MB or more are read into anonymous maps, smaller ones into bytearrays
    (hub.pieces); the report cannot tell."""
    from hub import pieces as cutting

    path = write_orders(tmp_path / "orders.csv", order_rows(70_000))
    assert path.stat().st_size > 2 * cutting._MAPPED
    entry = entry_for("order", Order)
    reference = body_of(validate(path, entry, max_errors=50, workers=1, piece_bytes=500_000))
    assert reference["error_count"] > 1000
    for workers in (1, 2):
        got = body_of(validate(path, entry, max_errors=50, workers=workers,
                             piece_bytes=cutting._MAPPED))
        assert got == reference, workers
    pieces = list(cutting.plan(path, 0, cutting._MAPPED))
    assert len(pieces) >= 2 and all(not isinstance(p.buf, bytearray) for p in pieces)


def test_every_duplicate_names_the_first_row(big):
    report = validate(big, entry_for("order", Order), max_errors=0, piece_bytes=700)
    with big.open(newline="") as fh:
        rows = list(csv.reader(fh))[1:]
    first: dict[int, int] = {}
    expected = {}
    for i, row in enumerate(rows):
        try:
            key = int(row[0].strip().replace("_", ""))
        except ValueError:
            continue
        if key <= 0:
            continue
        if key in first:
            expected[i] = first[key]
        first.setdefault(key, i)
    got = {d.loc[1]: d.ctx["first_row"] for d in report.detail
           if d.type == "duplicate_value" and d.loc[2] == "id"}
    assert got == expected
    some = next(d for d in report.detail if d.type == "duplicate_value")
    assert some.msg == f"Duplicate value: first seen at row {some.ctx['first_row']}"
    assert any(d.type == "duplicate_key" and d.loc[2] == "shop,ref" for d in report.detail)


def test_detail_items_carry_the_row_key(big):
    report = validate(big, entry_for("order", Order), max_errors=20)
    item = report.detail[0]
    assert set(item.key) == {"shop", "ref"}


def _physical_lines(path: Path) -> list[int]:
    """1-based line on which each data record starts, as the csv module reads it."""
    starts = []
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        next(reader)
        line = reader.line_num
        for _ in reader:
            starts.append(line + 1)
            line = reader.line_num
    return starts


def test_parse_blocks_and_a_record_longer_than_a_block_change_nothing(tmp_path, monkeypatch):
    """Arrow parses each piece in blocks (segments.PARSE_BLOCK); a record longer than a block
    makes Arrow refuse the piece, which is then parsed as one block, not left to the stream."""
    from hub import segments
    from hub.readers import csv_convert_options, read_header

    rows = order_rows(2000)
    rows[700][5] = "n" * 5000
    path = write_orders(tmp_path / "blocks.csv", rows)
    entry = entry_for("order", Order)
    reference = body_of(validate(path, entry, max_errors=0, workers=1, piece_bytes=1 << 30))
    assert reference["error_count"] > 50
    monkeypatch.setattr(segments, "PARSE_BLOCK", 1 << 10)
    assert body_of(validate(path, entry, max_errors=0, piece_bytes=20_000)) == reference

    header = read_header(path)
    convert = csv_convert_options(header)
    start, _ = segments.header_span(path)
    pieces = list(segments.plan(path, start, 20_000))
    long_one = next(p for p in pieces if b"n" * 5000 in bytes(p.data))
    assert segments._read(long_one.data, header, convert, 1 << 10) is None  # Arrow refuses it
    parsed = segments.parse(long_one, header, convert)
    assert not parsed.streaming and parsed.batch is not None
    assert parsed.batch.num_rows == parsed.newlines


def test_ascii_pieces_skip_utf8_validation_and_others_keep_it(tmp_path):
    """A piece of ASCII bytes is parsed without Arrow's UTF-8 check (it cannot fail); a piece
    with other bytes keeps it, so a cell that is not UTF-8 is still found at its row."""
    rows = order_rows(3000)
    rows[100][5] = "caf\u00e9"
    path = write_orders(tmp_path / "enc.csv", rows)
    data = path.read_bytes()
    cut = data.index(b"\n", len(data) * 3 // 4) + 1
    line = data.count(b"\n", 0, cut)  # the record starting at ``cut`` is data row line - 1
    bad = data[:cut] + data[cut:].replace(b",", b",\xff", 1)
    path.write_bytes(bad)
    report = validate(path, entry_for("order", Order), max_errors=0, piece_bytes=10_000)
    found = [(d.type, d.loc[1], d.line) for d in report.detail if d.type == "invalid_encoding"]
    assert found == [("invalid_encoding", line - 1, line + 1)]
    assert not any(d.loc[1] == 100 and d.loc[2] == "note" for d in report.detail)


@pytest.mark.parametrize("piece", [None, 60, 400])
def test_line_numbers_survive_quoted_newlines_and_pieces(tmp_path, piece):
    rows = order_rows(400)
    for i in (5, 150, 151, 390):
        rows[i][5] = "two\nlines"
    rows[200][5] = "three\n\nlines"
    path = write_orders(tmp_path / "nl.csv", rows)
    report = validate(path, entry_for("order", Order), max_errors=0, piece_bytes=piece)
    assert report.source.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    lines = _physical_lines(path)
    assert report.detail
    for d in report.detail:
        if d.loc[0] == "rows" and len(d.loc) > 1:
            assert d.line == lines[d.loc[1]], d


def test_blank_lines_keep_line_numbers(tmp_path):
    path = tmp_path / "blank.csv"
    path.write_text("id,shop,ref,email\n1,a,1,a@x.com\n\nx,a,2,b@x.com\n\n\n3,a,3,BAD\n")
    report = validate(path, entry_for("order", Order), max_errors=0, piece_bytes=20)
    assert [(d.loc[1], d.line) for d in report.detail] == [(1, 4), (2, 7)]


def test_the_stream_takes_over_mid_file(tmp_path, monkeypatch):
    monkeypatch.setattr(hub.readers, "CSV_BLOCK_SIZE", 1 << 10)
    rows = order_rows(600)
    rows[300][5] = "x\ny"
    path = write_orders(tmp_path / "late.csv", rows)
    entry = entry_for("order", Order)
    streamed = body_of(validate(path, entry, max_errors=0, piece_bytes=2000))
    whole = body_of(validate(path, entry, max_errors=0, workers=1, piece_bytes=1 << 30))
    assert streamed == whole


def test_progress_reports_every_row(big):
    seen: list[int] = []
    report = validate(big, entry_for("order", Order), on_rows=seen.append, piece_bytes=5000)
    assert sum(seen) == report.rows == 3000 and len(seen) > 1


class Wide(BaseModel):
    id: Annotated[int, Unique()]
    code: Annotated[str, Unique()]
    day: Annotated[str, Unique()] | None = None


def test_uniqueness_far_apart_ids_and_text_keys(tmp_path):
    ids = [1, 10**15, 2, 10**15, -(2**62), 3, -(2**62), 99999999999999999999, 99999999999999999999]
    path = tmp_path / "far.csv"
    lines = ["id,code"] + [f"{v},c{v % 7}" for v in ids]
    path.write_text("\n".join(lines) + "\n")
    report = validate(path, entry_for("wide", Wide), max_errors=0, piece_bytes=30)
    dups = {(d.loc[1], d.loc[2], d.ctx["first_row"]) for d in report.detail}
    expected = {(3, "id", 1), (6, "id", 4), (8, "id", 7)}
    codes: dict[str, int] = {}
    for i, v in enumerate(ids):
        c = f"c{v % 7}"
        if c in codes:
            expected.add((i, "code", codes[c]))
        codes.setdefault(c, i)
    assert dups == expected


def test_the_index_finds_what_a_dict_finds():
    """Every duplicate, its first row and the grouping by key, batch after batch, whichever
    way the index holds the keys (dense table, then sorted runs once they spread out)."""
    from hub.uniqueness import VectorIndex

    rng = np.random.default_rng(3)
    for _ in range(200):
        index, seen, offset = VectorIndex(), {}, 0
        high = int(rng.choice([50, 1000, 10**6, 10**12]))
        for _ in range(int(rng.integers(1, 6))):
            n = int(rng.integers(1, 400))
            keys = [None if rng.random() < 0.05 else int(rng.integers(-5, high))
                    for _ in range(n)]
            if rng.random() < 0.3:
                keys = [offset + i + 1 for i in range(n)]
            want: dict[int, tuple[int, list[int]]] = {}
            for i, k in enumerate(keys):
                if k is not None and seen.setdefault(k, offset + i) != offset + i:
                    want.setdefault(k, (seen[k], []))[1].append(i)
            got = index.check(pa.array(keys, pa.int64()), offset)
            assert {keys[at]: (first, list(rows)) for at, first, rows in got} == want
            assert [keys[at] for at, _, _ in got] == sorted(want)
            offset += n


def test_parquet_batches_and_dense_to_sparse_index(tmp_path, monkeypatch):
    monkeypatch.setattr(hub.readers, "PARQUET_BATCH_ROWS", 1000)
    n = 5000
    ids = np.arange(n, dtype=np.int64) * 7919 % 1_000_003 + 1
    ids[4000] = ids[10]
    ids[4500] = 10**14  # forces the index from a dense table to sorted runs
    ids[4700] = 10**14
    path = tmp_path / "ids.parquet"
    pq.write_table(pa.table({"id": ids, "code": [f"k{i}" for i in range(n)]}), path,
                   row_group_size=700)
    report = validate(path, entry_for("wide", Wide), max_errors=0)
    assert {(d.loc[1], d.ctx["first_row"]) for d in report.detail} == {(4000, 10), (4700, 4500)}


def _groups_file(path: Path, n: int = 5000, group: int = 300) -> Path:
    ids = np.arange(n, dtype=np.int64) * 7919 % 1_000_003 + 1
    ids[4000], ids[4700] = ids[10], ids[2000]
    codes = [f"k{i}" if i % 97 else "dup" for i in range(n)]
    pq.write_table(pa.table({"id": ids, "code": codes}), path, row_group_size=group,
                   compression="none", use_dictionary=False)
    return path


def _row_groups(path: Path, workers: int) -> hub.readers.RowGroups | None:
    source = hub.readers.Source(path, path.name, "parquet", path.stat().st_size)
    return hub.readers.parquet_row_groups(source, pq.read_metadata(path), workers)


def test_row_groups_decoded_by_the_workers_change_nothing(tmp_path, monkeypatch):
    """With two workers and enough small row groups, each worker decodes its own groups
    (runner.run_row_groups), several batches each; one worker reads the batch stream. Same
    report, capped or not."""
    monkeypatch.setattr(hub.readers, "PARQUET_BATCH_ROWS", 120)
    path = _groups_file(tmp_path / "groups.parquet")
    assert _row_groups(path, 2) is not None
    assert _row_groups(path, 1) is None
    entry = entry_for("wide", Wide)
    for cap in (0, 7):
        stream = body_of(validate(path, entry, max_errors=cap, workers=1))
        groups = body_of(validate(path, entry, max_errors=cap, workers=2))
        assert groups == stream
        assert stream["error_count"] > 50


def test_few_or_large_row_groups_stay_on_the_stream(tmp_path, monkeypatch):
    few = _groups_file(tmp_path / "few.parquet", group=2000)  # 3 groups for 2 workers
    assert _row_groups(few, 2) is None
    many = _groups_file(tmp_path / "many.parquet")
    monkeypatch.setattr(hub.readers, "MAX_GROUP_BYTES", 1000)
    assert _row_groups(many, 2) is None


def test_a_damaged_row_group_is_a_clear_error_from_a_worker(tmp_path):
    """The footer is intact; one group's page header is not. The worker that decodes it
    raises, and the run stops with one line naming the file, as the stream would."""
    from hub.errors import UnreadableInput

    path = _groups_file(tmp_path / "damaged.parquet")
    offset = pq.read_metadata(path).row_group(6).column(1).data_page_offset
    data = bytearray(path.read_bytes())
    data[offset:offset + 16] = b"\xff" * 16
    path.write_bytes(bytes(data))
    for workers in (1, 2):
        with pytest.raises(UnreadableInput) as caught:
            validate(path, entry_for("wide", Wide), workers=workers)
        assert caught.value.kind == "corrupt_parquet"
        assert str(caught.value).startswith("damaged.parquet: ") and "\n" not in str(caught.value)


def test_a_piece_buffer_the_address_space_cannot_hold_is_a_memory_error(tmp_path):
    """Under a worker's RLIMIT_AS an anonymous map fails with OSError; the hub's worker turns
    only MemoryError into its "memory" answer, so the buffer must fail the way a bytearray
    does. Run in a child process: the limit is for the whole process."""
    import subprocess
    import sys

    code = (
        "import resource\n"
        "from hub import pieces\n"
        "resource.setrlimit(resource.RLIMIT_AS, (1 << 30, resource.RLIM_INFINITY))\n"
        "try:\n"
        "    pieces._fresh(2 << 30)\n"
        "except MemoryError:\n"
        "    print('MemoryError')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.stdout.strip() == "MemoryError", done.stderr[-500:]
