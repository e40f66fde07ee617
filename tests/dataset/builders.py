"""A seeded multi-file dataset whose keys repeat across files, and a schema that checks them.

The schema has every kind of key the uniqueness index keeps: a composite primary key of a
string and an int (vectorised, joined), a unique string column (vectorised), a unique
datetime column (Python values), and ints beyond int64 in the primary key. The files mix
CSV and Parquet, and one CSV holds a quoted cell with a line break (it cannot be cut into
byte ranges, so it is validated whole).
"""

from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

SCHEMA = '''"""Events: a composite primary key and two unique columns."""

from datetime import datetime
from typing import Annotated, ClassVar

from pydantic import BaseModel, Field

from hub.rules import DatasetRules, Unique


class Event(BaseModel):
    dvh_rules: ClassVar[DatasetRules] = DatasetRules(primary_key=("region", "seq"), min_rows=1)

    region: str
    seq: int
    email: Annotated[str, Field(pattern=r"^[a-z0-9.]+@[a-z]+\\.com$"), Unique()]
    at: Annotated[datetime, Unique()]
    amount: Annotated[float, Field(ge=0)]
    note: str | None = None
'''

HEADER = ["region", "seq", "email", "at", "amount", "note"]
REGIONS = ["eu", "us", "apac"]
T0 = datetime(2026, 11, 1, tzinfo=UTC)


def write_schema(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "events.py"
    path.write_text(SCHEMA, encoding="utf-8")
    return path


def _rows(rng: np.random.Generator, start: int, n: int, pool: list[list[str]]) -> list[list[str]]:
    """``n`` rows; ~2% repeat an earlier row's keys (from ``pool``: any file before), ~2%
    have a bad cell."""
    out = []
    for i in range(start, start + n):
        region = REGIONS[i % 3]
        row = [region, str(i), f"user{i}@shop.com",
               (T0 + timedelta(seconds=i)).isoformat(), f"{(i % 97) * 1.5:.2f}", ""]
        roll = rng.random()
        if pool and roll < 0.02:  # a repeat: the key of an earlier row, maybe in another file
            old = pool[int(rng.integers(len(pool)))]
            row[0], row[1] = old[0], old[1]
            if rng.random() < 0.5:
                row[2] = old[2]
            if rng.random() < 0.5:  # the same instant in another offset: equal datetimes
                row[3] = datetime.fromisoformat(old[3]).astimezone(
                    datetime.fromisoformat("2026-01-01T00:00:00+02:00").tzinfo).isoformat()
        elif roll < 0.04:
            col = int(rng.integers(5))
            row[[1, 2, 3, 4, 4][col]] = ["x1", "not-an-email", "2026-02-30", "-3", ""][col]
        elif roll < 0.045:
            row[1] = "99999999999999999999"  # beyond int64: its own index, still unique
        out.append(row)
        pool.append(row)
    return out


def write_dataset(root: Path, seed: int = 8, rows_per_file: int = 1500) -> Path:
    """Five files in ``root`` (one in a subfolder, one Parquet, one with a quoted line break)
    plus files the dataset must skip."""
    rng = np.random.default_rng(seed)
    root.mkdir(parents=True, exist_ok=True)
    pool: list[list[str]] = []
    start = 1
    names = ["a.csv", "b.csv", "c.parquet", "d/e.csv", "f.csv"]
    for name in names:
        rows = _rows(rng, start, rows_per_file, pool)
        start += rows_per_file
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if name.endswith(".parquet"):
            table = pa.table({h: pa.array([r[j] or None for r in rows], pa.string())
                              for j, h in enumerate(HEADER)})
            pq.write_table(table, path, row_group_size=300)
            continue
        if name == "f.csv":
            rows[5][5] = "two\nlines"  # quoted by the writer: a record spanning lines
        with path.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh, lineterminator="\n")
            writer.writerow(HEADER)
            writer.writerows(rows)
    (root / "_SUCCESS").write_text("")
    (root / ".hidden.csv").write_text("region\nnope\n")
    (root / "README.md").write_text("not data\n")
    return root


def concatenated(root: Path, out: Path) -> Path:
    """All files of the dataset, in dataset order, as one CSV (the single-file oracle)."""
    from hub.dataset_files import list_dataset

    with out.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(HEADER)
        for f in list_dataset(str(root)).files:
            if f.fmt == "parquet":
                table = pq.read_table(f.url)
                writer.writerows([["" if v is None else v for v in row.values()]
                                  for row in table.to_pylist()])
                continue
            with Path(f.url).open(newline="", encoding="utf-8") as src:
                reader = csv.reader(src)
                next(reader)
                writer.writerows(reader)
    return out


