"""Validate a partitioned dataset (a directory, glob or URL of CSV/Parquet files) as one.

The semantics, which a Dask run (``hub.distributed``) reproduces exactly:

- files are taken in the order of their path relative to the dataset's root; each detail
  item names its ``file`` (that relative path), and ``loc``/``line`` are the row and line
  *within that file*, as a single-file run would say;
- each file's column checks (missing or extra columns) are reported at the top of that file's
  items, and all its rows count as invalid then, as in a single-file run;
- counts, ``errors_by_column`` and ``rows`` are dataset-wide; ``min_rows``/``max_rows`` apply
  to the dataset's total, reported last;
- uniqueness and primary keys are dataset-wide: the first occurrence of a key in (file, row)
  order is the original, every later one is reported at its own row as "first seen at row N
  of FILE" (``ctx``: ``first_row``, ``first_file``);
- ``detail`` is cut at ``max_errors`` in (file, row) order; ``top_values[].first_rows`` are
  rows within files and ``first_files`` says which.

The run is: plan partitions (``hub.dataset_files``), check each (``hub.dataset_check``),
find duplicates (``hub.dataset_keys``), fold each partition into a ``Partial`` in place
(``fold_partition``) and merge them in dataset order (``finish``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from hub.compile import Plan, compile_plan
from hub.dataset_check import Checked, check_partition
from hub.dataset_files import (
    PART_BYTES,
    DataFile,
    Dataset,
    Partition,
    list_dataset,
    plan_partitions,
    read_range,
)
from hub.dataset_keys import DupTable, StreamDedupe, dup_groups
from hub.engine import map_columns
from hub.inputs import ReadOptions
from hub.lean import collector_paused, keep_pandas_out
from hub.partial import FIRST_ROWS, TOP_VALUES, Partial
from hub.registry import SchemaEntry
from hub.report import ColumnErrors, FileSummary, Report, SchemaRef, SourceRef, TopValue
from hub.runner import WORKERS, fold, key_rules
from hub.validate import DEFAULT_MAX_ERRORS, _row_count_items, _structural_items

BUCKET_ROWS = 4_000_000


@dataclass(frozen=True)
class DatasetOptions:
    """How to run; ``part_bytes`` and ``piece_bytes`` change the speed, never the report."""

    max_errors: int | None = DEFAULT_MAX_ERRORS
    null_tokens: tuple[str, ...] = ()
    part_bytes: int = PART_BYTES
    piece_bytes: int | None = None
    workers: int = WORKERS
    bucket_rows: int = BUCKET_ROWS  # keys per bucket of a cluster's shuffle (its memory)
    read: ReadOptions | None = None  # what the user said of the files (delimiter, encoding...)

    @property
    def cap(self) -> int | None:
        return self.max_errors or None


def tokens_for(plan: Plan, opts: DatasetOptions) -> tuple[str, ...]:
    return tuple(dict.fromkeys((*plan.rules.null_tokens, *opts.null_tokens)))


def wanted(plan: Plan) -> set[str]:
    """The fields whose validated values a partition keeps (keys and row identifiers)."""
    return {n for r in key_rules(plan) for n in r.names} | set(plan.key_columns)


def places(checks: list[Checked]) -> list[tuple[int, int]]:
    """(row offset, line offset) in its file of each partition (given in dataset order)."""
    out, current, rows, lines = [], None, 0, 0
    for c in checks:
        if c.order[0] != current:
            current, rows, lines = c.order[0], 0, 0
        out.append((rows, lines))
        rows += c.rows
        lines += c.newlines
    return out


def fold_partition(checked: Checked, dups: DupTable | None, plan: Plan, row_offset: int,
                   line_offset: int, names: list[str], cap: int | None) -> Partial:
    """Stage 3: one partition's outcomes and duplicates, placed in its file, as a Partial
    whose detail names the file and whose first rows are (file index, row) pairs."""
    file_index = checked.order[0]
    head = plan.stamp(_structural_items(map_columns(plan, checked.header), plan.forbid_extra))
    part = Partial(cap=cap)
    if checked.order[1] == 0:
        for item in checked.head_items:  # header problems first, as hub.validate puts them
            part.count_dataset_error(item, str(item.loc[1]) if len(item.loc) > 1 else None)
        for item in head:
            part.count_dataset_error(item, str(item.loc[1]))
    rules, order = key_rules(plan), len(plan.fields)
    for outcome, offset, lines in checked.batches:
        groups = list(outcome.groups)
        if dups:
            groups += dup_groups(dups, rules, names, order, offset, offset + outcome.rows)
        room = part.room if cap is not None else None
        placed = lines + line_offset if lines is not None else None
        part.merge(fold(groups, outcome, row_offset + offset, placed, room, plan.key_columns,
                        plan.checks))
    if head:
        part.fail_every_row(head)
    for item in part.detail:
        item.file = names[file_index]
    for table in part.values.values():
        for stat in table.values():
            stat.first_rows = [(file_index, r) for r in stat.first_rows]  # type: ignore[misc]
    return part


Tally = tuple[int, int, int, dict[str, dict[str, int]]]  # rows, invalid, errors, by column


def tally(part: Partial) -> Tally:
    """A partition's exact counts (before the merge loses which file they came from)."""
    return (part.rows, part.invalid_rows, part.error_count,
            {c: dict(n) for c, n in part.by_type.items()})


