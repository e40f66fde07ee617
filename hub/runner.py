"""Run a plan over a whole file: batches checked by two workers, folded in row order.

Checking a batch (``engine.check_batch``) needs nothing but the batch, so it runs on worker
threads (Arrow's kernels and CSV parser release the GIL). What needs the batch's place in the
file (uniqueness, row numbers, lines, the detail cap) happens in ``fold``, on the caller's
thread, one batch after the other in row order. At most ``workers + 1`` batches are in flight,
so memory stays bounded by the batch size plus the uniqueness index.
"""

from __future__ import annotations

import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from itertools import chain, islice
from typing import Any

import numpy as np
import pyarrow as pa

from hub.arrowops import sorted_distinct
from hub.checks import ERROR, WARNING, SchemaChecks
from hub.compile import Plan
from hub.engine import BatchOutcome, ColumnMap, Group, check_batch, jsonable
from hub.parseahead import Ahead, AheadPiece
from hub.partial import FIRST_ROWS, Partial
from hub.pieces import Growing
from hub.readers import Batch, RowGroups, Source, iter_csv, unclosed_last_record
from hub.report import ErrorItem
from hub.scan import Signs
from hub.uniqueness import KeyRule, UniqueIndex

WORKERS = 2
OnRows = Callable[[int], None] | None


def key_rules(plan: Plan) -> list[KeyRule]:
    rules = []
    for name in plan.rules.unique:
        fp = plan.field(name)
        rules.append(KeyRule(fp.header, (name,), "duplicate_value", fp.key_kind is not None))
    if plan.rules.primary_key:
        fps = [plan.field(n) for n in plan.rules.primary_key]
        rules.append(KeyRule(",".join(f.header for f in fps), tuple(plan.rules.primary_key),
                             "duplicate_key", all(f.key_kind is not None for f in fps)))
    return rules


class Folder:
    """Folds batch outcomes, in row order, into one Partial."""

    def __init__(self, plan: Plan, cap: int | None) -> None:
        self.plan = plan
        self.cap = cap
        self.uniq = UniqueIndex(key_rules(plan))
        self.key_columns = plan.key_columns
        self.want = self.uniq.columns | set(self.key_columns)
        self.total = Partial(cap=cap)

    def add(self, outcome: BatchOutcome, offset: int, lines: np.ndarray | None) -> None:
        groups = list(outcome.groups)
        order = len(self.plan.fields)
        for rule, shown, first, rows in self.uniq.check(outcome.keys, outcome.key_extra,
                                                        offset, outcome.rows):
            what = "value" if len(rule.names) == 1 else "key"
            groups.append(Group(rule.label, order, jsonable(shown), [{
                "type": rule.error_type, "loc": (),
                "msg": f"Duplicate {what}: first seen at row {first}",
                "ctx": {"first_row": first},
            }], rows))
        room = self.total.room if self.cap else None
        self.total.merge(fold(groups, outcome, offset, lines, room, self.key_columns,
                              self.plan.checks, values=self.total))


def fold(groups: list[Group], outcome: BatchOutcome, offset: int, lines: np.ndarray | None,
         cap: int | None, key_columns: tuple[str, ...], checks: SchemaChecks | None = None,
         values: Partial | None = None) -> Partial:
    """A batch's groups as a Partial: exact counts, detail in row-major order up to ``cap``.
    ``checks`` (the plan's, when the schema declares warnings) sets each failure's severity.
    ``values``: the running total the Partial will be merged into; the failing values are
    tallied there directly (see ``Partial.count_value``)."""
    part = Partial(cap=cap, rows=outcome.rows)
    if not groups:
        return part
    sev = None if checks is None else _severities(checks, groups)
    for i, g in enumerate(groups):
        part.count_value(g.column, [e["type"] for e in g.errors], g.value, len(g.rows),
                         [int(r) + offset for r in g.rows[:FIRST_ROWS]],
                         sev[i].count(WARNING) if sev else 0, values)
    all_rows = np.concatenate([g.rows for g in groups]).astype(np.int64)
    if sev is None:
        part.invalid_rows = int(sorted_distinct(all_rows).size)
    else:
        part.count_rows([g.rows for g in groups], [ERROR in s for s in sev])
    total = part.error_count
    room = total if cap is None else min(cap, total)
    if not room:
        part.dropped = total
        return part
    gid = np.concatenate([np.full(len(g.rows), i) for i, g in enumerate(groups)])
    orders = np.concatenate([np.full(len(g.rows), g.order) for g in groups])
    chosen = np.lexsort((gid, orders, all_rows))[:room]
    items: list[ErrorItem] = []
    for pos in chosen.tolist():
        g = groups[int(gid[pos])]
        r = int(all_rows[pos])
        line = int(lines[r]) if lines is not None else None
        key = _key_of(outcome.keys, key_columns, r)
        for j, e in enumerate(g.errors):
            loc = ["rows", offset + r, g.column, *e["loc"]] if g.column else \
                ["rows", offset + r, *e["loc"]]
            items.append(ErrorItem.model_construct(
                type=e["type"], loc=loc, msg=e["msg"], input=g.value, ctx=e.get("ctx"),
                line=line, key=key, severity=sev[int(gid[pos])][j] if sev else None))
        if len(items) >= room:
            break
    part.add_detail(items[:room], total)
    return part