MIXED_SCHEMA = '''"""Parcels: a unique id, a weight, a country code."""

from typing import Annotated, Literal

from pydantic import BaseModel, Field

from hub.rules import Unique


class Parcel(BaseModel):
    parcel_id: Annotated[int, Unique()]
    weight: Annotated[float, Field(gt=0)]
    country: Literal["DE", "FR", "IT"]
'''

# name -> how it is written: (delimiter, compression)
MIXED_FILES = {
    "a.csv": (",", None),
    "b.csv.gz": (",", "gzip"),
    "c.csv.bz2": (",", "bz2"),
    "d/e.csv.zst": (",", "zstd"),
    "f.csv.xz": (",", "xz"),
    "g.tsv": ("\t", None),
    "h.tsv.gz": ("\t", "gzip"),
    "i.csv": (";", None),
}


def _compress(data: bytes, kind: str | None) -> bytes:
    import bz2
    import gzip
    import lzma

    if kind == "gzip":
        return gzip.compress(data)
    if kind == "bz2":
        return bz2.compress(data)
    if kind == "xz":
        return lzma.compress(data)
    if kind == "zstd":
        import zstandard

        return zstandard.ZstdCompressor().compress(data)
    return data


def write_mixed(root: Path, rows_per_file: int = 400, seed: int = 88) -> list[str]:
    """Plain, compressed and tab/semicolon-separated files of one dataset (keys unique across
    files; ~3% bad cells and one repeated id inside each file), plus files to skip. Returns
    the data files' names in dataset order."""
    rng = np.random.default_rng(seed)
    root.mkdir(parents=True, exist_ok=True)
    start = 1
    for name, (sep, kind) in MIXED_FILES.items():
        lines = [sep.join(["parcel_id", "weight", "country"])]
        for i in range(start, start + rows_per_file):
            row = [str(i), f"{1 + i % 13 * 0.5:.1f}", ["DE", "FR", "IT"][i % 3]]
            roll = rng.random()
            if roll < 0.01:
                row[1] = "-2"
            elif roll < 0.02:
                row[2] = "XX"
            elif roll < 0.03:
                row[0] = "n/a"
            lines.append(sep.join(row))
        lines.append(lines[7])  # one repeated id within the file
        start += rows_per_file
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(_compress(("\n".join(lines) + "\n").encode(), kind))
    (root / "notes.txt").write_text("parcel_id\nnot data\n")
    (root / "_SUCCESS").write_text("")
    (root / "README.md").write_text("not data\n")
    return sorted(MIXED_FILES)


WIDE_SCHEMA = '''"""Wide rows: a unique id, a non-negative amount, a code, a long note."""

from typing import Annotated, Literal

from pydantic import BaseModel, Field

from hub.rules import Unique


class Row(BaseModel):
    id: Annotated[int, Unique()]
    amount: Annotated[float, Field(ge=0)]
    code: Literal["A", "B", "C"]
    note: str
'''


def write_wide(root: Path, files: int, rows: int, width: int = 200, seed: int = 7
               ) -> list[np.ndarray]:
    """``files`` CSV files of ``rows`` rows of ~``width + 20`` bytes (unquoted, so they are
    cut into byte ranges), ids unique across files, ~0.1% negative amounts. Written by Arrow
    (a GB in seconds); returns each file's bad rows."""
    import pyarrow.csv as pcsv

    root.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    pool = pa.array(["".join(rng.choice(list("abcdefghij"), width)) for _ in range(997)])
    codes = pa.array(["A", "B", "C"])
    bad_rows = []
    for k in range(files):
        amount = np.round(rng.random(rows) * 100, 2)
        bad = np.flatnonzero(rng.random(rows) < 0.001)
        amount[bad] = -1.0
        bad_rows.append(bad)
        positions = np.arange(rows)
        table = pa.table({"id": pa.array(positions + k * rows), "amount": amount,
                          "code": codes.take(pa.array(positions % 3)),
                          "note": pool.take(pa.array(positions % 997))})
        with (root / f"part-{k:02d}.csv").open("wb") as fh:
            fh.write(b"id,amount,code,note\n")
            pcsv.write_csv(table, fh, write_options=pcsv.WriteOptions(
                quoting_style="none", include_header=False))
    return bad_rows
