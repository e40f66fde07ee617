"""Check one partition of a dataset: the engine's batch outcomes, before uniqueness is known.

``check_partition`` is the unit of work on one machine and on a Dask worker alike. It reads
the partition the way a single-file run reads a file (CSV in ~16 MB pieces of whole records,
parsed and checked by ``workers`` threads, the streaming reader taking over where quoted
cells span lines; Parquet in batches) and keeps each batch's ``BatchOutcome`` with its row
offset and physical lines, all relative to the partition. Placing them in the file (row and
line offsets), uniqueness and the detail cap come later, in ``hub.dataset``.

A CSV byte range (a slice of a large file) starts at the first line break after its nominal
start. That is a record boundary only if no quoted cell spans lines across it, which a range
cannot know alone; so a range that holds a quote character at all says ``fallback`` and the
caller validates that file as one partition instead (a rule both runners apply, so they cut
the same way).

Before a CSV partition is parsed, its file is settled the way a single-file run settles one
(``hub.inputs.prepare``: compression, encoding, delimiter, header, the user's ``ReadOptions``).
A UTF-8 file with a header in a dialect Arrow reads as Python's csv does (a one-byte delimiter,
doubled quotes: ``hub.careful.fast_dialect``) is read as above, in byte ranges or whole.
Anything else is read whole: a compressed file is inflated to a temporary file first and
another encoding transcoded, then read as above when its dialect allows; a file without a
header too, its columns the fields by position (a range's cut assumes a header line); any
other dialect goes through the careful reader, as a single-file run does. A byte range of
such a file says ``fallback`` so that its file is planned whole. So does a plain file the
Arrow pieces cannot parse (a row with too few or too many cells) or map (a blank or repeated
column name), or whose bytes show the signs the pieces cannot be trusted with (``hub.scan``:
NUL bytes, an unclosed quote, blank lines...): the careful reader then reports where, as for
a single file.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from hub import scan, segments
from hub.careful import DEFAULT_CELL_LIMIT, fast_dialect, read_careful
from hub.carefulrun import issue_groups as careful_groups
from hub.carefulrun import issue_item
from hub.compile import Plan
from hub.dataset_files import DataFile, Partition, filesystem, next_line_start, parquet_file
from hub.engine import BatchOutcome, check_batch, map_columns, mappable
from hub.errors import UnreadableInput
from hub.inputs import Prepared, ReadOptions, prepare
from hub.readers import (
    PARQUET_BATCH_ROWS,
    Source,
    csv_convert_options,
    iter_csv,
    parquet_reader,
    read_header,
    unclosed_last_record,
)
from hub.report import ErrorItem
from hub.runner import _ordered
from hub.scan import Scanner

Outcome = tuple[BatchOutcome, int, np.ndarray | None]  # outcome, row offset, lines (1-based)


@dataclass
class Checked:
    """What one partition violates, rows and lines relative to the partition.

    For CSV, ``lines`` count from the partition's first byte (the file's first partition
    holds the header, so its lines are the file's); ``newlines`` is how many line breaks the
    partition's bytes hold, which places the partitions after it.
    """

    order: tuple[int, int]
    rows: int = 0
    newlines: int = 0
    header: list[str] = field(default_factory=list)
    batches: list[Outcome] = field(default_factory=list)
    fallback: bool = False
    head_items: list[ErrorItem] = field(default_factory=list)  # header problems (careful reader)
    suspect: bool = False  # hub.scan's signs in its bytes: the careful reader must read it

    @property
    def keyed(self) -> list[tuple[BatchOutcome, int]]:
        return [(o, off) for o, off, _ in self.batches]


def check_partition(part: Partition, plan: Plan, want: set[str], null_tokens: tuple[str, ...],
                    workers: int = 1, piece_bytes: int | None = None,
                    read: ReadOptions | None = None) -> Checked:
    """Stage 1 of a dataset run (see the module's docstring)."""
    read = read or ReadOptions()
    if part.file.fmt == "parquet" and not part.file.compressed and read.fmt != "csv":
        return _check_parquet(part, parquet_file(part.file), plan, want, workers)
    with _local_csv(part) as (path, start, stop):
        prepared = prepare(path, part.file.name, read)
        try:
            # a byte range's cut assumes a header line (``_cut``): without one, whole files
            plain = (prepared.path == path and prepared.fmt == "csv"
                     and fast_dialect(prepared.dialect))
            if not part.whole and not plain:  # see the module's docstring
                return Checked(part.order, fallback=True)
            if prepared.fmt == "parquet":
                return _check_parquet(part, parquet_reader(prepared.path), plan, want, workers)
            if fast_dialect(prepared.dialect, headerless=True):
                # a prepared (inflated, transcoded) file is read whole, as the part is
                lo, hi = (start, stop) if plain else (None, None)
                try:
                    checked = _check_csv(part, prepared.path, lo, hi, plan, want, null_tokens,
                                         workers, piece_bytes, read.cell_limit,
                                         prepared.dialect.delimiter,
                                         has_header=prepared.dialect.header)
                except UnreadableInput:  # ragged rows...: the careful reader says where
                    checked = None
                if checked is not None and mappable(checked.header) and not (
                        checked.suspect):
                    return checked
                if not part.whole:
                    return Checked(part.order, fallback=True)
            return _check_careful(part, prepared, plan, want, null_tokens, read)
        finally:
            prepared.cleanup()


def _check_careful(part: Partition, prepared: Prepared, plan: Plan, want: set[str],
                   null_tokens: tuple[str, ...], read: ReadOptions) -> Checked:
    """A whole file in another dialect, through the careful reader (as ``hub.validate``)."""
    names, issues, batches = read_careful(
        prepared.path, prepared.dialect, null_tokens=null_tokens, cell_limit=read.cell_limit,
        field_names=plan.headers)
    if prepared.dialect.header and not names:
        raise UnreadableInput(f"{part.file.name}: the file is empty (no header)",
                              kind="empty_file")
    cmap = map_columns(plan, names)
    checked = Checked(part.order, header=[n for n in names if not n.startswith("\x00")],
                      head_items=[issue_item(i) for i in issues])
    for batch in batches:
        outcome = check_batch(plan, cmap, batch.data, want, trusted_text=True)
        outcome.groups.extend(careful_groups(plan, cmap, batch))
        checked.batches.append((outcome, batch.offset, batch.lines))
        checked.rows += batch.data.num_rows
    return checked


def _check_parquet(part: Partition, pf: Any, plan: Plan, want: set[str], workers: int
                   ) -> Checked:
    header = list(pf.schema_arrow.names)
    cmap = map_columns(plan, header)
    checked = Checked(part.order, header=header)
    groups = list(part.row_groups) if part.row_groups is not None else None

    def batches() -> Iterator[pa.RecordBatch]:
        try:
            yield from pf.iter_batches(batch_size=PARQUET_BATCH_ROWS, row_groups=groups)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, OSError) as exc:
            raise UnreadableInput(f"{part.file.name}: {_first_line(exc)}") from None

    def work(rb: pa.RecordBatch) -> tuple[pa.RecordBatch, BatchOutcome]:
        return rb, check_batch(plan, cmap, rb, want)

    for rb, outcome in _ordered(work, batches(), workers):
        checked.batches.append((outcome, checked.rows, None))
        checked.rows += rb.num_rows
    return checked


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


