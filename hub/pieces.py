"""Cut a CSV file into pieces of whole lines, read with positional reads into reused buffers.

Kept apart from the parsing (hub.segments) so that it imports nothing heavy: the parse-ahead
thread (hub.parseahead) reads and hashes the first pieces while the CLI is still importing
numpy and pyarrow. The planner reads ~16 MB at a time (``os.pread``, not a memory map: the map
inflated RSS to 1.1 GB) and cuts after the last line break; whether the cut was also a record
boundary is for the parser to prove (see hub.segments).
"""

from __future__ import annotations

import mmap
import os
import queue
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

PIECE_BYTES = 16 << 20


@dataclass
class Piece:
    """Bytes ``[start, start + length)`` of the file (whole records), held in ``buf``;
    ``last``: they end the file."""

    index: int
    start: int
    buf: bytearray | mmap.mmap
    length: int
    pool: Buffers | None = None
    last: bool = False

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
    """Piece buffers, reused: a fresh 16 MB buffer costs its page faults and zeroing. At most
    ``keep`` wait for reuse (a run has at most workers + 2 pieces out at once; the parse-ahead
    hands on a few more, and the extra ones are let go as they come back)."""

    def __init__(self, size: int, keep: int = 4) -> None:
        self.size = size
        self.keep = keep
        self.free: queue.SimpleQueue[Buffer] = queue.SimpleQueue()

    def take(self, want: int) -> Buffer:
        if want > self.size:
            return _fresh(want)
        try:
            return self.free.get_nowait()
        except queue.Empty:
            return _fresh(self.size)

    def give(self, buf: Buffer) -> None:
        if len(buf) == self.size and self.free.qsize() < self.keep:
            self.free.put(buf)

    def close(self) -> None:
        """Let the waiting buffers go, and any given back from now on: no piece will be read
        into them (the file is done, or the streaming reader took the rest over)."""
        self.keep = 0
        while True:
            try:
                self.free.get_nowait()
            except queue.Empty:
                return


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


class Growing(Protocol):
    """A file still being written (hub.decompress.Inflation): ``wait_for(n)`` blocks until
    ``n`` bytes are there or the file is complete, and returns (bytes there, complete)."""

    def wait_for(self, size: int) -> tuple[int, bool]: ...


def plan(path: Path, start: int, piece_bytes: int = PIECE_BYTES,
         on_read: Callable[[int, memoryview], None] | None = None, *,
         head: bool = True, pool: Buffers | None = None,
         growing: Growing | None = None, stop: int | None = None) -> Iterator[Piece]:
    """Pieces from byte ``start`` to the end of the file, each cut after a line break.
    ``on_read(offset, bytes)`` sees the bytes before ``start`` (unless ``head`` is false: a
    run going on from the pieces read ahead) and then every piece, in file order. ``pool``:
    buffers to reuse (the parse-ahead's, handed on; its owner closes it). A pool made here is
    closed when the generator ends or is closed. ``growing``: the file is still being
    written; each piece waits for its bytes (or the end), so the pieces are the same as the
    complete file's. ``stop``: end the pieces there instead (a line start: a partition's byte
    range, hub.dataset_check); ``Piece.last`` still means the end of the file."""
    own: Buffers | None = None
    fd = os.open(path, os.O_RDONLY)
    try:
        size, complete = os.fstat(fd).st_size, True
        if growing is not None:
            size, complete = growing.wait_for(start + piece_bytes + 1)
        end = size if stop is None else min(stop, size)
        if complete:
            piece_bytes = max(min(piece_bytes, end - start), 1)  # a small range: small buffer
        pool = pool or (own := Buffers(piece_bytes))
        if on_read is not None and start and head:
            on_read(0, memoryview(os.pread(fd, start, 0)))
        pos, index = start, 0
        while True:
            want = piece_bytes
            while True:
                if growing is not None and not complete:
                    # one byte more than the piece: a piece that ends the file is told so
                    size, complete = growing.wait_for(pos + want + 1)
                    end = size if stop is None else min(stop, size)
                if pos >= end:
                    return
                want = min(want, end - pos) if stop is not None else want
                buf = pool.take(want)
                got = os.preadv(fd, [memoryview(buf)[:want]], pos)  # no copy
                if not got:  # the file got shorter while it was read: nothing more to cut
                    pool.give(buf)
                    return
                if (complete or stop is not None) and pos + got >= end:
                    length = got
                    break
                length = buf.rfind(b"\n", 0, got) + 1  # the tail is the next piece's head
                if length:
                    break
                pool.give(buf)
                want *= 2  # one record longer than a piece: read more
            if not length:
                return
            piece = Piece(index, pos, buf, length, pool, last=complete and pos + length >= size)
            if on_read is not None:
                on_read(pos, piece.data)
            yield piece
            pos += length
            index += 1
    finally:
        os.close(fd)
        if own is not None:
            own.close()
