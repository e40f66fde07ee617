"""Read, hash and parse the first pieces of a CSV file while the CLI is still importing.

Why: a ``dvh validate`` process spends its first ~0.7 s importing numpy, pyarrow, Typer,
Pydantic, the engine and the schema on one core, under the GIL, while the second core has
little to do. Positional reads, SHA-256 and Arrow's CSV parser release the GIL, so one thread
can, in that window, read the first pieces and hash them in file order (which needs nothing
heavy, hub.pieces) and, once pyarrow is in, parse them. The run then only checks them and goes
on reading and hashing from where the thread stopped (``hub.readers._Hasher`` resumes the
hash), so no byte is read twice. A piece the thread has not begun to parse when the run
claims it is parsed by the run's workers, as any other.

An earlier parse-ahead (removed in ab3f467) started after Typer had parsed the command line,
imported pyarrow inside the window, shared the core with the early hash (hub.prehash, which
reads the whole file once more) and made the run wait for the piece in hand: it measured
slower. This one starts before pyarrow is imported, replaces the early hash instead of
competing with it, and hands over what it has not started.

It works from a guess (the CLI reads its own command line before Typer does, cli.early), so
the run takes the pieces only if the file (device, inode, size, modification time), the
header, the delimiter (sniffed from the file's head, as the run does), the null tokens, the
piece size and the cell limit are exactly what it would have used itself; otherwise it drops
them and reads the file as usual (the hash of the bytes already read stays good: it is a
prefix of the file's).
"""

from __future__ import annotations

import contextlib
import hashlib
import sys
import threading
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hub.pieces import PIECE_BYTES, Buffers, Piece, header_span, plan
from hub.prehash import file_identity

MAX_PIECES = 3  # read and hashed in the window, one to three parsed there. Six were no
# faster (10 interleaved pairs) and raised the peak RSS by ~40 MB (10M rows: 445-463 MiB
# against 419-433), where the bound is 500 MB.
# While the thread runs, the importing thread holds the GIL: each time the thread comes back
# from a read, a hash or a parse it waits for the interpreter's switch interval (5 ms) before
# it may go on. 0.5 ms cut the parse of a piece in the window from 120-135 to 75-90 ms.
SWITCH_INTERVAL = 0.0005
_jobs: dict[str, Ahead] = {}
_lock = threading.Lock()


@dataclass
class AheadPiece:
    """A piece the thread parses (or has parsed): the future gives
    ``(segments.Parsed, scan.PieceSigns | None)``."""

    piece: Piece
    future: Future[tuple[Any, Any]] = field(default_factory=Future)
    started: bool = False


