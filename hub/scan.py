"""The signs that the fast reader cannot be trusted with a CSV file, and the file's sha256.

pyarrow's reader silently reads an unclosed quote as one huge cell and skips blank lines, so
line numbers would drift; NUL bytes and giant cells pass unnoticed. Those signs are cheap to see
in the raw bytes, so healthy files pay almost nothing and the rare broken one is re-read by the
careful reader.

Two ways to see them, with the same verdict:

- ``piece_signs``: on each piece the fast path has in hand anyway (in cache, on the worker that
  parses it), mostly with ``find`` (memchr); the quotes were counted by the piece's ``census``
  before the parse. What the parse proved is not re-checked: a piece parsed into one record
  per line holds no blank line.
- ``Scanner``: a pass of its own over a file, on a background thread, for what no piece covers
  (the header, or the rest of a file once the streaming reader took over) and for the hash of
  a file that is not parsed as it is (inflated, transcoded).

``bytes.count`` and two-byte ``in`` run at ~1.3 GB/s here, so a separate pass over a 175 MB
file cost ~0.85 CPU-s; the per-piece checks cost ~0.06 s.
"""

from __future__ import annotations

import hashlib
import mmap
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

CHUNK = 4 << 20
_SLICE = 1 << 20


@dataclass
class Signs:
    """What a scan saw; ``suspect`` means the careful reader must read the file."""

    nul: bool = False
    odd_quotes: bool = False
    blank_lines: bool = False
    lone_cr: bool = False
    long_line: bool = False

    @property
    def suspect(self) -> bool:
        return self.nul or self.odd_quotes or self.blank_lines or self.lone_cr or self.long_line


class StreamScan:
    """Signs of a byte stream fed chunk by chunk, in order."""

    def __init__(self, line_limit: int, quote: bytes = b'"') -> None:
        self.signs = Signs()
        self._limit = line_limit
        self._quote = quote
        self._quotes = 0
        self._run = 0
        self._prev_last = b""

    def feed(self, chunk: bytes) -> None:
        signs = self.signs
        if not signs.nul and b"\x00" in chunk:
            signs.nul = True
        if self._quote:
            self._quotes += chunk.count(self._quote)
        joined = self._prev_last + chunk[:2]
        if not signs.blank_lines and (b"\n\n" in chunk or b"\n\r\n" in chunk
                                      or b"\n\n" in joined or b"\n\r\n" in joined):
            signs.blank_lines = True
        crs = chunk.count(b"\r")
        tail_cr = 1 if chunk.endswith(b"\r") else 0  # its \n may start the next chunk
        if crs and not signs.lone_cr and crs - chunk.count(b"\r\n") > tail_cr:
            signs.lone_cr = True
        if self._prev_last.endswith(b"\r") and not chunk.startswith(b"\n"):
            signs.lone_cr = True
        self._run = self._lines(chunk, self._run)
        self._prev_last = chunk[-2:]

    def finish(self) -> Signs:
        self.signs.odd_quotes = self._quotes % 2 == 1
        return self.signs

    def _lines(self, chunk: bytes, run: int) -> int:
        """The longest line, across chunk boundaries: ``run`` is the length of the line that
        the previous chunk left open."""
        limit = self._limit
        first = chunk.find(b"\n")
        if first < 0:
            run += len(chunk)
            if run > limit:
                self.signs.long_line = True
            return run
        last = chunk.rfind(b"\n")
        tail = len(chunk) - last - 1  # the start of a line the next chunk may go on with
        if run + first > limit or tail > limit or long_line(chunk, first + 1, last, limit):
            self.signs.long_line = True
        return tail


class Scanner:
    """Hash and/or scan ``path`` in the background; ``result()`` is the hex sha256."""

    def __init__(self, path: Path, *, line_limit: int, quote: bytes = b'"',
                 hash_content: bool = True, signs: bool = True) -> None:
        self._digest: str | None = None
        self._scan = StreamScan(line_limit, quote) if signs else None
        self.signs = Signs()
        self._hash = hash_content
        self._thread = threading.Thread(target=self._run, args=(path,), daemon=True)
        self._thread.start()

    def _run(self, path: Path) -> None:
        h = hashlib.sha256() if self._hash else None
        try:
            with path.open("rb") as fh:
                while chunk := fh.read(CHUNK):
                    if h is not None:
                        h.update(chunk)
                    if self._scan is not None:
                        self._scan.feed(chunk)
            if self._scan is not None:
                self.signs = self._scan.finish()
            self._digest = h.hexdigest() if h is not None else None
        except OSError:
            self._digest = None

    def wait(self) -> Signs:
        self._thread.join()
        return self.signs

    def result(self) -> str | None:
        self._thread.join()
        return self._digest


