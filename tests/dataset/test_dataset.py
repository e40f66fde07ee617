"""A dataset on one machine: its semantics, pinned against a single-file run of the same rows,
and invariance to how it is cut (partitions, pieces, buckets)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from tests.dataset.builders import concatenated, write_dataset, write_schema

ROOT = Path(__file__).resolve().parents[2]
ROWS_PER_FILE = 1500


@pytest.fixture(scope="module")
def events(tmp_path_factory):
    from hub.registry import Registry

    base = tmp_path_factory.mktemp("events")
    write_schema(base / "schemas")
    data = write_dataset(base / "drop")
    entry = Registry(base / "schemas").get("events")
    return base, data, entry


def _run(target, entry, **kw):
    from hub.dataset import DatasetOptions, validate_dataset

    return validate_dataset(str(target), entry, DatasetOptions(**kw))


def test_files_in_order_and_skips(events):
    from hub.dataset_files import list_dataset

    _, data, _ = events
    names = [f.name for f in list_dataset(str(data)).files]
    assert names == ["a.csv", "b.csv", "c.parquet", "d/e.csv", "f.csv"]


def test_same_verdicts_as_one_file_of_the_same_rows(events, tmp_path):
    """Row i of the concatenation is row i - offset of its file: every error (type, message,
    input) is the single-file run's, and a duplicate points at the same first occurrence."""
    from hub.dataset_files import list_dataset
    from hub.validate import validate

    _, data, entry = events
    report = _run(data, entry, max_errors=0)
    single = validate(concatenated(data, tmp_path / "all.csv"), entry, max_errors=0)
    assert (report.rows, report.invalid_rows, report.error_count) == (
        single.rows, single.invalid_rows, single.error_count)
    assert report.rows == 7500 and not report.truncated
    dups = sum(c.by_type.get("duplicate_key", 0) + c.by_type.get("duplicate_value", 0)
               for c in report.errors_by_column.values())
    assert dups > 100  # the data really repeats keys, across files
    for column, errors in single.errors_by_column.items():
        mine = report.errors_by_column[column]
        assert (mine.errors, mine.by_type) == (errors.errors, errors.by_type)
        assert [(t.input, t.count) for t in mine.top_values] == [
            (t.input, t.count) for t in errors.top_values]
    offsets, at = {}, 0
    for f in list_dataset(str(data)).files:
        offsets[f.name] = at
        at += ROWS_PER_FILE
    flat = []
    for item in report.detail:
        row = item.loc[1] + offsets[item.file]
        msg = item.msg
        if item.type.startswith("duplicate_"):
            first = item.ctx["first_row"] + offsets[item.ctx["first_file"]]
            assert msg.endswith(f"first seen at row {item.ctx['first_row']} of "
                                f"{item.ctx['first_file']}")
            msg = msg.split(":")[0] + f": first seen at row {first}"
        flat.append((item.type, row, *item.loc[2:], msg, json.dumps(item.input), item.key))
    expected = [(i.type, *i.loc[1:], i.msg, json.dumps(i.input), i.key) for i in single.detail]
    assert flat == expected


@pytest.mark.parametrize("part_bytes,piece_bytes,workers", [
    (12_000, 3_000, 2),  # CSV byte ranges, Parquet row-group runs, many pieces
    (40_000, None, 1),
])
def test_cutting_never_changes_the_report(events, part_bytes, piece_bytes, workers):
    _, data, entry = events
    plain = _run(data, entry, max_errors=0)
    cut = _run(data, entry, max_errors=0, part_bytes=part_bytes, piece_bytes=piece_bytes,
               workers=workers)
    assert cut.to_json_dict() == plain.to_json_dict()
    capped = _run(data, entry, max_errors=37, part_bytes=part_bytes, piece_bytes=piece_bytes)
    body = capped.to_json_dict()
    assert body["truncated"] and body["detail"] == plain.to_json_dict()["detail"][:37]