def _severities(checks: SchemaChecks, groups: list[Group]) -> list[list[str]]:
    """Each group's failures' severities (one list per group, shared by groups alike)."""
    seen: dict[tuple[str, ...], list[str]] = {}
    out = []
    for g in groups:
        key = (g.column, *(e["type"] for e in g.errors))
        found = seen.get(key)
        if found is None:
            found = seen[key] = [checks.cell_severity(g.column, e["type"]) for e in g.errors]
        out.append(found)
    return out


def _key_of(keys: dict[str, Any], key_columns: tuple[str, ...], r: int) -> dict[str, Any] | None:
    if not key_columns:
        return None
    out = {}
    for name in key_columns:
        col = keys.get(name)
        if col is None:
            out[name] = None
        elif isinstance(col, pa.Array):
            out[name] = jsonable(col[r].as_py())
        else:
            out[name] = jsonable(col[r])
    return out


def run_row_groups(plan: Plan, cmap: ColumnMap, row_groups: RowGroups, cap: int | None,
                   on_rows: OnRows = None, workers: int = WORKERS) -> Partial:
    """Check a Parquet file row group by row group, each worker decoding its own group on its
    own thread. Decoding on Arrow's pool in the caller while the workers checked ran four busy
    threads on two cores: on the 5M-row orders file this took 2.31 s of wall and 4.44 CPU-s
    against 2.63 and 4.86 (medians of 4, decoding and checking only)."""
    folder = Folder(plan, cap)

    def work(item: tuple[int, int]) -> list[tuple[BatchOutcome, int]]:
        index, offset = item
        done = []
        for batch in row_groups.batches(index):
            done.append((check_batch(plan, cmap, batch, folder.want), offset))
            offset += batch.num_rows
        return done

    for done in _ordered(work, row_groups.groups, workers, many=len(row_groups.groups) > 1):
        for outcome, offset in done:
            folder.add(outcome, offset, None)
            if on_rows is not None:
                on_rows(outcome.rows)
    return folder.total


def run_batches(plan: Plan, cmap: ColumnMap, batches: Iterable[Batch], cap: int | None,
                on_rows: OnRows = None, workers: int = WORKERS) -> Partial:
    """Check batches that already know their offsets (Parquet, the CSV stream)."""
    folder = Folder(plan, cap)
    _fold_batches(folder, plan, cmap, batches, on_rows, workers)
    return folder.total


def _fold_batches(folder: Folder, plan: Plan, cmap: ColumnMap, batches: Iterable[Batch],
                  on_rows: OnRows, workers: int) -> None:
    def work(batch: Batch) -> tuple[Batch, BatchOutcome]:
        return batch, check_batch(plan, cmap, batch.data, folder.want)

    for batch, outcome in _ordered(work, batches, workers):
        folder.add(outcome, batch.offset, batch.lines)
        if on_rows is not None:
            on_rows(batch.data.num_rows)


