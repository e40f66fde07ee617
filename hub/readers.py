"""Open CSV or Parquet and yield Arrow record batches with their row offset and physical lines.

Memory stays bounded by the batch size: nothing here holds the whole file.
CSV cells arrive as strings (Pydantic decides what they mean); Parquet columns keep their types.
"""

from __future__ import annotations

import csv
import hashlib
import io
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from hub.errors import UnreadableInput, UnsupportedFormat

# The streaming reader's block. Arrow reads up to 32 blocks ahead of the consumer (its
# background generator's queue), and reading from the page cache outruns any check, so the
# queue fills. The orders file with a quoted line break in its 5th row (the stream takes over
# at the first piece), peak RSS, single runs: 16 MB blocks 1.07 GiB at 5M rows and 1.12 GiB
# at 10M; 4 MB 448 and 514 MiB; 3 MB 404 and 455 MiB in the same time (9.6 and 20.2 s);
# 2 MB 406 MiB at 10M, but 24% slower.
CSV_BLOCK_SIZE = 3 << 20
PARQUET_BATCH_ROWS = 64 * 1024  # ~10 MB of orders: three in flight stay small
PARQUET_READ_BYTES = 1 << 20  # a column chunk is read this much at a time (parquet_reader)
FORMATS = ("csv", "parquet")
_PARQUET_MAGIC = b"PAR1"


@dataclass
class Batch:
    """A slice of the input: ``offset`` is the 0-based index of its first data row."""

    data: pa.RecordBatch
    offset: int
    lines: np.ndarray | None  # 1-based physical line where each row starts (CSV only)


@dataclass
class Source:
    """A file on disk to validate, under the name the user knows it by."""

    path: Path
    name: str
    format: str
    bytes: int
    _sha: _Hasher | None = field(default=None, repr=False)

    def sha256(self) -> str | None:
        return self._sha.result() if self._sha else None

    def hash_in_background(self) -> None:
        """Start hashing now, on a thread (when no reader will feed the bytes)."""
        if self._sha:
            self._sha.start()

    def feed_hash(self, offset: int, data: memoryview | bytes) -> None:
        """Bytes a reader has in hand, for the hash (read once, hashed while in cache)."""
        if self._sha:
            self._sha.feed(offset, data)


class _Hasher:
    """SHA-256 of the file. A reader that goes through the file in order feeds it the bytes it
    has read anyway; whatever was not fed is read on a background thread (hashlib releases
    the GIL on large buffers)."""

    def __init__(self, path: Path, size: int,
                 resume: Callable[[], tuple[Any, int]] | None = None) -> None:
        self._path, self._size = path, size
        self._hash = hashlib.sha256()
        self._fed = 0
        self._digest: str | None = None
        self._thread: threading.Thread | None = None
        self._resume = resume  # the hash of the file's first bytes, and how many, when asked

    def _resumed(self) -> None:
        if self._resume is not None:
            self._hash, self._fed = self._resume()
            self._resume = None

    def feed(self, offset: int, data: memoryview | bytes) -> None:
        self._resumed()
        if self._thread is None and offset == self._fed:
            self._hash.update(data)
            self._fed += len(data)
        else:
            self.start()  # out of order: the thread takes over from what was fed

    def start(self) -> None:
        if self._thread is None:
            self._resumed()
            self._thread = threading.Thread(target=self._run, daemon=True)
            self._thread.start()

    def _run(self) -> None:
        try:
            with self._path.open("rb") as fh:
                fh.seek(self._fed)
                while chunk := fh.read(4 << 20):
                    self._hash.update(chunk)
            self._digest = self._hash.hexdigest()
        except OSError:
            self._digest = None

    def result(self) -> str | None:
        self._resumed()
        if self._thread is None and self._fed == self._size:
            return self._hash.hexdigest()
        self.start()
        assert self._thread is not None
        self._thread.join()
        return self._digest


def detect_format(path: Path, declared: str | None = None) -> str:
    """Declared format wins, then the extension, then the file's magic bytes."""
    if declared:
        if declared not in FORMATS:
            raise UnsupportedFormat(f"{path.name}: unsupported format {declared!r} (csv, parquet)")
        return declared
    suffix = path.suffix.lower()
    if suffix in (".csv", ".tsv", ".txt"):
        return "csv"
    if suffix in (".parquet", ".pq"):
        return "parquet"
    try:
        with path.open("rb") as fh:
            head = fh.read(4)
    except OSError as exc:
        raise UnreadableInput(f"{path}: {exc.strerror or exc}") from None
    if head == _PARQUET_MAGIC:
        return "parquet"
    raise UnsupportedFormat(
        f"{path.name}: cannot tell the format from the name; use .csv or .parquet"
    )