@contextlib.contextmanager
def _local_csv(part: Partition) -> Iterator[tuple[Path, int | None, int | None]]:
    """A local file holding the partition's bytes, and the byte range to read in it (None:
    the whole file after its header). Remote bytes are fetched into a temporary file."""
    f = part.file
    if not f.remote:
        if part.whole:
            yield f.local_path, None, None
            return
        yield f.local_path, *_cut(f, part)
        return
    fs, path = filesystem(f.url)
    fd, tmp = tempfile.mkstemp(prefix="dvh-part-", suffix=".csv")
    os.close(fd)
    local = Path(tmp)
    try:
        if part.whole:
            try:
                fs.get_file(path, tmp)
            except OSError as exc:
                raise UnreadableInput(f"{f.name}: {exc}") from None
            yield local, None, None
            return
        from hub.dataset_files import read_range

        header_end, _ = _remote_header_span(f)
        start, stop = _cut(f, part, header_end)
        local.write_bytes(read_range(f, 0, header_end) + read_range(f, start, stop))
        yield local, header_end, header_end + (stop - start)
    finally:
        local.unlink(missing_ok=True)


def _remote_header_span(f: DataFile) -> tuple[int, int]:
    from hub.dataset_files import read_range

    fd, tmp = tempfile.mkstemp(prefix="dvh-head-", suffix=".csv")
    os.close(fd)
    try:
        Path(tmp).write_bytes(read_range(f, 0, min(f.size, 1 << 20)))
        return segments.header_span(Path(tmp))
    finally:
        Path(tmp).unlink(missing_ok=True)


