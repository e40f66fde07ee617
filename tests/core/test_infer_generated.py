"""``infer`` round trips on generated files: whatever the cells, the source validates."""

from __future__ import annotations

import csv
import itertools
import tempfile
import uuid
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.core.test_infer import round_trip

_COUNTER = itertools.count()
TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\x00"),
               max_size=12)
HEADERS = st.one_of(
    st.from_regex(r"[a-z][a-z0-9_]{0,10}", fullmatch=True),
    st.sampled_from(["Order ID", "class", "2nd value", "prix €", "model_config", "json",
                     "_private", "a-b", "None", "ünïcödé", "x y z", "OrderID"]),
    TEXT.filter(lambda s: s.strip() != ""),
)


HEADER_ISSUES = {"duplicate_header", "blank_header"}


def _ints(draw):
    n = draw(st.integers(-10**12, 10**12))
    return draw(st.sampled_from([str(n), f" {n} ", f"+{n}" if n >= 0 else str(n),
                                 f"{n:_}" if n >= 0 else str(n)]))


CELLS = {
    "int": st.builds(str, st.integers(-10**6, 10**6)) | st.composite(_ints)(),
    "float": st.floats(allow_nan=True, allow_infinity=True).map(repr)
    | st.sampled_from(["1e3", "-0.5", ".5", "5."]),
    "decimal": st.decimals(-10**6, 10**6, places=2, allow_nan=False).map(str),
    "bool": st.sampled_from(["true", "false", "True", "FALSE", "yes", "no", "on", "off", "t",
                             "f", "0", "1"]),
    "date": st.dates().map(lambda d: d.isoformat()),
    "datetime": st.datetimes(timezones=st.none() | st.just(UTC)
                             | st.just(timezone(timedelta(hours=2)))).map(
        lambda d: d.isoformat()),
    "time": st.times().map(lambda t: t.isoformat()),
    "uuid": st.uuids().map(str),
    "text": TEXT,
    "category": st.sampled_from(["red", "green", "blue", "NA", "n/a", " spaced "]),
}


@st.composite
def csv_tables(draw):
    ncols = draw(st.integers(1, 5))
    headers = draw(st.lists(HEADERS, min_size=ncols, max_size=ncols))
    kinds = draw(st.lists(st.sampled_from(sorted(CELLS)), min_size=ncols, max_size=ncols))
    nulls = draw(st.lists(st.sampled_from([0.0, 0.3]), min_size=ncols, max_size=ncols))
    nrows = draw(st.integers(1, 25))
    rows = []
    for _ in range(nrows):
        row = []
        for kind, p in zip(kinds, nulls, strict=True):
            empty = p and draw(st.floats(0, 1)) < p
            row.append("" if empty else draw(CELLS[kind]))
        rows.append(row)
    return headers, rows


def _fresh_dir() -> Path:
    # one folder per example: a schema rewritten at the same path could hit a stale .pyc
    return Path(tempfile.mkdtemp(prefix=f"dvh-infer-{next(_COUNTER)}-"))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(table=csv_tables(), ranges=st.booleans(), literal_max=st.sampled_from([0, 3, 10]))
def test_generated_csv_round_trips(table, ranges, literal_max):
    headers, rows = table
    tmp = _fresh_dir()
    path = tmp / "data.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(headers)
        writer.writerows(rows)
    _, code, _, report = round_trip(path, tmp, ranges=ranges, literal_max=literal_max)
    # a repeated or blank header is reported (issue 4); every cell must pass the model
    assert all(d.type in HEADER_ISSUES for d in report.detail), (
        code, [d.model_dump() for d in report.detail])
    assert report.invalid_rows == 0
    assert report.rows == len(rows)


PARQUET_COLUMNS = {
    "int": (pa.int64(), st.integers(-2**62, 2**62)),
    "float": (pa.float64(), st.floats(allow_nan=True)),
    "decimal": (pa.decimal128(12, 3), st.decimals(-10**8, 10**8, places=3, allow_nan=False)),
    "bool": (pa.bool_(), st.booleans()),
    "date": (pa.date32(), st.dates()),
    "ts": (pa.timestamp("us"), st.datetimes(min_value=datetime(1900, 1, 1))),
    "text": (pa.string(), TEXT),
    "uuid_text": (pa.string(), st.uuids().map(str)),
}


@st.composite
def parquet_tables(draw):
    ncols = draw(st.integers(1, 4))
    kinds = draw(st.lists(st.sampled_from(sorted(PARQUET_COLUMNS)), min_size=ncols,
                          max_size=ncols))
    nrows = draw(st.integers(1, 20))
    columns = {}
    for i, kind in enumerate(kinds):
        arrow_type, values = PARQUET_COLUMNS[kind]
        cells = draw(st.lists(st.none() | values, min_size=nrows, max_size=nrows))
        columns[f"{kind}_{i}"] = pa.array(cells, arrow_type)
    return pa.table(columns)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(table=parquet_tables(), ranges=st.booleans())
def test_generated_parquet_round_trips(table, ranges):
    tmp = _fresh_dir()
    path = tmp / "data.parquet"
    pq.write_table(table, path)
    _, code, _, report = round_trip(path, tmp, ranges=ranges)
    assert report.valid, (code, [d.model_dump() for d in report.detail])


def test_seeded_wide_file_round_trips(tmp_path):
    """One bigger seeded file through several batches' worth of distinct values."""
    import random

    rnd = random.Random(7)
    path = tmp_path / "wide.csv"
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "amount", "when", "ref", "state"])
        for i in range(20_000):
            w.writerow([i, f"{rnd.uniform(0, 1000):.2f}", f"2026-01-{rnd.randint(1, 28):02d}",
                        str(uuid.UUID(int=rnd.getrandbits(128))),
                        rnd.choice(["new", "done", ""])])
    inf, code, _, report = round_trip(path, tmp_path, ranges=True)
    assert report.valid and report.rows == 20_000
    kinds = {f.header: f.py_type for f in inf.fields}
    assert kinds["id"] is int and kinds["amount"] is Decimal
    assert 'Literal["done", "new"] | None = None' in code
