"""The careful CSV reader: slow, exact about structure, for files the fast reader refuses.

pyarrow's reader is fast but stops at a ragged row, types invalid UTF-8 as binary, and reads an
unclosed quote as one giant cell. When a file shows any of that, dvh reads it again here with
Python's csv module, which tells where each record starts, and turns every structural problem
into an error item at a precise row, column and line. The rows it recovers then go through the
same engine as the fast path.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import numpy as np
import pyarrow as pa

DEFAULT_CELL_LIMIT = 1 << 20  # 1 MiB
STRUCTURAL_TYPES = frozenset({
    "too_many_cells", "too_few_cells", "duplicate_header", "blank_header", "unterminated_quote",
    "nul_character", "invalid_encoding", "cell_too_large",
})
BATCH_ROWS = 32 * 1024
_BAD_TEXT = re.compile("[\udc80-\udcff\ufffd]")


@dataclass(frozen=True)
class Dialect:
    """How a CSV file is written; ``header=False`` maps columns to fields by position."""

    delimiter: str = ","
    quotechar: str = '"'
    escapechar: str | None = None
    doublequote: bool = True
    header: bool = True
    encoding: str = "utf-8"


# Delimiters the fast path (Arrow, in pieces) splits on as the careful reader does: tab and
# every printable ASCII character but the quote (Arrow splits on one byte; the differential
# test in tests/core/test_input_shapes.py holds the two readers to the same verdict). Any
# other (a control character, a non-ASCII one) goes to the careful reader.
FAST_DELIMITERS = frozenset({"\t", *(chr(c) for c in range(0x20, 0x7F) if chr(c) != '"')})


def fast_dialect(dialect: Dialect, *, headerless: bool = False) -> bool:
    """Whether Arrow's reader reads this dialect as the careful reader (Python's csv) does: a
    header (or none, for a caller that names the columns by position: ``headerless``), a
    one-byte delimiter (``FAST_DELIMITERS``), ``"`` quotes escaped by doubling, no escape
    character. The file's other signs (unclosed quotes, blank lines...) are checked on the
    way."""
    return ((dialect.header or headerless) and dialect.delimiter in FAST_DELIMITERS
            and dialect.quotechar == '"' and dialect.doublequote and dialect.escapechar is None)


@dataclass(frozen=True)
class Issue:
    """A structural problem found while reading; ``row`` is the 0-based data row or None."""

    type: str
    msg: str
    row: int | None = None
    column: str | int | None = None
    line: int | None = None
    input: Any = None
    ctx: dict[str, Any] | None = None


@dataclass
class CarefulBatch:
    data: pa.RecordBatch
    offset: int
    lines: np.ndarray
    issues: list[Issue] = field(default_factory=list)
    unread: list[int] = field(default_factory=list)  # batch-local rows whose cells are unknown


class _BoundedLines:
    """Physical lines of at most ``limit`` characters; a longer line is cut and flagged.

    Python's csv module pulls whole lines, so a 2 GB line would be read into memory; this reads
    at most ``limit`` characters, skips the rest of the line, and remembers the line number.
    """

    def __init__(self, fh: TextIO, limit: int) -> None:
        self.fh, self.limit = fh, limit
        self.line = 0
        self.overlong: set[int] = set()

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        text = self.fh.readline(self.limit)
        if not text:
            raise StopIteration
        self.line += 1
        if len(text) >= self.limit and not text.endswith(("\n", "\r")):
            self.overlong.add(self.line)
            while True:  # discard the remainder of the physical line, in bounded pieces
                rest = self.fh.readline(self.limit)
                if not rest or rest.endswith(("\n", "\r")):
                    break
            return text + "\n"
        return text


def _header_issues(header: list[str]) -> tuple[list[Issue], list[str]]:
    """Blank and duplicate names; the names the engine sees (later duplicates renamed away)."""
    issues: list[Issue] = []
    seen: dict[str, int] = {}
    names: list[str] = []
    for pos, raw in enumerate(header):
        name = raw.strip()
        if not name:
            issues.append(Issue("blank_header", f"Header cell {pos + 1} is blank", column=pos,
                                line=1, input=raw, ctx={"position": pos}))
            names.append(f"\x00blank:{pos}")
            continue
        if raw in seen:
            issues.append(Issue("duplicate_header",
                                f"Header {raw!r} repeats column {seen[raw] + 1} at column "
                                f"{pos + 1}; only the first is validated", column=raw, line=1,
                                input=raw, ctx={"first_position": seen[raw], "position": pos}))
            names.append(f"\x00dup:{pos}")
            continue
        seen[raw] = pos
        names.append(raw)
    return issues, names


def _clean(value: str) -> str:
    return _BAD_TEXT.sub("\ufffd", value)


def read_careful(path: Path, dialect: Dialect, *, null_tokens: tuple[str, ...] = (),
                 cell_limit: int = DEFAULT_CELL_LIMIT, batch_rows: int = BATCH_ROWS,
                 field_names: list[str] | None = None
                 ) -> tuple[list[str], list[Issue], Iterator[CarefulBatch]]:
    """Header (as the engine should see it), header issues, and batches with row issues.

    With ``dialect.header`` False, ``field_names`` name the columns by position.
    """
    errors = "surrogateescape" if dialect.encoding.lower().startswith("utf") else "replace"
    fh = path.open("r", encoding=dialect.encoding, errors=errors, newline="")
    ncols_hint = max(len(field_names or []), 1)
    lines = _BoundedLines(fh, max(cell_limit, 1024) * max(ncols_hint, 8) + 2)
    # The limit is the csv module's global: set for this read, restored when it ends (other
    # readers in the process, e.g. schema inference, must not inherit a small one).
    previous = csv.field_size_limit(max(cell_limit, 1))
    reader = csv.reader(lines, delimiter=dialect.delimiter, quotechar=dialect.quotechar,
                        escapechar=dialect.escapechar, doublequote=dialect.doublequote,
                        strict=False)
    header_issues: list[Issue] = []
    first_line = 1
    if dialect.header:
        raw_header = _next_record(reader)
        if raw_header is None:
            fh.close()
            csv.field_size_limit(previous)
            return [], [], iter(())
        raw_header = [_clean(h).lstrip("\ufeff") if i == 0 else _clean(h)
                      for i, h in enumerate(raw_header)]
        header_issues, names = _header_issues(raw_header)
        first_line = lines.line + 1
    else:
        names = list(field_names or [])
    return names, header_issues, _batches(fh, reader, lines, names, first_line, null_tokens,
                                          cell_limit, batch_rows, dialect, previous)


def _next_record(reader: Any) -> list[str] | None:
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return None
        except csv.Error:
            continue
        if row:
            return row


def _batches(fh: TextIO, reader: Any, lines: _BoundedLines, names: list[str], first_line: int,
             null_tokens: tuple[str, ...], cell_limit: int, batch_rows: int,
             dialect: Dialect, previous_limit: int) -> Iterator[CarefulBatch]:
    ncols = len(names)
    nulls = {"", *null_tokens}
    offset = 0
    cols: list[list[str | None]] = [[] for _ in range(ncols)]
    starts: list[int] = []
    issues: list[Issue] = []
    unread: list[int] = []
    last_start = last_end = first_line
    try:
        while True:
            start = lines.line + 1
            try:
                row: list[str] | None = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                row = None
                reason = str(exc)
            if row == []:
                continue  # a blank line is no record
            i = offset + len(starts)
            end = lines.line
            if row is None:
                issues.append(Issue("cell_too_large", f"A cell is larger than the limit of "
                                    f"{cell_limit:,} characters ({reason})", row=i, line=start,
                                    ctx={"limit": cell_limit}))
                row = []
                unread.append(len(starts))  # its cells were never read: no "missing" for them
            elif any(ln in lines.overlong for ln in range(start, end + 1)):
                issues.append(Issue("cell_too_large", f"Line {start} is longer than the limit "
                                    "for a row; its oversized part was skipped", row=i,
                                    line=start, ctx={"limit": cell_limit}))
            elif len(row) != ncols:
                kind = "too_many_cells" if len(row) > ncols else "too_few_cells"
                issues.append(Issue(kind, f"Row has {len(row)} cells but the header has {ncols}",
                                    row=i, line=start, input=len(row),
                                    ctx={"expected": ncols, "actual": len(row)}))
            for c in range(ncols):
                value = row[c] if c < len(row) else None
                if value is not None:
                    value = _check_cell(value, names[c], i, start, issues)
                    if value in nulls:
                        value = None
                cols[c].append(value)
            starts.append(start)
            last_start, last_end = start, end
            if len(starts) >= batch_rows:
                yield _emit(names, cols, starts, offset, issues, unread)
                offset += len(starts)
                cols, starts, issues, unread = [[] for _ in range(ncols)], [], [], []
        if last_end > last_start and dialect.quotechar and unclosed_from(
                fh.name, dialect, last_start):
            issues.append(Issue(
                "unterminated_quote",
                f"A quote opened on line {last_start} is never closed: lines {last_start}-"
                f"{last_end} were read as one record", row=offset + len(starts) - 1,
                line=last_start, ctx={"lines": last_end - last_start + 1}))
        if starts or issues:
            yield _emit(names, cols, starts, offset, issues, unread)
    finally:
        fh.close()
        csv.field_size_limit(previous_limit)


def _check_cell(value: str, column: str, row: int, line: int, issues: list[Issue]) -> str:
    if "\x00" in value:
        issues.append(Issue("nul_character", "Cell contains a NUL byte", row=row, column=column,
                            line=line, input=_clean(value)))
    if _BAD_TEXT.search(value):
        value = _clean(value)
        issues.append(Issue("invalid_encoding", "Cell holds bytes that are not valid in the "
                            "file's encoding (shown as \ufffd)", row=row, column=column,
                            line=line, input=value))
    return value


def unclosed_from(path: str, dialect: Dialect, start_line: int) -> bool:
    """Quote parity of the raw text from ``start_line`` to the end: odd means a quote opened
    there was never closed (the csv module closes it silently at end of file)."""
    quote, escape = dialect.quotechar, dialect.escapechar
    count = 0
    errors = "surrogateescape" if dialect.encoding.lower().startswith("utf") else "replace"
    with open(path, encoding=dialect.encoding, errors=errors, newline="") as fh:  # noqa: PTH123
        for n, text in enumerate(fh, start=1):
            if n < start_line:
                continue
            if escape:
                text = text.replace(escape + quote, "")
            count += text.count(quote)
    return count % 2 == 1


def _emit(names: list[str], cols: list[list[str | None]], starts: list[int], offset: int,
          issues: list[Issue], unread: list[int]) -> CarefulBatch:
    arrays = [pa.array(c, type=pa.string()) for c in cols]
    data = pa.RecordBatch.from_arrays(arrays, names=names)
    return CarefulBatch(data, offset, np.asarray(starts, dtype=np.int64), list(issues),
                        list(unread))