def open_source(path: Path | str, *, name: str | None = None, fmt: str | None = None,
                hash_content: bool = True) -> Source:
    """Check the file exists and is readable, and settle its format."""
    p = Path(path)
    try:
        size = p.stat().st_size
    except FileNotFoundError:
        raise UnreadableInput(f"{p}: no such file") from None
    except OSError as exc:
        raise UnreadableInput(f"{p}: {exc.strerror or exc}") from None
    if p.is_dir():
        raise UnreadableInput(f"{p}: is a directory, not a file")
    fmt = detect_format(p, fmt)
    return Source(path=p, name=name or p.name, format=fmt, bytes=size,
                  _sha=_Hasher(p, size) if hash_content else None)


def read_header(path: Path, delimiter: str = ",") -> list[str]:
    """The first CSV record, decoded as UTF-8 (BOM removed, and a second one after it too:
    every reader of a header strips it, so that the fast and careful paths agree)."""
    try:
        with path.open("r", encoding="utf-8-sig", newline="") as fh:
            first = next(csv.reader(fh, delimiter=delimiter), None)
    except UnicodeDecodeError as exc:
        raise UnreadableInput(f"{path.name}: header is not valid UTF-8 ({exc.reason})") from None
    except csv.Error as exc:
        raise UnreadableInput(f"{path.name}: line 1: {exc}") from None
    except OSError as exc:
        raise UnreadableInput(f"{path}: {exc.strerror or exc}") from None
    header = list(first) if first else []
    if header and header[0].startswith("\ufeff"):
        header[0] = header[0][1:]
    return header


def embedded_newlines(batch: pa.RecordBatch) -> np.ndarray | None:
    """Per row, how many line breaks hide inside its quoted cells (None when there are none)."""
    total: np.ndarray | None = None
    for col in batch.columns:
        if pa.types.is_string(col.type) or pa.types.is_large_string(col.type):
            counts = _newlines_per_value(col)
            if counts is not None:
                total = counts if total is None else total + counts
    return total


def unclosed_last_record(path: Path, last: Batch | None, delimiter: str) -> bool:
    """The careful reader's rule for a quote left open at the end of the file
    (``hub.careful.unclosed_from``): the last record spans lines and the quotes from its first
    line to the end are odd. Arrow's streaming reader, like the csv module, closes such a
    quote silently; and a stray quote inside an unquoted cell earlier on makes the file's
    quote count even, so the file's signs (hub.scan) do not show it."""
    if last is None or last.lines is None or last.data.num_rows == 0:
        return False
    extra = embedded_newlines(last.data.slice(last.data.num_rows - 1))
    if extra is None or not extra[-1]:
        return False
    from hub.careful import Dialect, unclosed_from

    return unclosed_from(str(path), Dialect(delimiter=delimiter), int(last.lines[-1]))


def _newlines_per_value(arr: pa.Array) -> np.ndarray | None:
    """Line breaks per value (0 for a null), None when the column holds none. Found in the
    values' bytes and given to their rows by the offsets: ``pc.count_substring`` searched
    value by value, ~60 ms per 16 MB batch here, which made the streaming reader ~2x slower."""
    from hub import arrowops as ops
    from hub.kernels import to_mask, value_bytes, value_offsets

    raw = value_bytes(arr)
    hits = np.flatnonzero(raw == 10)
    if not hits.size:
        return None
    offsets = value_offsets(arr)
    rows = np.searchsorted(offsets, hits + offsets[0], side="right") - 1
    counts = np.bincount(rows, minlength=len(arr)).astype(np.int64)
    if arr.null_count:
        counts[~to_mask(ops.is_valid(arr))] = 0
    return counts


def csv_convert_options(header: list[str], null_tokens: tuple[str, ...] = (), *,
                        check_utf8: bool = True) -> object:
    """Every cell as a string (Pydantic decides what it means); empty cells and tokens null.
    ``check_utf8=False`` only for bytes known to be ASCII (see ``segments.parse``)."""
    from pyarrow import csv as pacsv

    return pacsv.ConvertOptions(
        column_types={name: pa.string() for name in header},
        strings_can_be_null=True,
        quoted_strings_can_be_null=True,
        null_values=["", *null_tokens],
        check_utf8=check_utf8,
    )


