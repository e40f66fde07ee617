"""Partial results: what validating a slice of rows found, and how two slices merge.

``Partial`` is a monoid (``Partial()`` is the identity, ``merge`` is associative when the right
operand's rows follow the left's), so the same fold runs per batch, per thread and per Dask
partition. Counts are exact; ``detail`` keeps the first ``cap`` items in row order.

Severity is counted as failures are found, not read back from ``detail``: ``invalid_rows`` are
the rows with at least one failure of error severity, ``warning_rows`` those whose failures are
all warnings, ``warning_count`` the warning failures (included in ``error_count``). All are sums
over disjoint row ranges, so they merge like the other counts, exactly whatever the cap.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from hub.arrowops import sorted_distinct
from hub.report import ColumnErrors, ErrorItem, TopValue

WARNING = "warning"

FIRST_ROWS = 3  # first rows kept per failing value
TOP_VALUES = 5  # failing values listed per column
MAX_TRACKED_VALUES = 50_000  # distinct failing values counted per column (bounds memory)


@dataclass
class ValueStat:
    input: Any
    count: int
    first_rows: list[int]


@dataclass
class Partial:
    """Aggregates over a contiguous run of rows; ``detail`` is capped at ``cap`` (None: no cap)."""

    cap: int | None = None
    rows: int = 0
    invalid_rows: int = 0  # rows with a failure of error severity
    error_count: int = 0
    warning_rows: int = 0  # rows whose every failure is a warning
    warning_count: int = 0  # failures of warning severity (included in error_count)
    by_type: dict[str, Counter[str]] = field(default_factory=dict)
    values: dict[str, dict[str, ValueStat]] = field(default_factory=dict)
    detail: list[ErrorItem] = field(default_factory=list)
    dropped: int = 0  # detail items not kept because of the cap

    @property
    def room(self) -> int | None:
        """How many more detail items fit (None: unlimited)."""
        return None if self.cap is None else max(self.cap - len(self.detail), 0)

    def count_value(self, column: str, types: list[str], value: Any, n: int,
                    first_rows: list[int], warnings: int = 0,
                    values: Partial | None = None) -> None:
        """Record ``n`` cells of ``column`` holding ``value``, each failing with ``types``
        (``warnings`` of which are of warning severity). ``values``: tally the value in that
        partial's tables instead of this one's (a running total that this slice is about to
        be merged into, so that the merge has no value to move one by one)."""
        self.error_count += n * len(types)
        self.warning_count += n * warnings
        counter = self.by_type.setdefault(column, Counter())
        for error_type in types:
            counter[error_type] += n
        (values or self)._count_input(column, value, n, first_rows)

    def count_dataset_error(self, item: ErrorItem, column: str | None) -> None:
        """A dataset-level error (a missing column, the row count): counted and listed first.
        Its severity is the one stamped on ``item``."""
        self.error_count += 1
        if item.severity == WARNING:
            self.warning_count += 1
        if column is not None:
            self.by_type.setdefault(column, Counter())[item.type] += 1
        self.add_detail([item], 1)

    def count_rows(self, rows: Sequence[np.ndarray], has_error: Sequence[bool]) -> None:
        """Count the failing rows of a slice from each failure group's rows; ``has_error`` says
        which groups carry a failure of error severity. A row with one is invalid; a row with
        failures that are all warnings is a warning row."""
        if not rows:
            return
        bad = [r for r, e in zip(rows, has_error, strict=True) if e]
        warned = [r for r, e in zip(rows, has_error, strict=True) if not e]
        errors = sorted_distinct(np.concatenate(bad)) if bad else np.zeros(0, dtype=np.int64)
        self.invalid_rows += int(errors.size)
        if warned:
            only = np.setdiff1d(sorted_distinct(np.concatenate(warned)), errors, assume_unique=True)
            self.warning_rows += int(only.size)

    def fail_every_row(self, items: Sequence[ErrorItem]) -> None:
        """A header failure (a missing or forbidden column) makes Pydantic reject every row:
        with an error among ``items`` every row is invalid; with warnings only, every row not
        already invalid is a warning row."""
        if any(item.severity != WARNING for item in items):
            self.invalid_rows, self.warning_rows = self.rows, 0
        else:
            self.warning_rows = self.rows - self.invalid_rows

    def report_counts(self, severity: bool) -> dict[str, Any]:
        """The report's verdict and counts. ``valid``: no failure of error severity (warnings
        alone leave a report valid). ``severity``: the schema declares warnings, so the report
        carries ``warning_count`` and ``warning_rows`` (absent otherwise, as before)."""
        counts: dict[str, Any] = {
            "valid": self.error_count - self.warning_count == 0,
            "invalid_rows": self.invalid_rows, "error_count": self.error_count}
        if severity:
            counts.update(warning_count=self.warning_count, warning_rows=self.warning_rows)
        return counts

    def _count_input(self, column: str, value: Any, n: int, first_rows: list[int]) -> None:
        table = self.values.setdefault(column, {})
        key = _value_key(value)
        stat = table.get(key)
        if stat is None:
            if len(table) >= MAX_TRACKED_VALUES:
                return
            table[key] = ValueStat(value, n, sorted(first_rows)[:FIRST_ROWS])
            return
        stat.count += n
        # rows in order (a later slice) cannot displace three rows already kept
        if first_rows and (len(stat.first_rows) < FIRST_ROWS
                           or min(first_rows) < stat.first_rows[-1]):
            stat.first_rows = sorted({*stat.first_rows, *first_rows})[:FIRST_ROWS]

    def add_detail(self, items: list[ErrorItem], total: int) -> None:
        """Append items (already in row order) of a slice that had ``total`` items in all."""
        room = self.room
        keep = items if room is None else items[:room]
        self.detail.extend(keep)
        self.dropped += total - len(keep)

    def merge(self, later: Partial, *, consume: bool = False) -> Partial:
        """Fold ``later`` (rows after ours) into this partial, in place, and return it.
        ``later`` is left as it was, unless ``consume`` says the caller is done with it: a
        value table of a column this partial has none of yet is then taken over as it is,
        not copied value by value (a run's last merge moves every failing value of the file).
        A Dask task's inputs are never consumed: the scheduler may hand them out again."""
        self.rows += later.rows
        self.invalid_rows += later.invalid_rows
        self.error_count += later.error_count
        self.warning_rows += later.warning_rows
        self.warning_count += later.warning_count
        for column, counter in later.by_type.items():
            self.by_type.setdefault(column, Counter()).update(counter)
        for column, table in later.values.items():
            if consume and not self.values.get(column):
                self.values[column] = table
                continue
            for stat in table.values():
                self._count_input(column, stat.input, stat.count, stat.first_rows)
        self.add_detail(later.detail, len(later.detail) + later.dropped)
        return self

    def errors_by_column(self) -> dict[str, ColumnErrors]:
        out: dict[str, ColumnErrors] = {}
        for column, counter in self.by_type.items():
            stats = sorted(self.values.get(column, {}).values(),
                           key=lambda s: (-s.count, s.first_rows[:1]))
            out[column] = ColumnErrors(
                errors=sum(counter.values()),
                # most frequent first, ties by name: the same whatever order pieces, workers
                # or the engine's path met them in
                by_type=dict(sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))),
                top_values=[TopValue(input=s.input, count=s.count, first_rows=s.first_rows)
                            for s in stats[:TOP_VALUES]],
            )
        return out


def _value_key(value: Any) -> Any:
    """Equal for the same JSON value (1 and "1" and True stay apart; NaN equals NaN)."""
    if value is None or isinstance(value, str | int):
        return type(value), value
    if isinstance(value, float):
        return float, repr(value)
    return json.dumps(value, sort_keys=True, default=str)
