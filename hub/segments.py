"""Split a CSV file into pieces of whole records, so that two workers can parse and check them.

The planner reads ~16 MB at a time with positional reads (``os.pread``, not a memory map: the
map inflated RSS to 1.1 GB) and cuts after the last line break. A piece proves its cut was a
record boundary when Arrow parses it into exactly one record per line; a piece where a quoted
cell spans lines (or that Arrow reads in any other way) cannot, and the caller falls back to
the streaming reader from that piece's first byte on, which parses the rest of the file as one
stream. Line numbers come from the piece's newline count, so they stay exact across pieces.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa

PIECE_BYTES = 16 << 20


@dataclass
class Piece:
    """Bytes ``[start, start + len(data))`` of the file: whole records, each ending in \\n."""

    index: int
    start: int
    data: bytearray


@dataclass
class Parsed:
    """A parsed piece. ``lines`` are 0-based line offsets of each record within the piece;
    ``streaming`` says the piece could not be trusted and the stream must take over."""

    piece: Piece
    batch: pa.RecordBatch | None
    newlines: int
    lines: np.ndarray | None
    streaming: bool = False


def header_span(path: Path, limit: int = 1 << 20) -> tuple[int, int]:
    """(bytes, physical lines) of the header record, quotes respected."""
    with path.open("rb") as fh:
        head = fh.read(limit)
    pos, lines, quotes = 0, 0, 0
    while True:
        nl = head.find(b"\n", pos)
        if nl < 0:
            return len(head), lines + 1
        quotes += head.count(b'"', pos, nl)
        lines += 1
        pos = nl + 1
        if quotes % 2 == 0:
            return pos, lines


def plan(path: Path, start: int, piece_bytes: int = PIECE_BYTES) -> Iterator[Piece]:
    """Pieces from byte ``start`` to the end of the file, each cut after a line break."""
    fd = os.open(path, os.O_RDONLY)
    try:
        size = os.fstat(fd).st_size
        pos, index = start, 0
        while pos < size:
            want = min(piece_bytes, size - pos)
            while True:
                buf = bytearray(want)
                got = os.preadv(fd, [buf], pos)  # straight into the buffer: no copy
                del buf[got:]
                if pos + got >= size:
                    break
                cut = buf.rfind(b"\n") + 1
                if cut:
                    del buf[cut:]  # the tail is read again as the next piece's head
                    break
                want *= 2  # one record longer than a piece: read more
            if not buf:
                return
            yield Piece(index, pos, buf)
            pos += len(buf)
            index += 1
    finally:
        os.close(fd)


def parse(piece: Piece, header: list[str], convert: object) -> Parsed:
    """Parse a piece single-threaded (the two workers are the parallelism)."""
    from pyarrow import csv as pacsv

    data = piece.data
    # numpy releases the GIL over the 16 MB; bytearray.count would hold it
    newlines = int(np.count_nonzero(np.frombuffer(data, dtype=np.uint8) == 10))
    newlines += 0 if data.endswith(b"\n") else 1
    read_options = pacsv.ReadOptions(column_names=header, use_threads=False,
                                     block_size=max(len(data), 1 << 20))
    parse_options = pacsv.ParseOptions(newlines_in_values=True)
    try:
        table = pacsv.read_csv(pa.BufferReader(pa.py_buffer(data)), read_options=read_options,
                               parse_options=parse_options,
                               convert_options=convert)  # type: ignore[arg-type]
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return Parsed(piece, None, newlines, None, streaming=True)  # the stream says why
    batch = table.combine_chunks().to_batches()[0] if table.num_rows else None
    rows = table.num_rows
    if rows == newlines:
        return Parsed(piece, batch, newlines, np.arange(rows, dtype=np.int64))
    if b'"' in data or rows > newlines:
        return Parsed(piece, None, newlines, None, streaming=True)
    return Parsed(piece, batch, newlines, _record_lines(data, rows))


def _record_lines(data: bytearray, rows: int) -> np.ndarray | None:
    """Line offsets of the records of a piece without quotes: every line but the blank ones
    (which Arrow skips). None if that does not account for every record."""
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    starts = [i for i, line in enumerate(lines) if line not in (b"", b"\r")]
    return np.array(starts, dtype=np.int64) if len(starts) == rows else None
