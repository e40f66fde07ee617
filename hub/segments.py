"""Parse pieces of a CSV file (hub.pieces cuts them), so that two workers can parse and check them.

A piece proves its cut was a record boundary when Arrow parses it into exactly one record per
line and its last record holds no line break (a quote left open at the cut would have
swallowed the last one); a piece where a quoted cell spans lines (or that Arrow reads in any
other way) cannot, and the caller falls back to the streaming reader from that piece's first
byte on, which parses the rest of the file as one stream. Line numbers come from the piece's
newline count, so they stay exact across pieces.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from hub.pieces import PIECE_BYTES, Buffers, Piece, header_span, plan
from hub.scan import PieceSigns, census, piece_signs

__all__ = ["PARSE_BLOCK", "PIECE_BYTES", "Buffers", "Parsed", "Piece", "header_span", "parse",
           "parse_scanned", "plan"]

# Arrow parses a piece in blocks of this size. A piece is the unit of reading and checking
# (per-piece overhead is ~16 ms of small kernel calls), a block the unit of parsing: with
# two workers, 16 MB blocks spill the parser's working set out of the shared cache and each
# parse cost ~2x its single-thread time. 1 MB blocks parsed the 1M-row file's 11 pieces in
# 0.27-0.30 s against 0.56-0.61 s (two threads, median of 9, chunks combined after).
PARSE_BLOCK = 1 << 20


@dataclass
class Parsed:
    """A parsed piece. ``lines`` are 0-based line offsets of each record within the piece;
    ``streaming`` says the piece could not be trusted and the stream must take over."""

    piece: Piece
    batch: pa.RecordBatch | None
    newlines: int
    lines: np.ndarray | None
    streaming: bool = False
    quotes: int | None = None  # double quotes in the piece, as counted before the parse


def parse(piece: Piece, header: list[str], convert: object,
          ascii_convert: object | None = None, delimiter: str = ",") -> Parsed:
    """Parse a piece single-threaded (the two workers are the parallelism). ``ascii_convert``
    (the same options without UTF-8 validation) serves a piece that is all ASCII, which is
    valid UTF-8 as it stands: the census proves it for ~1 ms per 16 MB, Arrow's validation
    costs ~10% of the parse."""
    data = piece.data
    ends_line = piece.length > 0 and piece.buf[piece.length - 1] == 10
    counts = census(data)
    newlines = counts.newlines + (0 if ends_line else 1)
    if ascii_convert is not None and len(data) and counts.ascii:
        convert = ascii_convert
    table = _read(data, header, convert, PARSE_BLOCK, delimiter)
    if table is None and len(data) > PARSE_BLOCK:  # a record longer than a block, maybe
        table = _read(data, header, convert, len(data), delimiter)
    if table is None:  # the stream says why
        return Parsed(piece, None, newlines, None, streaming=True, quotes=counts.quotes)
    batch = table.combine_chunks().to_batches()[0] if table.num_rows else None
    rows = table.num_rows
    if rows == newlines and not _last_row_spans_lines(batch):
        return Parsed(piece, batch, newlines, np.arange(rows, dtype=np.int64),
                      quotes=counts.quotes)
    if counts.quotes or rows > newlines:
        return Parsed(piece, None, newlines, None, streaming=True, quotes=counts.quotes)
    return Parsed(piece, batch, newlines, _record_lines(bytes(data), rows), quotes=0)


def parse_scanned(piece: Piece, header: list[str], convert: object, ascii_convert: object | None,
                  *, line_limit: int | None, delimiter: str = ","
                  ) -> tuple[Parsed, PieceSigns | None]:
    """``parse``, then, when ``line_limit`` is given and the piece was trusted, the signs of a
    broken file on its bytes while they are in cache (hub.scan); ``piece.last`` tells them
    whether it ends the file. The caller releases the piece."""
    parsed = parse(piece, header, convert, ascii_convert, delimiter)
    if line_limit is None or parsed.streaming:
        return parsed, None
    batch = parsed.batch
    return parsed, piece_signs(
        piece.buf, piece.length, limit=line_limit,
        one_record_per_line=batch is not None and batch.num_rows == parsed.newlines,
        at_end=piece.last, quotes=parsed.quotes)


def _read(data: memoryview, header: list[str], convert: object, block: int,
          delimiter: str = ",") -> pa.Table | None:
    """The piece as a table parsed in blocks of ``block`` bytes, one thread; None when Arrow
    refuses it."""
    from pyarrow import csv as pacsv

    read_options = pacsv.ReadOptions(column_names=header, use_threads=False,
                                     block_size=max(block, 1 << 10))
    try:
        return pacsv.read_csv(pa.BufferReader(pa.py_buffer(data)), read_options=read_options,
                              parse_options=pacsv.ParseOptions(delimiter=delimiter,
                                                               newlines_in_values=True),
                              convert_options=convert)  # type: ignore[arg-type]
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None


def _last_row_spans_lines(batch: pa.RecordBatch | None) -> bool:
    """One record per line proves the cut only if the last record ended at the piece's last
    line break: a quote left open there swallows that break into the last row instead."""
    if batch is None:
        return False
    last = batch.slice(batch.num_rows - 1, 1).to_pylist()[0]
    return any(isinstance(v, str) and "\n" in v for v in last.values())


def _record_lines(data: bytes, rows: int) -> np.ndarray | None:
    """Line offsets of the records of a piece without quotes: every line but the blank ones
    (which Arrow skips). None if that does not account for every record."""
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    starts = [i for i, line in enumerate(lines) if line not in (b"", b"\r")]
    return np.array(starts, dtype=np.int64) if len(starts) == rows else None
