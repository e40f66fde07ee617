"""Infer a Pydantic model from a CSV or Parquet sample, by Pydantic's own lax rules.

The promise is a round trip: the file a schema was inferred from validates against it. So a
column only gets a type when *every* distinct non-empty value of the sample validates as that
type through a ``TypeAdapter`` (the same lax semantics the engine applies to CSV strings), and
ranges, when asked for, are the min and max of the values Pydantic produced.

Candidates are tried in a fixed order per column, most specific first. A few shape guards keep
the choice sensible where Pydantic's lax mode is generous: ``"1.0"`` validates as an int but a
column written that way is a float; ``"0"``/``"1"`` are booleans to Pydantic but a 0/1 column is
an int; a ``2026-11-02T00:00:00`` column validates as ``date`` but is a datetime.

The sample is streamed (Arrow batches) and stops after ``sample_rows`` rows: memory stays bounded
by one batch plus a few small per-column sets.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

import pyarrow as pa
import pyarrow.compute as pc
from pydantic import TypeAdapter, ValidationError

from hub.careful import read_careful
from hub.errors import UnreadableInput
from hub.inputs import ReadOptions, prepare
from hub.readers import Source, iter_csv, iter_parquet, read_header

DEFAULT_SAMPLE_ROWS = 100_000
DEFAULT_LITERAL_MAX = 10
LITERAL_VALUE_MAX_CHARS = 64

_BOOL_TOKENS = frozenset({"true", "false", "t", "f", "yes", "no", "y", "n", "on", "off", "0", "1"})
_PROBE = 64  # validate a few values first: a failing list collects an error per item


@dataclass
class Candidate:
    """One type a column may still have, with the range of the values it produced so far."""

    py_type: Any
    guard: Callable[[pa.Array], bool] | None = None
    ranged: bool = False  # keep min/max of the validated values
    adapter: TypeAdapter[Any] | None = None
    low: Any = None
    high: Any = None
    finite: bool = True

    def accepts(self, values: list[Any], arr: pa.Array) -> bool:
        """All of ``values`` (``arr`` as Arrow) pass the guard and validate; widen the range."""
        if self.guard is not None and not self.guard(arr):
            return False
        if self.adapter is None:
            self.adapter = TypeAdapter(list[self.py_type])  # type: ignore[name-defined]
        try:
            if len(values) > _PROBE:
                self.adapter.validate_python(values[:_PROBE])
            parsed = self.adapter.validate_python(values)
        except ValidationError:
            return False
        if self.ranged and parsed:
            self._widen(parsed)
        return True

    def _widen(self, parsed: list[Any]) -> None:
        if self.py_type is float:
            finite = [v for v in parsed if v == v and v not in (float("inf"), float("-inf"))]
            self.finite = self.finite and len(finite) == len(parsed)
            parsed = finite
            if not parsed:
                return
        lo, hi = min(parsed), max(parsed)
        self.low = lo if self.low is None or lo < self.low else self.low
        self.high = hi if self.high is None or hi > self.high else self.high


def _none_match(arr: pa.Array, pattern: str) -> bool:
    return not pc.any(pc.match_substring_regex(arr, pattern)).as_py()


def _int_guard(arr: pa.Array) -> bool:
    # Pydantic takes "1.0" as an int; a column written with decimals is a float column.
    return _none_match(arr, "[.eE]")


def _bool_guard(arr: pa.Array) -> bool:
    return bool(pc.all(pc.is_in(pc.utf8_lower(arr), value_set=_BOOL_ARRAY)).as_py())


def _date_guard(arr: pa.Array) -> bool:
    # Midnight datetimes validate as dates; keep them datetimes.
    return _none_match(arr, "[T: ]")


_BOOL_ARRAY = pa.array(sorted(_BOOL_TOKENS))


class _DecimalGuard:
    """Decimal only for fixed-point text with one number (>= 2) of fractional digits."""

    def __init__(self) -> None:
        self.places: int | None = None

    def __call__(self, arr: pa.Array) -> bool:
        if not pc.all(pc.match_substring_regex(arr, r"^[+-]?[0-9]+\.[0-9]+$")).as_py():
            return False
        frac = pc.subtract(pc.subtract(pc.utf8_length(arr), pc.find_substring(arr, ".")), 1)
        lo, hi = pc.min_max(frac).values()
        lo, hi = lo.as_py(), hi.as_py()
        if lo != hi or lo < 2 or (self.places is not None and lo != self.places):
            return False
        self.places = lo
        return True


def _string_candidates() -> list[Candidate]:
    """The order decides ties: int before bool (0/1 columns), Decimal before float."""
    return [
        Candidate(int, _int_guard, ranged=True),
        Candidate(bool, _bool_guard),
        Candidate(Decimal, _DecimalGuard(), ranged=True),
        Candidate(float, None, ranged=True),
        Candidate(date, _date_guard, ranged=True),
        Candidate(time),
        Candidate(datetime),
        Candidate(UUID),
    ]


def _typed_candidates(arrow_type: pa.DataType) -> list[Candidate] | None:
    """Parquet columns already have a type: map it (None for strings: infer from text)."""
    t = arrow_type
    if pa.types.is_dictionary(t):
        return _typed_candidates(t.value_type)
    if pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_null(t):
        return None
    table: list[tuple[Callable[[pa.DataType], bool], Any, bool]] = [
        (pa.types.is_boolean, bool, False),
        (pa.types.is_integer, int, True),
        (pa.types.is_floating, float, True),
        (pa.types.is_decimal, Decimal, True),
        (pa.types.is_date, date, True),
        (pa.types.is_timestamp, datetime, False),
        (pa.types.is_time, time, False),
        (pa.types.is_duration, timedelta, False),
        (lambda x: pa.types.is_binary(x) or pa.types.is_large_binary(x), bytes, False),
    ]
    for test, py_type, ranged in table:
        if test(t):
            return [Candidate(py_type, None, ranged=ranged)]
    return [Candidate(Any)]


@dataclass
class ColumnStats:
    """What the sample showed about one column."""

    header: str
    typed: bool  # a Parquet column with a non-string type
    candidates: list[Candidate]
    nulls: int = 0
    values: int = 0  # non-null cells
    distinct: set[str] = field(default_factory=set)  # capped: Literal and Decimal decisions
    distinct_overflow: bool = False
    min_len: int | None = None
    max_len: int | None = None

    def observe(self, arr: pa.Array | pa.ChunkedArray, literal_max: int) -> None:
        if pa.types.is_dictionary(arr.type):
            arr = arr.cast(arr.type.value_type)
        self.nulls += arr.null_count
        self.values += len(arr) - arr.null_count
        try:
            uniq_arr = pc.unique(arr.drop_null())
        except (pa.ArrowNotImplementedError, pa.ArrowInvalid, pa.ArrowTypeError):
            uniq_arr = arr.drop_null()  # nested types: no hashing kernel, keep every value
        if isinstance(uniq_arr, pa.ChunkedArray):
            uniq_arr = uniq_arr.combine_chunks()
        if not len(uniq_arr):
            return
        uniq = uniq_arr.to_pylist()
        if not self.typed:
            self._observe_text(uniq_arr, uniq, literal_max)
        self.candidates = [c for c in self.candidates if c.accepts(uniq, uniq_arr)]

    def _observe_text(self, arr: pa.Array, uniq: list[str], literal_max: int) -> None:
        lo, hi = (v.as_py() for v in pc.min_max(pc.utf8_length(arr)).values())
        self.min_len = lo if self.min_len is None else min(self.min_len, lo)
        self.max_len = hi if self.max_len is None else max(self.max_len, hi)
        if not self.distinct_overflow:
            self.distinct.update(uniq[: literal_max + 1])
            if len(self.distinct) > literal_max:
                self.distinct_overflow = True
                self.distinct = set()


@dataclass(frozen=True)
class InferredField:
    """One column's verdict: the Python type, nullability, Literal values and ranges."""

    header: str
    py_type: Any  # a class, or Any
    nullable: bool
    literal: tuple[str, ...] = ()
    low: Any = None
    high: Any = None
    min_len: int | None = None
    max_len: int | None = None