def iter_csv(source: Source, header: list[str], null_tokens: tuple[str, ...] = (), *,
             start: int | None = None, first_row: int = 0, first_line: int | None = None,
             delimiter: str = ",") -> Iterator[Batch]:
    """Stream the records from byte ``start`` (default: just after the header) on, as batches.

    ``first_row`` and ``first_line`` are the row index and physical line of the record at
    ``start``; the parallel path uses them to hand the rest of a file over to this reader.
    """
    from pyarrow import csv as pacsv

    from hub.segments import header_span

    if start is None:
        start, header_lines = header_span(source.path)
        first_line = header_lines + 1
    read_options = pacsv.ReadOptions(block_size=CSV_BLOCK_SIZE, use_threads=True,
                                      column_names=header)
    parse_options = pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True)
    try:
        fh = source.path.open("rb")
    except OSError as exc:
        raise UnreadableInput(f"{source.path}: {exc.strerror or exc}") from None
    with fh:
        fh.seek(start)
        try:
            reader = pacsv.open_csv(fh, read_options=read_options, parse_options=parse_options,
                                    convert_options=csv_convert_options(header, null_tokens))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
            raise UnreadableInput(f"{source.name}: {_arrow_reason(exc)}") from None
        offset = first_row
        next_line = first_line or 2
        while True:
            try:
                batch = reader.read_next_batch()
            except StopIteration:
                return
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
                raise UnreadableInput(f"{source.name}: {_arrow_reason(exc)}") from None
            n = batch.num_rows
            extra = embedded_newlines(batch)
            lines = np.arange(next_line, next_line + n, dtype=np.int64)
            if extra is not None:
                shift = np.concatenate(([0], np.cumsum(extra)[:-1]))
                lines = lines + shift
                next_line = int(lines[-1] + extra[-1] + 1) if n else next_line
            else:
                next_line += n
            yield Batch(batch, offset, lines)
            offset += n


def parquet_reader(where: Any, *, remote: bool = False) -> Any:
    """A ``ParquetFile`` whose memory stays bounded by the batch, whatever its row groups.

    Arrow's defaults keep every column chunk it pre-buffered (memory grows with the file: a
    dataset run of the 5M-row orders file peaked at 624 MiB, against 332 MiB for the same
    file alone) and read a column chunk whole before decoding it (the same file written as one
    row group: 565-576 MiB, against 382-397 MiB reading 1 MB at a time, in no more time).
    A remote file reads each column chunk whole: one request per chunk, not per MB."""
    import pyarrow.parquet as pq

    if remote:
        return pq.ParquetFile(where, pre_buffer=False)
    return pq.ParquetFile(where, pre_buffer=False, buffer_size=PARQUET_READ_BYTES)


def iter_parquet(source: Source) -> tuple[list[str], Iterator[Batch]]:
    try:
        pf = parquet_reader(source.path)
        names = list(pf.schema_arrow.names)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, OSError) as exc:
        raise UnreadableInput(f"{source.name}: not a readable Parquet file ({_arrow_reason(exc)})"
                              ) from None

    def batches() -> Iterator[Batch]:
        offset = 0
        try:
            for rb in pf.iter_batches(batch_size=PARQUET_BATCH_ROWS):
                yield Batch(rb, offset, None)
                offset += rb.num_rows
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, OSError) as exc:
            raise UnreadableInput(f"{source.name}: {_arrow_reason(exc)}") from None

    return names, batches()


@dataclass
class RowGroups:
    """A Parquet file cut by its row groups, for workers that each decode their own: the
    groups' (index, first row), and a reader per thread (a ParquetFile is not shared)."""

    source: Source
    groups: list[tuple[int, int]]
    _local: threading.local = field(default_factory=threading.local)

    def batches(self, index: int) -> Iterator[pa.RecordBatch]:
        """Row group ``index`` in batches, decoded on the calling thread."""
        try:
            pf = getattr(self._local, "pf", None)
            if pf is None:
                pf = self._local.pf = parquet_reader(self.source.path)
            yield from pf.iter_batches(batch_size=PARQUET_BATCH_ROWS, row_groups=[index],
                                       use_threads=False)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, OSError) as exc:
            raise UnreadableInput(f"{self.source.name}: {_arrow_reason(exc)}") from None


# Row groups suit one worker each only when there are enough of them and none is large: a
# file written as one big group would leave a worker idle, and a worker holds its group's
# column chunks while it decodes them.
MIN_GROUPS_PER_WORKER = 2
MAX_GROUP_BYTES = 64 << 20


def parquet_row_groups(source: Source, meta: Any, workers: int) -> RowGroups | None:
    """The file's row groups (``meta``: its footer, read once by the caller), if the workers
    had better decode them themselves (see ``runner.run_row_groups``); None when the batch
    stream suits it better."""
    n = meta.num_row_groups
    if workers < 2 or n < MIN_GROUPS_PER_WORKER * workers:
        return None
    groups, first = [], 0
    for i in range(n):
        group = meta.row_group(i)
        if group.total_byte_size > MAX_GROUP_BYTES:
            return None
        groups.append((i, first))
        first += group.num_rows
    return RowGroups(source, groups)


def _arrow_reason(exc: BaseException) -> str:
    """Arrow's messages can span lines; a user gets the first one."""
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def sniff_text(path: Path, size: int = 4096) -> str:
    """A decoded peek at the start of a file, for error messages."""
    with path.open("rb") as fh:
        return io.TextIOWrapper(io.BytesIO(fh.read(size)), errors="replace").read()