def count_byte(data: memoryview, byte: int) -> int:
    """Occurrences of ``byte``: numpy over 1 MB slices into one scratch buffer (no 16 MB
    temporary to fault in, and the GIL is released, unlike ``bytearray.count``)."""
    view = np.frombuffer(data, dtype=np.uint8)
    scratch = np.empty(min(len(view), _SLICE), dtype=bool)
    total = 0
    for i in range(0, len(view), _SLICE):
        part = view[i:i + _SLICE]
        hits = scratch[:len(part)]
        np.equal(part, byte, out=hits)
        total += int(np.count_nonzero(hits))
    return total


@dataclass(frozen=True)
class Census:
    """What the parse of a piece needs from its raw bytes before Arrow sees them."""

    newlines: int
    quotes: int
    ascii: bool


def census(data: memoryview) -> Census:
    """Line breaks, double quotes, and whether every byte is ASCII, in one pass of 1 MB slices:
    each slice is compared twice and maxed while it is in L2. Three passes over a 16 MB piece
    (two ``count_byte`` and a numpy max) took 7.3-9.0 ms here, one 4.3-6.4 ms (warm, median
    of 21)."""
    view = np.frombuffer(data, dtype=np.uint8)
    scratch = np.empty(min(len(view), _SLICE), dtype=bool)
    newlines = quotes = top = 0
    for i in range(0, len(view), _SLICE):
        part = view[i:i + _SLICE]
        hits = scratch[:len(part)]
        np.equal(part, 10, out=hits)
        newlines += int(np.count_nonzero(hits))
        np.equal(part, 34, out=hits)
        quotes += int(np.count_nonzero(hits))
        top = max(top, int(part.max()))
    return Census(newlines, quotes, top < 0x80)


@dataclass
class PieceSigns:
    """Signs gathered piece by piece; ``quotes`` is summed, the parity judged at the end."""

    signs: Signs
    quotes: int = 0

    def finish(self) -> Signs:
        self.signs.odd_quotes = self.quotes % 2 == 1
        return self.signs


def piece_signs(buf: bytearray | mmap.mmap, length: int, *, limit: int, one_record_per_line: bool,
                at_end: bool, quotes: int | None = None) -> PieceSigns:
    """Signs of a piece: whole lines, starting right after a line break. ``at_end``: the
    piece ends the file (a final ``\\r`` is then no lone CR, as in ``StreamScan``).
    ``quotes``: the piece's double quotes, when its ``census`` counted them already."""
    signs = Signs()
    data = memoryview(buf)[:length]
    signs.nul = buf.find(b"\x00", 0, length) >= 0
    if not one_record_per_line:
        signs.blank_lines = (buf[:1] == b"\n" or buf[:2] == b"\r\n"
                             or buf.find(b"\n\n", 0, length) >= 0
                             or buf.find(b"\n\r\n", 0, length) >= 0)
    if buf.find(b"\r", 0, length) >= 0:
        view = np.frombuffer(data, dtype=np.uint8)
        after = np.flatnonzero(view == 13) + 1
        inside = after[after < length]
        signs.lone_cr = bool((view[inside] != 10).any()) or (
            not at_end and len(inside) < len(after))
    signs.long_line = long_line(buf, 0, length, limit)
    if quotes is None:
        quotes = count_byte(data, ord('"')) if buf.find(b'"', 0, length) >= 0 else 0
    return PieceSigns(signs, quotes)


def long_line(buf: bytes | bytearray | mmap.mmap, lo: int, hi: int, limit: int) -> bool:
    """A line (without its line break) in ``buf[lo:hi]`` longer than ``limit``; both ends of
    the span count as line boundaries. Any such line covers a whole aligned block of
    ``limit // 2`` bytes, so only a block without a line break calls for the exact count."""
    if hi - lo <= limit:
        return False
    half = limit // 2
    if half >= 1 << 16 and all(buf.find(b"\n", k, k + half) >= 0
                               for k in range(lo, hi - half + 1, half)):
        return False
    view = np.frombuffer(memoryview(buf)[lo:hi], dtype=np.uint8)
    bounds = np.concatenate(([-1], np.flatnonzero(view == 10), [hi - lo]))
    return bool((np.diff(bounds) - 1).max() > limit)


def header_signs(path: Path, start: int, limit: int) -> PieceSigns:
    """Signs of a CSV file's header, bytes ``[0, start)`` (no piece covers them)."""
    with path.open("rb") as fh:
        head = fh.read(start)
    scan = StreamScan(limit, quote=b"")  # quotes are counted below, with the pieces'
    scan.feed(head)
    found = scan.finish()
    if head and not head.endswith(b"\n") and start < path.stat().st_size:
        found.long_line = True  # a header longer than header_span reads: let the careful say
    return PieceSigns(found, head.count(b'"'))


def joined(parts: list[PieceSigns]) -> Signs:
    """The signs of a whole file (or byte range) from those of its parts, in file order."""
    total = Signs()
    for part in parts:
        for name in ("nul", "blank_lines", "lone_cr", "long_line"):
            if getattr(part.signs, name):
                setattr(total, name, True)
    return PieceSigns(total, sum(p.quotes for p in parts)).finish()