@dataclass(frozen=True)
class Inference:
    """The outcome of reading a sample: one field per usable column."""

    source: str
    fmt: str
    rows: int
    complete: bool  # the whole file was read (not cut at sample_rows)
    fields: tuple[InferredField, ...]
    skipped: tuple[str, ...]  # headers that cannot become fields, with why


@contextmanager
def _batches(path: Path, options: ReadOptions | None
             ) -> Iterator[tuple[str, str, list[str], Iterator[Any]]]:
    """The file's batches through the same input handling as ``validate`` (compression,
    encodings, delimiters): a drop that validates can be inferred from, and vice versa."""
    name = path.name
    if not path.exists():
        raise UnreadableInput(f"{path}: no such file", kind="not_found")
    if not path.is_file():
        raise UnreadableInput(f"{path}: is a directory, not a file", kind="not_a_file")
    prepared = prepare(path, name, options or ReadOptions())
    try:
        src = Source(path=prepared.path, name=name, format=prepared.fmt,
                     bytes=prepared.path.stat().st_size)
        if prepared.fmt == "parquet":
            header, batches = iter_parquet(src)
            yield name, "parquet", header, batches
            return
        d = prepared.dialect
        if (d.delimiter, d.quotechar, d.escapechar, d.header, d.encoding) == (
                ",", '"', None, True, "utf-8"):
            header = read_header(src.path)
            yield name, "csv", header, iter_csv(src, header)
            return
        names, _issues, careful = read_careful(prepared.path, d)
        yield name, "csv", names, careful
    finally:
        prepared.cleanup()


