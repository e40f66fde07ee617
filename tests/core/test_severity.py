"""Severity counted where failures are found: each item carries its declared severity, and
``invalid_rows`` (rows with an error), ``warning_rows`` (rows with warnings only) and
``warning_count`` are exact whatever the detail cap, the pieces, the reader or the dataset split.

The expected numbers come from the rule that wrote the file (an oracle independent of the
engine), not from another run of it.
"""

from __future__ import annotations

import csv
import textwrap
from collections import Counter
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from hub.checks import SchemaChecks
from hub.engine import BatchOutcome, Group
from hub.inputs import ReadOptions
from hub.partial import Partial
from hub.registry import Registry
from hub.runner import fold
from hub.validate import validate

SCHEMA = """
from typing import Annotated, ClassVar, Literal
from pydantic import BaseModel, ConfigDict, Field
from hub.rules import DatasetRules, Unique, Warn

class Row(BaseModel):
    model_config = ConfigDict(extra="forbid")
    dvh_rules: ClassVar[DatasetRules] = DatasetRules(warn=("unique",))
    id: Annotated[int, Unique()]
    code: Literal["A", "B"]
    note: Annotated[str, Field(max_length=3), Warn()] = ""
    score: Annotated[int, Warn()]
"""
N = 240
HEADER = ("id", "code", "note", "score")


def _row(i: int) -> list[object]:
    """Row i: a bad code (error) every 7th row, a long note every 5th, a bad score every 3rd
    and a repeated id every 11th (warnings: Warn() columns, ``unique`` declared a warning)."""
    return [1 if i % 11 == 0 and i else i, "X" if i % 7 == 0 else "A",
            "long" if i % 5 == 0 else "ok", "x" if i % 3 == 0 else i]


def _expected() -> dict[str, int]:
    errors = {i for i in range(N) if i % 7 == 0}
    warned = Counter()
    for i in range(N):
        warned[i] += (i % 5 == 0) + (i % 3 == 0) + (i % 11 == 0 and i > 0)
    return {"rows": N, "invalid_rows": len(errors),
            "warning_rows": sum(1 for i, n in warned.items() if n and i not in errors),
            "warning_count": sum(warned.values()),
            "error_count": len(errors) + sum(warned.values())}


def _severity(loc: list) -> str:
    return "error" if loc[2] == "code" else "warning"


def _write(path: Path, rows: list[list[object]], header=HEADER, delimiter: str = ",") -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, delimiter=delimiter)
        writer.writerow(header)
        writer.writerows(rows)
    return path


@pytest.fixture(scope="module")
def entry(tmp_path_factory):
    folder = tmp_path_factory.mktemp("schemas")
    (folder / "sev.py").write_text(textwrap.dedent(SCHEMA))
    return Registry(folder).get("sev")


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    return _write(tmp_path_factory.mktemp("data") / "sev.csv", [_row(i) for i in range(N)])


def _counts(report: dict) -> dict[str, int]:
    return {k: report[k] for k in ("rows", "invalid_rows", "warning_rows", "warning_count",
                                   "error_count")}


def _check_items(report: dict) -> None:
    assert report["detail"], report
    for item in report["detail"]:
        assert item["severity"] == _severity(item["loc"]), item


@pytest.mark.parametrize("cap", [0, 1, 7])
@pytest.mark.parametrize(("piece_bytes", "workers"), [(None, 2), (97, 2), (97, 1)])
def test_counts_are_exact_whatever_the_cap_and_the_pieces(entry, data, cap, piece_bytes,
                                                          workers):
    report = validate(data, entry, max_errors=cap, piece_bytes=piece_bytes,
                      workers=workers).to_json_dict()
    assert _counts(report) == _expected()
    assert report["valid"] is False
    assert report["truncated"] is bool(cap)
    assert len(report["detail"]) == (cap or _expected()["error_count"])
    _check_items(report)


def test_parquet_and_the_careful_reader_count_the_same(entry, data, tmp_path):
    rows = [_row(i) for i in range(N)]
    table = pa.table({name: [str(r[k]) for r in rows] for k, name in enumerate(HEADER)})
    pq.write_table(table, tmp_path / "sev.parquet")
    semi = _write(tmp_path / "semi.csv", rows, delimiter=";")
    for report in (validate(tmp_path / "sev.parquet", entry, max_errors=3),
                   validate(semi, entry, max_errors=3, options=ReadOptions(delimiter=";"))):
        body = report.to_json_dict()
        assert _counts(body) == _expected()
        _check_items(body)