def test_split_files_are_really_cut(events):
    """The plan behind the test above: large CSV files become ranges, Parquet row groups; the
    file with a quoted line break is validated whole."""
    from hub.dataset import has_quotes, replan
    from hub.dataset_files import list_dataset, plan_partitions

    _, data, _ = events
    ds = list_dataset(str(data))
    parts = plan_partitions(ds, 12_000)
    per_file = Counter(p.file.name for p in parts)
    assert per_file["a.csv"] > 3 and per_file["c.parquet"] > 1
    quoted = {f.index for f in ds.files if f.fmt == "csv" and has_quotes(f)}
    assert [ds.files[i].name for i in quoted] == ["f.csv"]
    assert Counter(p.file.name for p in replan(parts, quoted))["f.csv"] == 1


def test_shuffle_finds_what_the_stream_finds(events):
    """Stage 1-2 of the Dask run, in process: any number of buckets gives the duplicates one
    index over the whole dataset gives."""
    from hub.compile import compile_plan
    from hub.dataset import places, wanted
    from hub.dataset_check import check_partition
    from hub.dataset_files import list_dataset, plan_partitions
    from hub.dataset_keys import StreamDedupe, bucket_duplicates, split_keys
    from hub.runner import key_rules

    _, data, entry = events
    plan = compile_plan(entry)
    rules = key_rules(plan)
    parts = [p for p in plan_partitions(list_dataset(str(data)), 40_000)]
    checks = [check_partition(p, plan, wanted(plan), (), 1, 4096) for p in parts]
    assert not any(c.fallback for c in checks if c.order[0] != 4)
    checks = [c for c in checks if c.order[0] != 4]  # f.csv (quoted) aside: whole files only
    where = places(checks)
    stream = StreamDedupe(rules)
    expected = [_table(stream.partition(c.order[0], w[0], c.keyed)) for c, w in
                zip(checks, where, strict=True)]
    assert sum(len(t) for t in expected) > 100
    for buckets in (1, 5):
        found = [{} for _ in checks]
        pieces = [split_keys(rules, c.keyed, buckets) for c in checks]
        file_places = [(c.order[0], w[0]) for c, w in zip(checks, where, strict=True)]
        for b in range(buckets):
            for k, table in bucket_duplicates(rules, [p[b] for p in pieces],
                                              file_places).items():
                found[k] = found[k] | _table(table)
        assert found == expected


def _table(t) -> dict:
    return {(r, row): (ff, fr, json.dumps(s)) for r, row, ff, fr, s in
            zip(t.rule, t.row, t.first_file, t.first_row, t.shown, strict=True)}


def test_file_column_problems_and_dataset_row_count(tmp_path):
    """A file that lacks a column: its items open that file's part of the detail, all its rows
    are invalid; min_rows is about the whole dataset, reported last without a file."""
    from hub.registry import Registry

    write_schema(tmp_path / "schemas")
    entry = Registry(tmp_path / "schemas").get("events")
    drop = tmp_path / "drop"
    drop.mkdir()
    (drop / "1.csv").write_text("region,seq,email,at,amount\n")
    (drop / "2.csv").write_text("region,seq,at,amount\neu,1,2026-01-01T00:00:00,1\n")
    report = _run(drop, entry)
    body = report.to_json_dict()
    assert [(d["type"], d["loc"], d.get("file")) for d in body["detail"]] == [
        ("missing", ["columns", "email"], "2.csv"),
    ]
    assert (body["rows"], body["invalid_rows"]) == (1, 1)
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "x.csv").write_text("region,seq,email,at,amount\n")
    (empty / "y.csv").write_text("region,seq,email,at,amount\n")
    body = _run(empty, entry).to_json_dict()
    assert [(d["type"], d["loc"], "file" in d) for d in body["detail"]] == [
        ("too_few_rows", ["rows"], False)]


def test_url_inputs_read_like_local_files(events):
    """fsspec URLs (here ``memory://``, in process) go through the remote readers: whole files
    and byte ranges fetched, Parquet read lazily; the report is the local one's."""
    fsspec = pytest.importorskip("fsspec")
    _, data, entry = events
    fs = fsspec.filesystem("memory")
    for path in sorted(data.rglob("*")):
        if path.is_file():
            fs.pipe(f"/drop8/{path.relative_to(data).as_posix()}", path.read_bytes())
    try:
        local = _run(data, entry, max_errors=0, part_bytes=12_000).to_json_dict()
        remote = _run("memory://drop8/", entry, max_errors=0, part_bytes=12_000).to_json_dict()
    finally:
        fs.rm("/drop8", recursive=True)
    local["source"], remote["source"] = None, None
    assert remote["files"][0]["path"] == "memory://drop8/a.csv"
    for f in local["files"] + remote["files"]:  # where each file was read differs, only that
        f["path"] = None
    assert remote == local