def run_csv(plan: Plan, cmap: ColumnMap, source: Source, header: list[str],
            null_tokens: tuple[str, ...], cap: int | None, on_rows: OnRows = None,
            workers: int = WORKERS, piece_bytes: int | None = None,
            signs: SignsOut | None = None, ahead: Ahead | None = None,
            delimiter: str = ",", growing: Growing | None = None, *,
            has_header: bool = True) -> Partial:
    """Check a CSV file in pieces parsed and checked by ``workers`` threads; from the first
    piece whose records span lines on, the streaming reader takes over (see hub.segments).

    With ``signs``, each piece is also scanned for the signs that the careful reader must read
    the file (hub.scan) while its bytes are in cache; ``signs.signs`` stays None when the
    pieces did not cover the whole file (the streaming reader took over). ``ahead``: the first
    pieces, read, hashed and parsed while the CLI was importing (hub.parseahead); used only if
    they are what this run would have made of the file, else dropped. ``growing``: the file is
    still being written (an inflating ``.csv.gz``); the pieces follow it, and the streaming
    reader, if it must take over, waits for the whole file. Without ``has_header``, the
    records start at the first byte and ``header`` names the columns."""
    from hub import scan, segments
    from hub.readers import csv_convert_options

    folder = Folder(plan, cap)
    convert = csv_convert_options(header, null_tokens)
    ascii_convert = csv_convert_options(header, null_tokens, check_utf8=False)
    start, header_lines = segments.header_span(source.path) if has_header else (0, 0)
    piece_bytes = piece_bytes or segments.PIECE_BYTES
    size = source.path.stat().st_size
    if growing is not None:
        size = growing.wait_for(start + 2 * piece_bytes + 1)[0]
    pieces: Iterable[segments.Piece | AheadPiece]
    if ahead is not None and has_header and ahead.matches(
            header, null_tokens, piece_bytes, signs.line_limit if signs else None, delimiter):
        early, rest = ahead.claim()
        planned = segments.plan(source.path, rest, piece_bytes, on_read=source.feed_hash,
                                head=False, pool=ahead.pool)
        pieces = chain(_drained(early), planned)
    else:
        if ahead is not None:
            ahead.discard()
        planned = segments.plan(source.path, start, piece_bytes, on_read=source.feed_hash,
                                growing=growing)
        pieces = planned
    seen: list[scan.PieceSigns] = []
    if signs is not None:
        seen.append(scan.header_signs(source.path, start, signs.line_limit))

    def work(piece: segments.Piece | AheadPiece
             ) -> tuple[segments.Parsed, BatchOutcome | None, scan.PieceSigns | None]:
        if isinstance(piece, AheadPiece):  # parsed (or being parsed) by the parse-ahead
            parsed, found = piece.future.result()
            if signs is None:
                found = None
        else:
            try:
                parsed, found = segments.parse_scanned(
                    piece, header, convert, ascii_convert,
                    line_limit=signs.line_limit if signs else None, delimiter=delimiter)
            finally:
                piece.release()  # the bytes are parsed: the buffer serves the next piece
        if parsed.streaming or parsed.batch is None:
            return parsed, None, found
        checked = check_batch(plan, cmap, parsed.batch, folder.want, trusted_text=True)
        return parsed, checked, found

    offset, line = 0, header_lines + 1
    # More than one piece is certain from the size: the first parse starts as soon as the
    # first piece is read, not after the second (~25 ms of reading and zero-filling earlier).
    many = size - start > 2 * piece_bytes
    results = _ordered(work, pieces, workers, many=many)
    for parsed, outcome, found in results:
        if found is not None:
            seen.append(found)
        if parsed.streaming:
            seen.clear()  # the pieces no longer cover the file
            results.close()  # drop the pieces in flight: the stream re-reads them
            # ... and the buffers and pieces read ahead (up to ~100 MB at the start)
            planned.close()
            if ahead is not None:
                ahead.discard()
            del pieces
            if growing is not None:
                growing.wait_for(sys.maxsize)  # the stream reads to the end it finds
            source.hash_in_background()
            rest = iter_csv(source, header, null_tokens, start=parsed.piece.start,
                            first_row=offset, first_line=line, delimiter=delimiter)
            last: list[Batch] = []
            _fold_batches(folder, plan, cmap, _keeping_last(rest, last), on_rows, workers)
            if signs is not None:
                signs.unclosed = unclosed_last_record(source.path, last[0] if last else None,
                                                      delimiter)
            break
        if outcome is not None:
            lines = parsed.lines + line if parsed.lines is not None else None
            folder.add(outcome, offset, lines)
            offset += outcome.rows
            if on_rows is not None:
                on_rows(outcome.rows)
        line += parsed.newlines
    if signs is not None and seen:
        signs.signs = scan.joined(seen)
    return folder.total


def _keeping_last(batches: Iterable[Batch], last: list[Batch]) -> Iterator[Batch]:
    """The batches, the latest one kept in ``last``."""
    for batch in batches:
        last[:] = [batch]
        yield batch


def _drained(items: list[Any]) -> Iterator[Any]:
    """The items in order, each let go of once handed out (a parsed piece is ~20 MB)."""
    items.reverse()
    while items:
        yield items.pop()


class SignsOut:
    """Where ``run_csv`` leaves the signs it saw on the way (None: not the whole file)."""

    def __init__(self, line_limit: int) -> None:
        self.line_limit = line_limit
        self.signs: Signs | None = None
        self.unclosed = False  # the streaming reader closed a quote left open at the end


def _ordered(work: Callable[[Any], Any], items: Iterable[Any], workers: int, *,
             many: bool = False) -> Iterator[Any]:
    """``map(work, items)`` on ``workers`` threads, in order, at most workers + 1 in flight.
    Stops the producer (and drops pending work) when the consumer stops early. ``many``: the
    caller knows there are several items (else the first two are read to find out)."""
    it = iter(items)
    if not many:
        head = list(islice(it, 2))
        if workers <= 1 or len(head) < 2:  # one piece: no pool to start and stop (small files)
            yield from map(work, chain(head, it))
            return
        it = chain(head, it)
    elif workers <= 1:
        yield from map(work, it)
        return
    pending: deque[Future[Any]] = deque()
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="dvh") as pool:
        try:
            for item in it:
                pending.append(pool.submit(work, item))
                if len(pending) > workers:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:
            for f in pending:
                f.cancel()