def test_a_dataset_split_in_files_and_partitions_counts_the_same(entry, tmp_path):
    from hub.dataset import DatasetOptions, validate_dataset

    folder = tmp_path / "ds"
    folder.mkdir()
    for k, (a, b) in enumerate([(0, 70), (70, 150), (150, N)]):
        _write(folder / f"part-{k}.csv", [_row(i) for i in range(a, b)])
    report = validate_dataset(str(folder), entry, DatasetOptions(max_errors=2, part_bytes=512,
                                                                 workers=1)).to_json_dict()
    assert _counts(report) == _expected()
    _check_items(report)


def test_a_missing_warn_column_makes_the_other_rows_warning_rows(entry, tmp_path):
    rows = [_row(i)[:3] for i in range(N)]
    report = validate(_write(tmp_path / "d.csv", rows, HEADER[:3]), entry,
                      max_errors=1).to_json_dict()
    errors = len([i for i in range(N) if i % 7 == 0])
    assert (report["invalid_rows"], report["warning_rows"]) == (errors, N - errors)
    assert report["detail"][0]["loc"] == ["columns", "score"]
    assert report["detail"][0]["severity"] == "warning"


def test_a_missing_error_column_makes_every_row_invalid(entry, tmp_path):
    rows = [[r[0], r[2], r[3]] for r in (_row(i) for i in range(N))]
    report = validate(_write(tmp_path / "d.csv", rows, ("id", "note", "score")), entry,
                      max_errors=1).to_json_dict()
    assert (report["invalid_rows"], report["warning_rows"]) == (N, 0)
    assert report["detail"][0]["severity"] == "error" and not report["valid"]


def test_warnings_alone_leave_a_report_valid(entry, tmp_path):
    rows = [[i, "A", "long" if i % 2 else "ok", i] for i in range(20)]
    report = validate(_write(tmp_path / "d.csv", rows), entry).to_json_dict()
    assert report["valid"] is True
    assert (report["invalid_rows"], report["warning_rows"], report["warning_count"]) == (0, 10, 10)
    assert report["error_count"] == 10


def test_a_schema_without_warnings_has_no_severity_anywhere(registry):
    from tests.conftest import SAMPLES

    report = validate(SAMPLES / "payments_invalid.csv", registry.get("payments"),
                      max_errors=5).to_json_dict()
    assert "warning_rows" not in report and "warning_count" not in report
    assert all("severity" not in item for item in report["detail"])


def test_the_engine_and_the_checks_agree_on_warnings(entry, data):
    """``classify`` rebuilds the per-check counts from ``errors_by_column``: they must add up
    to the warning count the engine counted."""
    from hub.checks import checks_of

    report = validate(data, entry, max_errors=1).to_json_dict()
    checks = checks_of(report, SchemaChecks.from_entry(entry))
    assert sum(c["warnings"] for c in checks) == report["warning_count"]
    assert sum(c["errors"] for c in checks) == report["error_count"] - report["warning_count"]


# --- the monoid, with severities -----------------------------------------------------------

CHECKS = SchemaChecks(columns=("a", "b", "c"), unique=("a",), warn_columns=frozenset({"b"}),
                      warn_rules=frozenset({"unique"}))
KINDS = [("a", "int_parsing"), ("a", "duplicate_value"), ("b", "string_too_long"),
         ("c", "missing"), ("c", "int_parsing")]


def _piece(seed: int, offset: int, rows: int, cap: int | None) -> Partial:
    """A batch of ``rows`` rows at ``offset`` with random failures, folded like the runner."""
    rng = np.random.default_rng(seed)
    groups = []
    for column, kind in KINDS:
        hit = np.flatnonzero(rng.random(rows) < 0.3)
        if len(hit):
            groups.append(Group(column, "abc".index(column), f"v{seed}{kind}", [
                {"type": kind, "loc": (), "msg": kind, "ctx": None}], hit))
    return fold(groups, BatchOutcome(rows, groups, {}, {}), offset, None, cap, (), CHECKS)


def _state(p: Partial) -> tuple:
    return (p.rows, p.invalid_rows, p.warning_rows, p.warning_count, p.error_count, p.dropped,
            {c: dict(v) for c, v in p.by_type.items()},
            [(i.loc, i.type, i.severity) for i in p.detail])


@pytest.mark.parametrize("cap", [None, 4])
def test_monoid_laws_hold_with_warnings(cap):
    def parts() -> list[Partial]:
        return [_piece(s, off, 30, cap) for s, off in ((1, 0), (2, 30), (3, 60))]

    a, b, c = parts()
    left = Partial(cap=cap).merge(a).merge(b).merge(c)  # ((e·a)·b)·c
    a, b, c = parts()
    right = a.merge(b.merge(c))  # a·(b·c)
    assert _state(left) == _state(right)
    a, _, _ = parts()
    alone = _state(a)
    assert _state(a.merge(Partial(cap=cap))) == alone  # right identity
    assert left.warning_rows > 0 and left.invalid_rows > 0 and left.warning_count > 0
    # the three pieces as one batch: the same rows, so the same exact counts
    whole = _whole(cap)
    assert _state(whole)[:5] == _state(left)[:5]


