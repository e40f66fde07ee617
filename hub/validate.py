"""The one core entry point both faces call: a file and a schema in, a report out."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from hub.compile import compile_plan
from hub.engine import ColumnMap, map_columns
from hub.errors import UnreadableInput
from hub.lean import collector_paused, keep_pandas_out
from hub.partial import Partial
from hub.readers import Source, iter_parquet, open_source, read_header
from hub.registry import SchemaEntry
from hub.report import ErrorItem, Report, SchemaRef, SourceRef
from hub.runner import WORKERS, run_batches, run_csv

DEFAULT_MAX_ERRORS = 100


def _structural_items(cmap: ColumnMap, forbid_extra: bool) -> list[ErrorItem]:
    items = [
        ErrorItem(type="missing", loc=["columns", fp.header], msg="Field required", input=None,
                  line=None)
        for fp in cmap.missing
    ]
    if forbid_extra:
        items += [
            ErrorItem(type="extra_forbidden", loc=["columns", name],
                      msg="Extra inputs are not permitted", input=name, line=None)
            for name in cmap.extra
        ]
    return items


def _row_count_items(rows: int, min_rows: int | None, max_rows: int | None) -> list[ErrorItem]:
    items = []
    if min_rows is not None and rows < min_rows:
        items.append(ErrorItem(type="too_few_rows", loc=["rows"],
                               msg=f"Expected at least {min_rows} rows, found {rows}",
                               input=rows, ctx={"min_rows": min_rows}))
    if max_rows is not None and rows > max_rows:
        items.append(ErrorItem(type="too_many_rows", loc=["rows"],
                               msg=f"Expected at most {max_rows} rows, found {rows}",
                               input=rows, ctx={"max_rows": max_rows}))
    return items


def validate(
    source: str | Path | Source,
    schema: SchemaEntry,
    *,
    max_errors: int | None = DEFAULT_MAX_ERRORS,
    null_tokens: tuple[str, ...] = (),
    name: str | None = None,
    fmt: str | None = None,
    on_rows: Callable[[int], None] | None = None,
    workers: int = WORKERS,
    piece_bytes: int | None = None,
) -> Report:
    """Validate one file against one schema.

    Invalid data comes back as a report; only a file that cannot be read at all raises
    (``UnreadableInput``, ``UnsupportedFormat``). ``max_errors`` caps ``detail`` (0 or None:
    no cap); every count stays exact. ``on_rows`` is called with the number of rows of each
    batch as it is folded (progress). ``workers`` threads check batches (1: all on the
    caller's thread); ``piece_bytes`` sets the size of CSV pieces (tests use tiny ones).
    """
    keep_pandas_out()
    with collector_paused():
        return _validate(source, schema, max_errors, null_tokens, name, fmt, on_rows, workers,
                         piece_bytes)


def _validate(source: str | Path | Source, schema: SchemaEntry, max_errors: int | None,
              null_tokens: tuple[str, ...], name: str | None, fmt: str | None,
              on_rows: Callable[[int], None] | None, workers: int, piece_bytes: int | None
              ) -> Report:
    src = source if isinstance(source, Source) else open_source(source, name=name, fmt=fmt)
    plan = compile_plan(schema)
    cap = max_errors or None
    tokens = tuple(dict.fromkeys((*plan.rules.null_tokens, *null_tokens)))
    if src.format == "csv":
        if src.bytes == 0:
            raise UnreadableInput(f"{src.name}: the file is empty (0 bytes)")
        header = read_header(src.path)
    else:
        src.hash_in_background()
        header, batches = iter_parquet(src)
    cmap = map_columns(plan, header)
    head = _structural_items(cmap, plan.forbid_extra)
    total = Partial(cap=cap)
    for item in head:
        total.count_dataset_error(item, str(item.loc[1]))
    room = total.room if cap else None
    if src.format == "csv":
        body = run_csv(plan, cmap, src, header, tokens, room, on_rows, workers, piece_bytes)
    else:
        body = run_batches(plan, cmap, batches, room, on_rows, workers)
    total.merge(body)
    for item in _row_count_items(total.rows, plan.rules.min_rows, plan.rules.max_rows):
        total.count_dataset_error(item, None)
    if head:
        total.invalid_rows = total.rows  # Pydantic rejects every row that lacks a field
    return Report(
        valid=total.error_count == 0,
        schema=SchemaRef(name=schema.name, fingerprint=schema.fingerprint),
        source=SourceRef(name=src.name, format=src.format, bytes=src.bytes, sha256=src.sha256()),
        rows=total.rows,
        invalid_rows=total.invalid_rows,
        error_count=total.error_count,
        truncated=total.dropped > 0,
        errors_by_column=total.errors_by_column(),
        detail=total.detail,
    )