def file_summaries(dataset: Dataset, file_of: list[int], tallies: list[Tally]
                   ) -> list[FileSummary]:
    """Per file, the sum of its partitions' tallies (``file_of``: each partition's file)."""
    sums: list[list[Any]] = [[0, 0, 0, {}] for _ in dataset.files]
    for index, (rows, invalid, errors, by_column) in zip(file_of, tallies, strict=True):
        acc = sums[index]
        acc[0] += rows
        acc[1] += invalid
        acc[2] += errors
        for column, types in by_column.items():
            counter = acc[3].setdefault(column, Counter())
            counter.update(types)
    return [FileSummary(name=f.name, path=f.url, format=f.fmt, bytes=f.size, rows=acc[0],
                        invalid_rows=acc[1], error_count=acc[2],
                        by_column={c: dict(n.most_common()) for c, n in acc[3].items()})
            for f, acc in zip(dataset.files, sums, strict=True)]


def finish(total: Partial, dataset: Dataset, schema: SchemaEntry, plan: Plan,
           files: list[FileSummary] | None = None) -> Report:
    """The report of the merged partials: the dataset-wide row count checks, then the shape."""
    for item in plan.stamp(_row_count_items(total.rows, plan.rules.min_rows,
                                            plan.rules.max_rows)):
        total.count_dataset_error(item, None)
    names = [f.name for f in dataset.files]
    return Report(
        **total.report_counts(plan.checks is not None),
        schema=SchemaRef(name=schema.name, fingerprint=schema.fingerprint),
        source=SourceRef(name=dataset.source, format=dataset.fmt, bytes=dataset.bytes),
        rows=total.rows,
        truncated=total.dropped > 0,
        errors_by_column=_errors_by_column(total, names),
        detail=total.detail,
        files=files,
    )


def _errors_by_column(total: Partial, names: list[str]) -> dict[str, ColumnErrors]:
    out: dict[str, ColumnErrors] = {}
    for column, counter in total.by_type.items():
        stats = sorted(total.values.get(column, {}).values(),
                       key=lambda s: (-s.count, s.first_rows[:1]))
        out[column] = ColumnErrors(
            errors=sum(counter.values()),
            by_type=dict(counter.most_common()),
            top_values=[TopValue(input=s.input, count=s.count,
                                 first_rows=[r for _, r in s.first_rows[:FIRST_ROWS]],
                                 first_files=[names[f] for f, _ in s.first_rows[:FIRST_ROWS]])
                        for s in stats[:TOP_VALUES]],
        )
    return out


class Replan(Exception):
    """A CSV byte range could not be trusted: validate ``file`` as one partition."""

    def __init__(self, file: DataFile) -> None:
        super().__init__(file.name)
        self.file = file


def replan(parts: list[Partition], whole: set[int]) -> list[Partition]:
    """The plan with the files in ``whole`` (by index) as single partitions."""
    out: list[Partition] = []
    for p in parts:
        if p.file.index in whole:
            if p.first_of_file:
                out.append(Partition(p.file))
            continue
        out.append(p)
    return out


def has_quotes(f: DataFile, step: int = 16 << 20) -> bool:
    """Whether a CSV file holds a quote character (then it is not cut into byte ranges)."""
    pos = 0
    while pos < f.size:
        if b'"' in read_range(f, pos, min(pos + step, f.size)):
            return True
        pos += step
    return False


def validate_dataset(target: str | Dataset, schema: SchemaEntry,
                     opts: DatasetOptions | None = None) -> Report:
    """Validate a dataset on this machine (see the module's docstring)."""
    opts = opts or DatasetOptions()
    dataset = target if isinstance(target, Dataset) else list_dataset(target)
    keep_pandas_out()
    with collector_paused():
        plan = compile_plan(schema)
        parts = plan_partitions(dataset, opts.part_bytes)
        split = {p.file.index for p in parts if not p.whole and p.file.fmt == "csv"}
        parts = replan(parts, {i for i in split if has_quotes(dataset.files[i])})
        while True:
            try:
                total, files = _run(parts, dataset, plan, opts)
                return finish(total, dataset, schema, plan, files)
            except Replan as again:  # malformed bytes in a range: that file whole, from scratch
                parts = replan(parts, {again.file.index})


def _run(parts: list[Partition], dataset: Dataset, plan: Plan, opts: DatasetOptions
         ) -> tuple[Partial, list[FileSummary]]:
    names = [f.name for f in dataset.files]
    rules = key_rules(plan)
    dedupe = StreamDedupe(rules) if rules else None
    total = Partial(cap=opts.cap)
    want, tokens = wanted(plan), tokens_for(plan, opts)
    file_rows = file_lines = 0
    current = None
    file_of: list[int] = []
    tallies: list[Tally] = []
    for checked in _checked(parts, plan, want, tokens, opts):
        if checked.order[0] != current:
            current, file_rows, file_lines = checked.order[0], 0, 0
        dups = dedupe.partition(current, file_rows, checked.keyed) if dedupe else None
        part = fold_partition(checked, dups, plan, file_rows, file_lines, names,
                              total.room if opts.cap else None)
        file_of.append(current)
        tallies.append(tally(part))
        total.merge(part)
        file_rows += checked.rows
        file_lines += checked.newlines
    return total, file_summaries(dataset, file_of, tallies)


def _checked(parts: list[Partition], plan: Plan, want: set[str], tokens: tuple[str, ...],
             opts: DatasetOptions) -> Iterator[Checked]:
    for part in parts:
        checked = check_partition(part, plan, want, tokens, opts.workers, opts.piece_bytes,
                                  opts.read)
        if checked.fallback:
            raise Replan(part.file)
        yield checked