def _whole(cap: int | None) -> Partial:
    groups = []
    for seed, offset in ((1, 0), (2, 30), (3, 60)):
        rng = np.random.default_rng(seed)
        for column, kind in KINDS:
            hit = np.flatnonzero(rng.random(30) < 0.3)
            if len(hit):
                groups.append(Group(column, "abc".index(column), f"v{seed}{kind}", [
                    {"type": kind, "loc": (), "msg": kind, "ctx": None}], hit + offset))
    return fold(groups, BatchOutcome(90, groups, {}, {}), 0, None, cap, (), CHECKS)


@pytest.mark.slow
def test_a_dask_cluster_counts_the_same(entry, tmp_path):
    """Partials folded on worker processes and merged on the cluster: the same exact counts."""
    pytest.importorskip("distributed")
    from distributed import Client, LocalCluster

    from hub.dataset import DatasetOptions
    from hub.distributed import validate_on_dask

    folder = tmp_path / "ds"
    folder.mkdir()
    for k, (a, b) in enumerate([(0, 100), (100, N)]):
        _write(folder / f"part-{k}.csv", [_row(i) for i in range(a, b)])
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None, memory_limit="1GiB") as cluster, \
            Client(cluster) as client:
        report = validate_on_dask(str(folder), entry, client,
                                  DatasetOptions(max_errors=2, part_bytes=512),
                                  buckets=2).to_json_dict()
    assert _counts(report) == _expected()
    _check_items(report)


def _batches(seed: int) -> list[tuple[list[Group], BatchOutcome, int]]:
    """Batches whose failing values repeat across batches (their counts and first rows add)."""
    rng = np.random.default_rng(seed)
    out, offset = [], 0
    for _ in range(6):
        rows = int(rng.integers(1, 40))
        groups = []
        for column, kind in KINDS:
            hits = np.flatnonzero(rng.random(rows) < 0.4)
            for value in range(3):
                mine = hits[rng.integers(0, 3, len(hits)) == value]
                if len(mine):
                    groups.append(Group(column, "abc".index(column), f"v{value}", [
                        {"type": kind, "loc": (), "msg": kind, "ctx": None}], mine))
        out.append((groups, BatchOutcome(rows, groups, {}, {}), offset))
        offset += rows
    return out


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("cap", [None, 5])
def test_values_tallied_in_the_running_total_are_those_merged_batch_by_batch(seed, cap):
    """The runner tallies each batch's failing values straight into its total (``values=``);
    the result is what merging each batch's own tables gives, count and first rows alike."""
    merged, direct = Partial(cap=cap), Partial(cap=cap)
    for groups, outcome, offset in _batches(seed):
        merged.merge(fold(groups, outcome, offset, None, merged.room if cap else None, (),
                          CHECKS))
        direct.merge(fold(groups, outcome, offset, None, direct.room if cap else None, (),
                          CHECKS, values=direct))
    assert _state(direct) == _state(merged)
    assert direct.errors_by_column() == merged.errors_by_column()
    assert {c: {k: (s.count, s.first_rows) for k, s in t.items()}
            for c, t in direct.values.items()} == {
        c: {k: (s.count, s.first_rows) for k, s in t.items()} for c, t in merged.values.items()}
    assert any(s.count > 1 for t in direct.values.values() for s in t.values())
    truth: dict[tuple[str, str], list[int]] = {}  # every failing row of each value
    for groups, _, offset in _batches(seed):
        for g in groups:
            truth.setdefault((g.column, g.value), []).extend(int(r) + offset for r in g.rows)
    expected = {k: (len(rows), sorted(set(rows))[:3]) for k, rows in truth.items()}
    assert {(c, s.input): (s.count, s.first_rows) for c, t in direct.values.items()
            for s in t.values()} == expected
    # a last merge into an empty total takes the tables over when told it may, and only then
    copied = Partial(cap=cap).merge(direct)
    assert copied.errors_by_column() == merged.errors_by_column()
    assert not any(copied.values[c] is t for c, t in direct.values.items())
    final = Partial(cap=cap).merge(direct, consume=True)
    assert final.errors_by_column() == merged.errors_by_column()
    assert all(final.values[c] is t for c, t in direct.values.items())