def _usable(header: list[str]) -> tuple[list[int], list[str]]:
    """Column positions that can become fields; the rest with a reason."""
    seen: set[str] = set()
    keep, skipped = [], []
    for i, name in enumerate(header):
        if name == "" or name.startswith("\x00"):  # the careful reader's blank-header mark
            skipped.append(f"column {i + 1}: empty header")
        elif name in seen:
            skipped.append(f"column {i + 1}: duplicate header {name!r} (the first one is used)")
        else:
            seen.add(name)
            keep.append(i)
    return keep, skipped


def infer_file(path: Path | str, *, sample_rows: int | None = DEFAULT_SAMPLE_ROWS,
               literal_max: int = DEFAULT_LITERAL_MAX,
               options: ReadOptions | None = None) -> Inference:
    """Read up to ``sample_rows`` rows (None or 0: all) and decide a type per column."""
    with _batches(Path(path), options) as (name, fmt, header, batches):
        return _infer(name, fmt, header, batches, sample_rows, literal_max)


def _infer(name: str, fmt: str, header: list[str], batches: Iterator[Any],
           sample_rows: int | None, literal_max: int) -> Inference:
    keep, skipped = _usable(header)
    stats: dict[int, ColumnStats] = {}
    rows = 0
    complete = True
    limit = sample_rows or None
    for batch in batches:
        data = batch.data
        if limit is not None and rows + data.num_rows > limit:
            data = data.slice(0, limit - rows)
            complete = False
        for i in keep:
            col = data.column(i)
            if i not in stats:
                typed = _typed_candidates(col.type)
                stats[i] = ColumnStats(header[i], typed is not None,
                                       typed if typed is not None else _string_candidates())
            stats[i].observe(col, literal_max)
        rows += data.num_rows
        if limit is not None and rows >= limit:
            # only peek at the next batch when the limit fell exactly on a batch boundary
            complete = complete and next(batches, None) is None
            break
    fields = tuple(_decide(stats[i], literal_max) if i in stats else
                   InferredField(header[i], str, nullable=True) for i in keep)
    return Inference(name, fmt, rows, complete, fields, tuple(skipped))


def _decide(s: ColumnStats, literal_max: int) -> InferredField:
    nullable = s.nulls > 0
    if s.values == 0:
        return InferredField(s.header, str, nullable=True)
    if s.typed or s.candidates:
        if not s.candidates:
            return InferredField(s.header, Any, nullable)
        c = s.candidates[0]
        ranged = c.ranged and c.finite and c.low is not None
        return InferredField(s.header, c.py_type, nullable,
                             low=c.low if ranged else None, high=c.high if ranged else None)
    few = (not s.distinct_overflow and 0 < len(s.distinct) <= literal_max
           and s.values >= 2 * len(s.distinct)
           and all(len(v) <= LITERAL_VALUE_MAX_CHARS for v in s.distinct))
    if few and literal_max > 0:
        return InferredField(s.header, str, nullable, literal=tuple(sorted(s.distinct)))
    return InferredField(s.header, str, nullable, min_len=s.min_len, max_len=s.max_len)
