"""Parse the first pieces of a CSV file while the CLI is still importing the engine.

Why: a ``dvh validate`` process spends ~0.3 s importing Pydantic, the engine and the schema on
one core (under the GIL) after pyarrow is in, while the second core idles. Arrow's CSV parser
releases the GIL, so pieces parsed in that window cost no wall time; the run then only checks
them. The guess is cheap to verify and cheap to throw away: ``run_csv`` takes the pieces only
if the file, its header, the null tokens, the piece size and the cell limit are what the run
itself would have used.

Like ``hub.prehash`` this module imports nothing heavy at import time; its thread imports
pyarrow, which the main thread needs anyway.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MAX_PIECES = 3  # each holds ~1.5x its bytes parsed; the window fits about this many
_jobs: dict[str, ParseAhead] = {}
_lock = threading.Lock()


def _identity(path: Path) -> tuple[int, int, int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


@dataclass
class Ahead:
    """What the thread parsed: ``items`` are ``(Parsed, PieceSigns | None)`` in file order;
    the run goes on from byte ``next_pos``."""

    header: list[str]
    null_tokens: tuple[str, ...]
    piece_bytes: int
    line_limit: int
    items: list[tuple[Any, Any]] = field(default_factory=list)
    next_pos: int = 0


class ParseAhead:
    def __init__(self, path: Path, *, null_tokens: tuple[str, ...], line_limit: int,
                 piece_bytes: int, max_pieces: int = MAX_PIECES) -> None:
        self.path = path
        self.identity = _identity(path)
        self._tokens, self._limit = null_tokens, line_limit
        self._piece_bytes, self._max = piece_bytes, max_pieces
        self._stop = threading.Event()
        self._result: Ahead | None = None
        self._thread = threading.Thread(target=self._run, name="dvh-parse-ahead", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self._result = self._parse()
        except Exception:  # a guess that failed is no guess: the run reads the file itself
            self._result = None

    def _parse(self) -> Ahead | None:
        from hub import scan, segments
        from hub.readers import csv_convert_options, read_header

        path = self.path
        header = read_header(path)
        if not header or len(set(header)) != len(header):
            return None  # the careful reader will read this file
        start, _lines = segments.header_span(path)
        convert = csv_convert_options(header, self._tokens)
        size = path.stat().st_size
        ahead = Ahead(header, self._tokens, self._piece_bytes, self._limit, next_pos=start)
        pieces = segments.plan(path, start, self._piece_bytes)
        try:
            for piece in pieces:
                if self._stop.is_set():
                    break
                end = piece.start + piece.length  # (release() empties the piece)
                try:
                    parsed = segments.parse(piece, header, convert)
                    found = None
                    if not parsed.streaming:
                        batch = parsed.batch
                        found = scan.piece_signs(
                            piece.buf, piece.length, limit=self._limit,
                            one_record_per_line=(batch is not None
                                                 and batch.num_rows == parsed.newlines),
                            at_end=end >= size)
                finally:
                    piece.release()
                ahead.items.append((parsed, found))
                ahead.next_pos = end
                if parsed.streaming or len(ahead.items) >= self._max:
                    break
        finally:
            pieces.close()
        return ahead

    def claim(self) -> Ahead | None:
        """Stop after the piece in hand and return what was parsed, if the file is unchanged."""
        self._stop.set()
        self._thread.join()
        if self._result is None or _identity(self.path) != self.identity:
            return None
        return self._result

    def discard(self) -> None:
        self._stop.set()


def start(path: Path, *, null_tokens: tuple[str, ...], line_limit: int, piece_bytes: int,
          max_pieces: int = MAX_PIECES) -> ParseAhead | None:
    """Begin parsing ``path`` ahead (a regular ``.csv`` file the caller expects to be read
    as comma-separated UTF-8 with a header)."""
    if _identity(path) is None or not path.is_file():
        return None
    with _lock:
        key = str(path.resolve())
        if key not in _jobs:
            _jobs[key] = ParseAhead(path, null_tokens=null_tokens, line_limit=line_limit,
                                    piece_bytes=piece_bytes, max_pieces=max_pieces)
        return _jobs[key]


def wait(job: ParseAhead) -> None:
    """Let ``job`` parse all it may (for tests: no race with the run's claim)."""
    job._thread.join()


def take(path: Path) -> ParseAhead | None:
    """The parse-ahead job of ``path``, if one was started (it is the caller's from now on)."""
    with _lock:
        return _jobs.pop(str(path.resolve()), None) if _jobs else None
