"""Split a CSV file into pieces of whole records, so that two workers can parse and check them.

The planner reads ~16 MB at a time with positional reads (``os.pread``, not a memory map: the
map inflated RSS to 1.1 GB) and cuts after the last line break. A piece proves its cut was a
record boundary when Arrow parses it into exactly one record per line and its last record
holds no line break (a quote left open at the cut would have swallowed the last one); a piece
where a quoted cell spans lines (or that Arrow reads in any other way) cannot, and the caller
falls back to the streaming reader from that piece's first byte on, which parses the rest of
the file as one stream. Line numbers come from the piece's newline count, so they stay exact
across pieces. Piece buffers are reused, and large ones are anonymous maps (see ``Buffers``).
"""

from __future__ import annotations

import mmap
import os
import queue
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa

from hub.scan import count_byte

PIECE_BYTES = 16 << 20
# Arrow parses a piece in blocks of this size. A piece is the unit of reading and checking
# (per-piece overhead is ~16 ms of small kernel calls), a block the unit of parsing: with
# two workers, 16 MB blocks spill the parser's working set out of the shared cache and each
# parse cost ~2x its single-thread time. 1 MB blocks parsed the 1M-row file's 11 pieces in
# 0.27-0.30 s against 0.56-0.61 s (two threads, median of 9, chunks combined after).
PARSE_BLOCK = 1 << 20


@dataclass
class Piece:
    """Bytes ``[start, start + length)`` of the file (whole records), held in ``buf``."""

    index: int
    start: int
    buf: bytearray | mmap.mmap
    length: int
    pool: Buffers | None = None

    @property
    def data(self) -> memoryview:
        return memoryview(self.buf)[:self.length]

    def release(self) -> None:
        """Hand the buffer back for the next piece (parsed values are copies)."""
        if self.pool is not None:
            self.pool.give(self.buf)
        self.buf, self.length, self.pool = bytearray(), 0, None


Buffer = bytearray | mmap.mmap
_MAPPED = 1 << 20  # from this size on, a buffer is an anonymous map


def _fresh(size: int) -> Buffer:
    """A new buffer. ``bytearray(16 MB)`` zero-fills its pages in Python before the read
    overwrites them (13 ms, then 30 ms to read a piece here); an anonymous map is zeroed by the
    kernel as the read first touches it (20-24 ms for both). The first piece is read before
    any parse starts, so this is start-up time. (``MADV_HUGEPAGE`` was tried: this machine
    still faulted 4 KiB pages, so it is not used.)"""
    if size < _MAPPED:
        return bytearray(size)
    try:
        return mmap.mmap(-1, size)
    except OSError:  # ENOMEM under a worker's RLIMIT_AS: fail as a bytearray does (MemoryError)
        return bytearray(size)


class Buffers:
    """Piece buffers, reused: a fresh 16 MB buffer costs its page faults and zeroing."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.free: queue.SimpleQueue[Buffer] = queue.SimpleQueue()

    def take(self, want: int) -> Buffer:
        if want > self.size:
            return _fresh(want)
        try:
            return self.free.get_nowait()
        except queue.Empty:
            return _fresh(self.size)

    def give(self, buf: Buffer) -> None:
        if len(buf) == self.size:
            self.free.put(buf)


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


def plan(path: Path, start: int, piece_bytes: int = PIECE_BYTES,
         on_read: Callable[[int, memoryview], None] | None = None) -> Iterator[Piece]:
    """Pieces from byte ``start`` to the end of the file, each cut after a line break.
    ``on_read(offset, bytes)`` sees the header and then every piece, in file order."""
    fd = os.open(path, os.O_RDONLY)
    try:
        size = os.fstat(fd).st_size
        piece_bytes = max(min(piece_bytes, size - start), 1)  # a small file: a small buffer
        pool = Buffers(piece_bytes)
        if on_read is not None and start:
            on_read(0, memoryview(os.pread(fd, start, 0)))
        pos, index = start, 0
        while pos < size:
            want = piece_bytes
            while True:
                buf = pool.take(want)
                got = os.preadv(fd, [memoryview(buf)[:want]], pos)  # no copy
                if pos + got >= size:
                    length = got
                    break
                length = buf.rfind(b"\n", 0, got) + 1  # the tail is the next piece's head
                if length:
                    break
                pool.give(buf)
                want *= 2  # one record longer than a piece: read more
            if not length:
                return
            piece = Piece(index, pos, buf, length, pool)
            if on_read is not None:
                on_read(pos, piece.data)
            yield piece
            pos += length
            index += 1
    finally:
        os.close(fd)


def parse(piece: Piece, header: list[str], convert: object,
          ascii_convert: object | None = None) -> Parsed:
    """Parse a piece single-threaded (the two workers are the parallelism). ``ascii_convert``
    (the same options without UTF-8 validation) serves a piece that is all ASCII, which is
    valid UTF-8 as it stands: a numpy max over the bytes costs ~2 ms per 16 MB, Arrow's
    validation ~10% of the parse."""
    data = piece.data
    ends_line = piece.length > 0 and piece.buf[piece.length - 1] == 10
    newlines = count_newlines(data) + (0 if ends_line else 1)
    if ascii_convert is not None and len(data) and np.frombuffer(data, np.uint8).max() < 0x80:
        convert = ascii_convert
    table = _read(data, header, convert, PARSE_BLOCK)
    if table is None and len(data) > PARSE_BLOCK:  # a record longer than a block, maybe
        table = _read(data, header, convert, len(data))
    if table is None:
        return Parsed(piece, None, newlines, None, streaming=True)  # the stream says why
    batch = table.combine_chunks().to_batches()[0] if table.num_rows else None
    rows = table.num_rows
    if rows == newlines and not _last_row_spans_lines(batch):
        return Parsed(piece, batch, newlines, np.arange(rows, dtype=np.int64))
    if piece.buf.find(b'"', 0, piece.length) >= 0 or rows > newlines:
        return Parsed(piece, None, newlines, None, streaming=True)
    return Parsed(piece, batch, newlines, _record_lines(bytes(data), rows))


def _read(data: memoryview, header: list[str], convert: object, block: int) -> pa.Table | None:
    """The piece as a table parsed in blocks of ``block`` bytes, one thread; None when Arrow
    refuses it."""
    from pyarrow import csv as pacsv

    read_options = pacsv.ReadOptions(column_names=header, use_threads=False,
                                     block_size=max(block, 1 << 10))
    try:
        return pacsv.read_csv(pa.BufferReader(pa.py_buffer(data)), read_options=read_options,
                              parse_options=pacsv.ParseOptions(newlines_in_values=True),
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


def count_newlines(data: memoryview) -> int:
    return count_byte(data, 10)


def _record_lines(data: bytes, rows: int) -> np.ndarray | None:
    """Line offsets of the records of a piece without quotes: every line but the blank ones
    (which Arrow skips). None if that does not account for every record."""
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    starts = [i for i, line in enumerate(lines) if line not in (b"", b"\r")]
    return np.array(starts, dtype=np.int64) if len(starts) == rows else None
