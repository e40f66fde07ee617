"""The one core entry point both faces call: a file and a schema in, a report out."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from hub import parseahead, prehash
from hub.careful import fast_dialect, read_careful
from hub.carefulrun import issue_item, run_careful
from hub.compile import Plan, compile_plan
from hub.engine import ColumnMap, map_columns, mappable
from hub.errors import UnreadableInput
from hub.inputs import Prepared, ReadOptions, prepare
from hub.lean import collector_paused, keep_pandas_out
from hub.parseahead import Ahead
from hub.partial import Partial
from hub.readers import Source, _Hasher, iter_parquet, parquet_row_groups, read_header
from hub.registry import SchemaEntry
from hub.report import ErrorItem, Report, SchemaRef, SourceRef
from hub.runner import WORKERS, SignsOut, run_batches, run_csv, run_row_groups
from hub.scan import Scanner

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
    options: ReadOptions | None = None,
    temp_dir: Path | None = None,
) -> Report:
    """Validate one file against one schema.

    Invalid data comes back as a report; only a file that cannot be read at all raises
    (``UnreadableInput``, ``UnsupportedFormat``, each with a ``kind`` slug). ``max_errors``
    caps ``detail`` (0 or None: no cap); every count stays exact. ``on_rows`` is called with
    the number of rows of each batch as it is folded (progress). ``workers`` threads check
    batches (1: all on the caller's thread); ``piece_bytes`` sets the size of CSV pieces (tests
    use tiny ones). ``options`` says what the user knows of the file (format, delimiter,
    encoding, header, compression, limits); anything left ``None`` is found out.
    """
    keep_pandas_out()
    opts = options or ReadOptions()
    if fmt and not opts.fmt:
        opts = replace(opts, fmt=fmt)
    if null_tokens:
        opts = replace(opts, null_tokens=tuple(dict.fromkeys((*opts.null_tokens, *null_tokens))))
    with collector_paused():
        return _validate(source, schema, max_errors, name, on_rows, workers, piece_bytes, opts,
                         temp_dir)


def _stat(path: Path) -> int:
    try:
        if path.is_dir():
            raise UnreadableInput(f"{path}: is a directory, not a file", kind="not_a_file")
        return path.stat().st_size
    except FileNotFoundError:
        raise UnreadableInput(f"{path}: no such file", kind="not_found") from None
    except OSError as exc:
        raise UnreadableInput(f"{path}: {exc.strerror or exc}") from None


def _validate(source: str | Path | Source, schema: SchemaEntry, max_errors: int | None,
              name: str | None, on_rows: Callable[[int], None] | None, workers: int,
              piece_bytes: int | None, opts: ReadOptions, temp_dir: Path | None) -> Report:
    if isinstance(source, Source):
        path, label = source.path, source.name
    else:
        path = Path(source)
        label = name or path.name
    ahead = parseahead.take(path)  # started by the CLI while it was still importing
    try:
        size = _stat(path)
        prepared = prepare(path, label, opts, temp_dir=temp_dir, follow=True)
    except BaseException:
        if ahead is not None:
            ahead.discard()
        raise
    try:
        # The hash is of the file as given. When it is parsed as is, the readers feed the
        # hasher the bytes they read anyway; an inflated or transcoded file is hashed by the
        # scan of the original instead.
        same = prepared.path == path
        early = prehash.take(path)  # started by the CLI while it was still importing
        if ahead is not None and not (same and prepared.fmt == "csv"):
            ahead.discard()
            ahead = None
        hasher = None
        if same and early is None:
            hasher = _Hasher(path, size, resume=ahead.hash_state if ahead else None)
        original = early or (None if same else Scanner(path, line_limit=opts.cell_limit,
                                                        signs=False))
        src = Source(path=prepared.path, name=label, format=prepared.fmt, bytes=size,
                     _sha=hasher)
        plan = compile_plan(schema)
        cap = max_errors or None
        tokens = tuple(dict.fromkeys((*plan.rules.null_tokens, *opts.null_tokens)))
        if prepared.fmt == "parquet":
            src.hash_in_background()
            total = _run_parquet(plan, src, cap, on_rows, workers)
        else:
            total = _run_csv(plan, src, prepared, tokens, cap, on_rows, workers, piece_bytes,
                             opts, ahead)
        for item in plan.stamp(_row_count_items(total.rows, plan.rules.min_rows,
                                                plan.rules.max_rows)):
            total.count_dataset_error(item, None)
        return Report(
            **total.report_counts(plan.checks is not None),
            schema=SchemaRef(name=schema.name, fingerprint=schema.fingerprint),
            source=SourceRef(name=label, format=prepared.fmt, bytes=size,
                             sha256=hasher.result() if hasher else original.result()),  # type: ignore[union-attr]
            rows=total.rows,
            truncated=total.dropped > 0,
            errors_by_column=total.errors_by_column(),
            detail=total.detail,
        )
    finally:
        if ahead is not None:
            ahead.discard()  # used or not, the pieces are not needed any more
        prepared.cleanup()


def _start(plan: Plan, cmap: ColumnMap, cap: int | None, extra_items: list[ErrorItem] = ()
           ) -> Partial:
    """A Partial opened with the file-level problems: header issues, missing/extra columns."""
    total = Partial(cap=cap)
    for item in plan.stamp(list(extra_items)):
        total.count_dataset_error(item, str(item.loc[1]) if len(item.loc) > 1 else None)
    for item in plan.stamp(_structural_items(cmap, plan.forbid_extra)):
        total.count_dataset_error(item, str(item.loc[1]))
    return total


def _finish(plan: Plan, total: Partial, body: Partial, cmap: ColumnMap) -> Partial:
    total.merge(body, consume=True)  # body is done with: its tables move over
    if cmap.missing or (plan.forbid_extra and cmap.extra):
        # Pydantic rejects every row that lacks a field: as an error or as a warning
        total.fail_every_row(plan.stamp(_structural_items(cmap, plan.forbid_extra)))
    return total


def _run_parquet(plan: Plan, src: Source, cap: int | None, on_rows: Callable[[int], None] | None,
                 workers: int) -> Partial:
    try:
        header, batches = iter_parquet(src)
        import pyarrow.parquet as pq

        meta = pq.read_metadata(src.path)
        arrow_schema = meta.schema.to_arrow_schema()
    except UnreadableInput as exc:
        raise UnreadableInput(str(exc), kind="corrupt_parquet") from None
    except Exception as exc:  # pyarrow raises several types for a damaged footer
        raise UnreadableInput(f"{src.name}: not a readable Parquet file ({exc})",
                              kind="corrupt_parquet") from None
    cmap = map_columns(plan, header)
    nested = _nested_fields(cmap, arrow_schema)
    total = _start(plan, cmap, cap, nested)
    room = total.room if cap else None
    try:
        groups = parquet_row_groups(src, meta, workers)
        if groups is not None:
            body = run_row_groups(plan, cmap, groups, room, on_rows, workers)
        else:
            body = run_batches(plan, cmap, batches, room, on_rows, workers)
    except UnreadableInput as exc:
        raise UnreadableInput(str(exc), kind="corrupt_parquet") from None
    return _finish(plan, total, body, cmap)


def _nested_fields(cmap: ColumnMap, arrow_schema: object) -> list[ErrorItem]:
    """A list/struct/map column for a scalar field: one clear column error, no cell checks."""
    import pyarrow as pa

    items, keep = [], []
    for order, fp, idx in cmap.fields:
        typ = arrow_schema.field(idx).type  # type: ignore[attr-defined]
        nested = pa.types.is_nested(typ)
        wants_nested = fp.adapter.json_schema().get("type") in ("array", "object")
        if nested and not wants_nested:
            items.append(ErrorItem(
                type="nested_column", loc=["columns", fp.header],
                msg=f"Column is {typ}, a nested type; field {fp.name!r} takes a single value",
                input=str(typ), ctx={"arrow_type": str(typ)}))
        else:
            keep.append((order, fp, idx))
    cmap.fields[:] = keep
    return items


def _run_csv(plan: Plan, src: Source, prepared: Prepared, tokens: tuple[str, ...],
             cap: int | None, on_rows: Callable[[int], None] | None, workers: int,
             piece_bytes: int | None, opts: ReadOptions, ahead: Ahead | None = None
             ) -> Partial:
    """The CSV file's partial: the fast path when its dialect allows and its signs say it is
    sound, else the careful reader. A file still inflating (``prepared.inflation``) is
    checked as it grows; whatever the run made of it, an inflation that failed is the answer
    (a corrupt stream, the size limit), as it was when the run waited for the whole file."""
    try:
        return _run_csv_paths(plan, src, prepared, tokens, cap, on_rows, workers,
                              piece_bytes, opts, ahead)
    except Exception:
        prepared.whole()  # raises the inflation's own error, if it failed
        raise


def _run_csv_paths(plan: Plan, src: Source, prepared: Prepared, tokens: tuple[str, ...],
                   cap: int | None, on_rows: Callable[[int], None] | None, workers: int,
                   piece_bytes: int | None, opts: ReadOptions, ahead: Ahead | None
                   ) -> Partial:
    if fast_dialect(prepared.dialect, headerless=True):
        delimiter, has_header = prepared.dialect.delimiter, prepared.dialect.header
        signs = SignsOut(opts.cell_limit)
        try:
            # without a header, columns are the fields by position, as the careful reader
            # names them; a row of another width makes Arrow refuse the file, and the careful
            # reader reports it
            header = read_header(src.path, delimiter) if has_header else plan.headers
            cmap = map_columns(plan, header)
            total = _start(plan, cmap, cap)
            body = run_csv(plan, cmap, src, header, tokens, total.room if cap else None,
                           on_rows, workers, piece_bytes, signs, ahead, delimiter,
                           prepared.inflation, has_header=has_header)
        except UnreadableInput:
            pass  # the careful reader will say exactly what and where
        else:
            prepared.whole()
            seen = signs.signs or Scanner(src.path, line_limit=opts.cell_limit,
                                          hash_content=False).wait()
            if not (seen.suspect or signs.unclosed) and mappable(header):
                return _finish(plan, total, body, cmap)
    prepared.whole()
    return _run_careful(plan, src, prepared, tokens, cap, on_rows, opts)


def _run_careful(plan: Plan, src: Source, prepared: Prepared, tokens: tuple[str, ...],
                 cap: int | None, on_rows: Callable[[int], None] | None,
                 opts: ReadOptions) -> Partial:
    names, header_issues, batches = read_careful(
        src.path, prepared.dialect, null_tokens=tokens, cell_limit=opts.cell_limit,
        field_names=plan.headers)
    if prepared.dialect.header and not names:
        raise UnreadableInput(f"{src.name}: the file is empty (no header)", kind="empty_file")
    cmap = map_columns(plan, names)
    cmap.extra[:] = [e for e in cmap.extra if not e.startswith("\x00")]
    total = _start(plan, cmap, cap, [issue_item(i) for i in header_issues])
    body = run_careful(plan, cmap, batches, total.room if cap else None, on_rows)
    return _finish(plan, total, body, cmap)