def _cut(f: DataFile, part: Partition, header_end: int | None = None) -> tuple[int, int]:
    """The real byte range of a CSV range partition: from the first line start at or after
    its nominal start (after the header for the first), to where the next one starts."""
    assert part.start is not None and part.stop is not None
    if part.start == 0:
        start = header_end if header_end is not None else segments.header_span(
            f.local_path)[0]
    else:
        start = next_line_start(f, part.start)
    stop = f.size if part.stop >= f.size else next_line_start(f, part.stop)
    return start, max(start, stop)


def _check_csv(part: Partition, path: Path, start: int | None, stop: int | None, plan: Plan,
               want: set[str], null_tokens: tuple[str, ...], workers: int,
               piece_bytes: int | None, line_limit: int = DEFAULT_CELL_LIMIT,
               delimiter: str = ",", *, has_header: bool = True) -> Checked:
    """Arrow pieces of ``[start, stop)`` (None: the whole file), each also scanned for the
    signs that the careful reader must read the file (``Checked.suspect``, as in hub.runner).
    Without ``has_header`` the records start at the first byte and the columns are the
    fields by position, as the careful reader names them (and as ``hub.validate`` reads a
    single file); a row of another width makes Arrow refuse the file."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise UnreadableInput(f"{part.file.name}: {exc.strerror or exc}") from None
    if size == 0:
        raise UnreadableInput(f"{part.file.name}: the file is empty (0 bytes)")
    header = read_header(path, delimiter) if has_header else plan.headers
    cmap = map_columns(plan, header)
    checked = Checked(part.order, header=header)
    convert = csv_convert_options(header, null_tokens)
    ascii_convert = csv_convert_options(header, null_tokens, check_utf8=False)
    header_end, header_lines = segments.header_span(path) if has_header else (0, 0)
    ranged = start is not None
    first = part.start in (None, 0)
    lo = start if ranged else header_end
    hi = stop if stop is not None else size
    line = (header_lines if first else 0) + 1
    if first:
        checked.newlines = header_lines
    pieces = segments.plan(path, lo, piece_bytes or segments.PIECE_BYTES, stop=hi)
    seen = [scan.header_signs(path, header_end, line_limit)] if first else []

    def work(piece: segments.Piece
             ) -> tuple[segments.Parsed, BatchOutcome | None, scan.PieceSigns | None]:
        quoted = ranged and b'"' in piece.buf[:piece.length]
        parsed, found = (segments.parse_scanned(piece, header, convert, ascii_convert,
                                                line_limit=line_limit, delimiter=delimiter)
                         if not quoted else
                         (segments.Parsed(piece, None, 0, None, streaming=True), None))
        piece.release()  # the bytes are parsed: the buffer serves the next piece
        if parsed.streaming or parsed.batch is None:
            return parsed, None, found
        return parsed, check_batch(plan, cmap, parsed.batch, want, trusted_text=True), found

    results = _ordered(work, pieces, workers)
    for parsed, outcome, found in results:
        if found is not None:
            seen.append(found)
        if parsed.streaming:
            results.close()
            if ranged:  # see the module's docstring
                return Checked(part.order, header=header, fallback=True)
            # the rest is streamed: the pieces no longer cover the file, a plain scan does
            checked.suspect = Scanner(path, line_limit=line_limit,
                                      hash_content=False).wait().suspect
            source = Source(path=path, name=part.file.name, format="csv", bytes=size)
            rest = iter_csv(source, header, null_tokens, start=parsed.piece.start,
                            first_row=checked.rows, first_line=line, delimiter=delimiter)
            last = None
            for last, streamed in _ordered(
                    lambda b: (b, check_batch(plan, cmap, b.data, want)), rest, workers):
                checked.batches.append((streamed, last.offset, last.lines))
                checked.rows += streamed.rows
            checked.suspect = checked.suspect or unclosed_last_record(path, last, delimiter)
            return checked
        if outcome is not None:
            lines = parsed.lines + line if parsed.lines is not None else None
            checked.batches.append((outcome, checked.rows, lines))
            checked.rows += outcome.rows
        line += parsed.newlines
        checked.newlines += parsed.newlines  # exact: only a file's last piece lacks a break
    checked.suspect = scan.joined(seen).suspect
    return checked