class Ahead:
    """One file's parse-ahead; see the module docstring."""

    def __init__(self, path: Path, identity: tuple[int, int, int, int], *,
                 null_tokens: tuple[str, ...], line_limit: int | None, piece_bytes: int,
                 max_pieces: int) -> None:
        self.path, self.identity = path, identity
        self.null_tokens, self.line_limit = null_tokens, line_limit
        self.piece_bytes, self.max_pieces = piece_bytes, max_pieces
        self.header: list[str] | None = None
        self.delimiter = ","  # sniffed before the parse, as ``hub.inputs.prepare`` does
        self.items: list[AheadPiece] = []
        self.next_pos = 0  # where the pieces read end: the run reads on from here
        self.pool = Buffers(piece_bytes)  # handed on to the run's reader with the pieces
        self._hash = hashlib.sha256()
        self._hashed = 0  # bytes from the file's start that went into the hash
        self._stopped = False
        self._lock = threading.Lock()
        self._read_done = threading.Event()  # no more reading or hashing
        self._imported = threading.Event()  # the caller has imported what parsing needs
        self._switch = sys.getswitchinterval()
        sys.setswitchinterval(SWITCH_INTERVAL)
        self._thread = threading.Thread(target=self._run, name="dvh-parse-ahead", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        with contextlib.suppress(Exception):  # a failed guess is no guess: the run reads
            try:
                self._read()
            finally:
                self._read_done.set()
            self._imported.wait()
            self._parse()

    def _read(self) -> None:
        """Stage one, before numpy and pyarrow are in: read and hash the first pieces."""
        start, _lines = header_span(self.path)
        with self.path.open("rb") as fh:
            self._feed(fh.read(start))
        with self._lock:
            self.next_pos = start
        pieces = plan(self.path, start, self.piece_bytes, pool=self.pool)
        try:
            for piece in pieces:
                with self._lock:
                    if self._stopped or len(self.items) >= self.max_pieces:
                        piece.release()
                        return
                    self.items.append(AheadPiece(piece))
                    self.next_pos = piece.start + piece.length
                self._feed(piece.data)
        finally:
            pieces.close()

    def _parse(self) -> None:
        """Stage two: parse the pieces read, in order, until the run claims the rest."""
        from hub import segments
        from hub.readers import csv_convert_options, read_header
        from hub.sniff import HEAD_BYTES, sniff_delimiter

        with self.path.open("rb") as fh:  # a .csv read with the defaults: sniffed as the run will
            delimiter = sniff_delimiter(fh.read(HEAD_BYTES).decode("utf-8", errors="replace"))
        header = read_header(self.path, delimiter)
        if not header:
            return
        convert = csv_convert_options(header, self.null_tokens)
        ascii_convert = csv_convert_options(header, self.null_tokens, check_utf8=False)
        with self._lock:
            self.header, self.delimiter = header, delimiter
            todo = list(self.items)
        for item in todo:
            with self._lock:
                if self._stopped:
                    return
                item.started = True
            piece = item.piece
            try:
                parsed, found = segments.parse_scanned(piece, header, convert, ascii_convert,
                                                       line_limit=self.line_limit,
                                                       delimiter=delimiter)
            except BaseException as exc:
                item.future.set_exception(exc)
                return
            finally:
                piece.release()
            item.future.set_result((parsed, found))
            if parsed.streaming:
                return  # the stream reads on from this piece: nothing after it is used

    def _feed(self, data: memoryview | bytes) -> None:
        self._hash.update(data)
        self._hashed += len(data)

    def imported(self) -> None:
        """The caller has imported numpy, pyarrow and the parser: the thread may parse."""
        self._imported.set()

    def matches(self, header: list[str], null_tokens: tuple[str, ...], piece_bytes: int,
                line_limit: int | None, delimiter: str = ",") -> bool:
        """Whether the pieces are what the run would have made of the same file."""
        with self._lock:
            seen, split = self.header, self.delimiter
        return (seen == header and split == delimiter and self.null_tokens == null_tokens
                and self.piece_bytes == piece_bytes
                and (line_limit is None or line_limit == self.line_limit)
                and file_identity(self.path) == self.identity)

    def claim(self) -> tuple[list[AheadPiece | Piece], int]:
        """Stop; the pieces in file order (parsed or being parsed: ``AheadPiece``; not begun:
        the plain ``Piece``, for the run to parse) and where the run goes on reading."""
        self._stop()
        self._read_done.wait()  # (stage one stops at the next piece)
        with self._lock:
            items, self.items = self.items, []
            return [i if i.started else i.piece for i in items], self.next_pos

    def hash_state(self) -> tuple[Any, int]:
        """The SHA-256 of the file's first bytes and how many (``hub.readers._Hasher`` goes
        on from there), once the thread reads no more."""
        self._stop()
        self._read_done.wait()
        return self._hash, self._hashed

    def _stop(self) -> None:
        with self._lock:
            if not self._stopped:
                self._stopped = True
                sys.setswitchinterval(self._switch)

    def discard(self) -> None:
        """Stop, and let go of whatever was read, and of the buffers it was read into."""
        self._stop()
        with self._lock:
            items, self.items = self.items, []
        for item in items:
            if not item.started:
                item.piece.release()
        self.pool.close()

    def wait(self) -> None:
        """Let the thread read and parse all it may (tests: no race with the claim)."""
        self._imported.set()
        self._thread.join()


def start(path: Path, *, null_tokens: tuple[str, ...] = (), line_limit: int | None = None,
          piece_bytes: int | None = None, max_pieces: int = MAX_PIECES) -> Ahead | None:
    """Begin reading ``path`` ahead, a regular file the caller expects to be a UTF-8 ``.csv``
    with a header, read with the defaults (``line_limit``: the cell limit, None for the
    default; the delimiter is sniffed as the run sniffs it). Returns once
    numpy, pyarrow and the parser are imported, on the caller's thread, while the thread
    reads: two threads importing would only take turns."""
    identity = file_identity(path)
    if identity is None or not path.is_file():
        return None
    with _lock:
        key = str(path.resolve())
        job = _jobs.get(key)
        if job is None:
            job = _jobs[key] = Ahead(path, identity, null_tokens=null_tokens,
                                     line_limit=line_limit, piece_bytes=piece_bytes
                                     or PIECE_BYTES, max_pieces=max_pieces)
    from hub import scan, segments  # noqa: F401
    from hub.careful import DEFAULT_CELL_LIMIT
    from hub.lean import keep_pandas_out
    from hub.readers import read_header  # noqa: F401

    if job.line_limit is None:
        job.line_limit = DEFAULT_CELL_LIMIT
    keep_pandas_out()  # before the thread's first Arrow call, as ``hub.validate`` does
    job.imported()
    return job


def running(path: Path) -> bool:
    with _lock:
        return bool(_jobs) and str(path.resolve()) in _jobs


def take(path: Path) -> Ahead | None:
    """The parse-ahead of ``path`` if one was started on the very same file; it is the
    caller's from now on (to use, or to ``discard``)."""
    with _lock:
        job = _jobs.pop(str(path.resolve()), None) if _jobs else None
    if job is not None and file_identity(path) != job.identity:
        job.discard()
        return None
    return job