def test_key_hashes_do_not_depend_on_the_process():
    """Buckets must agree across workers: the hashes ignore PYTHONHASHSEED, and values Python
    calls equal (1, 1.0, Decimal(1); one instant in two offsets) hash alike."""
    code = ("import pyarrow as pa;from hub.dataset_hash import hash_strings, hash_value;"
            "print(list(hash_strings(pa.array(['a','bb','é',''])))+[hash_value('x')])")
    outs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           cwd=ROOT, env={**os.environ, "PYTHONHASHSEED": seed},
                           check=True).stdout for seed in ("1", "2")}
    assert len(outs) == 1
    from datetime import datetime
    from decimal import Decimal

    from hub.dataset_hash import hash_value

    assert hash_value(1) == hash_value(1.0) == hash_value(Decimal("1.00")) == hash_value(True)
    a = datetime.fromisoformat("2026-01-01T10:00:00+02:00")
    b = datetime.fromisoformat("2026-01-01T08:00:00+00:00")
    assert a == b and hash_value(a) == hash_value(b)
    assert hash_value("1") != hash_value(1)


def test_cli_directory_is_one_dataset(events):
    base, data, _ = events
    cmd = [sys.executable, "-m", "cli.main", "validate", str(data), "--schema", "events",
           "--schemas-dir", str(base / "schemas"), "-f", "json", "--max-errors", "5"]
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 1, done.stderr
    body = json.loads(done.stdout)
    assert body["rows"] == 7500 and body["source"]["format"] == "mixed"
    assert all("file" in d for d in body["detail"]) and len(body["detail"]) == 5
    server = subprocess.run([*cmd[:-4], "--server", "http://127.0.0.1:9"], capture_output=True,
                            text=True, cwd=ROOT)
    assert server.returncode == 2 and "--server takes files" in server.stderr
    assert server.stderr.count("\n") == 1  # one line, no traceback


@pytest.mark.parametrize("piece_bytes", [None, 4_000])
def test_files_without_a_header_take_the_arrow_pieces_with_the_careful_readers_report(
        events, tmp_path, monkeypatch, piece_bytes):
    """With ``--no-header`` a dataset's CSV files are read as the single-file run reads one:
    in Arrow pieces, the columns the fields by position, lines counted from the first byte.
    The report is the careful reader's, line for line (a quoted line break included)."""
    import hub.dataset_check
    from hub.errors import UnreadableInput
    from hub.inputs import ReadOptions

    _, data, entry = events
    bare = tmp_path / "bare"
    for path in sorted(data.rglob("*.csv")):
        lines = path.read_bytes().split(b"\n", 1)
        target = bare / path.relative_to(data)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(lines[1])  # the rows, without the header line
    read = ReadOptions(header=False)
    careful: list[str] = []
    real_careful = hub.dataset_check._check_careful

    def counted(part, *args, **kwargs):
        careful.append(part.file.name)
        return real_careful(part, *args, **kwargs)

    monkeypatch.setattr(hub.dataset_check, "_check_careful", counted)
    fast = _run(bare, entry, max_errors=0, read=read, piece_bytes=piece_bytes)
    assert careful == [] and fast.rows == 6000

    def refuse(*args, **kwargs):
        raise UnreadableInput("the careful reader, please")

    monkeypatch.setattr(hub.dataset_check, "_check_csv", refuse)
    slow = _run(bare, entry, max_errors=0, read=read)
    assert sorted(careful) == ["a.csv", "b.csv", "d/e.csv", "f.csv"]
    assert fast.to_json_dict() == slow.to_json_dict()
    assert fast.error_count > 100
    # no header line: a row's line is its index + 1 (more after a quoted line break)
    rows = [i for i in fast.detail if isinstance(i.loc[1], int)]
    assert all(i.line >= i.loc[1] + 1 for i in rows)
    assert any(i.line == i.loc[1] + 1 for i in rows)
