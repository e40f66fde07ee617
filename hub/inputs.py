"""Turn whatever arrived into something the readers can parse: decompressed, UTF-8, with a
known format and dialect, or a clear ``UnreadableInput`` saying why not.

This runs before any parsing: content is checked against the name (a Parquet file named
``.csv`` is refused with a reason), compressed streams are inflated under a size limit, and
non-UTF-8 text is transcoded once so both readers see UTF-8.
"""

from __future__ import annotations

import codecs
import os
import tempfile
from contextlib import suppress
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath

from hub.careful import DEFAULT_CELL_LIMIT, Dialect
from hub.decompress import DEFAULT_LIMIT, SUFFIXES, Inflation
from hub.errors import UnreadableInput, UnsupportedFormat
from hub.sniff import COMPRESSIONS, HEAD_BYTES, bom_encoding, magic, sniff_delimiter

TEXT_SUFFIXES = {".csv": "csv", ".tsv": "csv", ".txt": "csv", ".tab": "csv"}
PARQUET_SUFFIXES = {".parquet": "parquet", ".pq": "parquet", ".parq": "parquet"}
_CHUNK = 1 << 20
FOLLOW_HEAD = 2 << 20  # what a follower waits for before reading the header (see Prepared)


@dataclass(frozen=True)
class ReadOptions:
    """What a user may say about a file; ``None`` means "find out"."""

    fmt: str | None = None
    delimiter: str | None = None
    encoding: str | None = None
    header: bool = True
    null_tokens: tuple[str, ...] = ()
    compression: str | None = None  # gzip | bz2 | xz | zstd | none
    max_decompressed_bytes: int = DEFAULT_LIMIT
    cell_limit: int = DEFAULT_CELL_LIMIT


@dataclass
class Prepared:
    """A file ready to parse; ``cleanup()`` removes any temp files made on the way.

    ``inflation``: set when ``path`` is still being inflated (``prepare(..., follow=True)``):
    its first ``FOLLOW_HEAD`` bytes (or all of it) are written, enough for the header, and a
    reader that wants more must wait for it (``inflation.wait_for``, ``whole()``)."""

    path: Path
    fmt: str
    dialect: Dialect
    temps: list[Path] = field(default_factory=list)
    inflation: Inflation | None = None

    def whole(self) -> None:
        """Wait until ``path`` is complete; raises the inflation's error if it failed."""
        if self.inflation is not None:
            self.inflation.wait()

    def cleanup(self) -> None:
        if self.inflation is not None:
            self.inflation.close()
        for tmp in self.temps:
            with suppress(OSError):
                tmp.unlink()
        self.temps.clear()


def _split_name(name: str) -> tuple[str | None, str | None]:
    """(compression, format) implied by a file name like ``drop.csv.gz``."""
    lower = name.lower()
    compression = None
    for suffix, kind in SUFFIXES.items():
        if lower.endswith(suffix):
            compression, lower = kind, lower[: -len(suffix)]
            break
    ext = PurePosixPath(lower).suffix
    return compression, TEXT_SUFFIXES.get(ext) or PARQUET_SUFFIXES.get(ext)


def _head(path: Path) -> bytes:
    try:
        with path.open("rb") as fh:
            return fh.read(HEAD_BYTES)
    except OSError as exc:
        raise UnreadableInput(f"{path}: {exc.strerror or exc}") from None


def prepare(path: Path, name: str, options: ReadOptions, *, temp_dir: Path | None = None,
            follow: bool = False) -> Prepared:
    """Settle format, compression, encoding and delimiter of ``path`` (shown as ``name``).
    ``follow``: a compressed CSV file that needs no transcoding is returned while it still
    inflates (``Prepared.inflation``), for a reader that follows it; else it is whole."""
    named_compression, named_fmt = _split_name(name)
    head = _head(path)
    found = magic(head)
    temps: list[Path] = []
    inflation: Inflation | None = None
    try:
        compression = options.compression or (found.kind if found.kind in COMPRESSIONS
                                               else None)
        if compression == "none":
            compression = None
        if named_compression and found.kind not in COMPRESSIONS and head:
            raise UnreadableInput(f"{name}: the name says {named_compression} but the content "
                                  f"is {found.name}", kind="format_mismatch")
        if compression:
            inflation = Inflation(path, compression, name=name,
                                  limit=options.max_decompressed_bytes, directory=temp_dir)
            if not follow:
                inflation.wait()
            inflation.wait_for(FOLLOW_HEAD)
            path, head = inflation.path, _head(inflation.path)
            found = magic(head)
        if not (options.fmt or named_fmt) and _foreign_extension(name) and found.kind == "text":
            raise UnsupportedFormat(f"{name}: cannot tell the format from the name; use .csv or "
                                    ".parquet, or --input-format")
        fmt = _settle_format(name, options.fmt or named_fmt, found.kind, found.name, head)
        if fmt == "parquet":
            if inflation is not None:
                inflation.wait()  # the footer is at the end
            return Prepared(path, "parquet", Dialect(), temps, inflation)
        encoding = options.encoding or bom_encoding(head) or "utf-8"
        if _needs_transcoding(encoding):
            if inflation is not None:
                inflation.wait()
            path = _transcode(path, encoding, name, temp_dir)
            temps.append(path)
            head = _head(path)
            encoding = "utf-8"
        elif encoding.lower().replace("_", "-") in ("utf-8-sig",):
            encoding = "utf-8-sig"
        text = head.decode("utf-8", errors="replace")
        if not text.strip():
            raise UnreadableInput(f"{name}: the file is empty" + (
                " (0 bytes)" if not head else " (only blank lines)"), kind="empty_file")
        delimiter = options.delimiter or (
            "\t" if name.lower().split(".")[-1] in ("tsv", "tab") or (
                named_compression and ".tsv" in name.lower()) else sniff_delimiter(text))
        dialect = Dialect(delimiter=delimiter, header=options.header, encoding=encoding)
        return Prepared(path, "csv", dialect, temps, inflation)
    except BaseException:
        if inflation is not None:
            inflation.close()
        for tmp in temps:
            with suppress(OSError):
                tmp.unlink()
        raise


_NEUTRAL = frozenset({"", ".auto", ".bin", ".dat", ".data", ".tmp", ".upload"})


def _foreign_extension(name: str) -> bool:
    """A name whose extension says it is something else (.md, .json...): not guessed at."""
    lower = name.lower()
    for suffix in SUFFIXES:
        if lower.endswith(suffix):
            lower = lower[: -len(suffix)]
            break
    return PurePosixPath(lower).suffix not in _NEUTRAL


def _settle_format(name: str, declared: str | None, kind: str, what: str, head: bytes) -> str:
    if declared not in (None, "csv", "parquet"):
        raise UnsupportedFormat(f"{name}: unsupported format {declared!r} (csv, parquet)")
    if kind == "binary":
        raise UnreadableInput(f"{name}: not a CSV or Parquet file: the content is {what}",
                              kind="binary_content")
    if kind in COMPRESSIONS:
        raise UnreadableInput(f"{name}: compressed twice ({what} inside compression)",
                              kind="format_mismatch")
    if declared == "csv" and kind == "parquet":
        raise UnreadableInput(f"{name}: the name says CSV but the content is a Parquet file; "
                              "rename it or pass --format parquet", kind="format_mismatch")
    if declared == "parquet" and kind != "parquet":
        if not head:
            raise UnreadableInput(f"{name}: the file is empty (0 bytes)", kind="empty_file")
        raise UnreadableInput(f"{name}: the name says Parquet but the content is not (no PAR1 "
                              "magic); pass --format csv if it is text", kind="format_mismatch")
    if declared:
        return declared
    if kind == "parquet":
        return "parquet"
    if not head:
        raise UnreadableInput(f"{name}: the file is empty (0 bytes)", kind="empty_file")
    return "csv"


def _needs_transcoding(encoding: str) -> bool:
    try:
        canonical = codecs.lookup(encoding).name
    except LookupError:
        raise UnreadableInput(f"unknown encoding {encoding!r}", kind="unknown_encoding"
                              ) from None
    return canonical not in ("utf-8",) and canonical != "utf-8-sig"


def _transcode(path: Path, encoding: str, name: str, temp_dir: Path | None) -> Path:
    """Re-encode as UTF-8, streaming; undecodable bytes become U+FFFD, which the careful reader
    reports as ``invalid_encoding`` at their cell."""
    fd, tmp = tempfile.mkstemp(prefix="dvh-utf8-", suffix=".csv", dir=temp_dir)
    out_path = Path(tmp)
    try:
        decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
        with os.fdopen(fd, "wb") as out, path.open("rb") as src:
            while chunk := src.read(_CHUNK):
                out.write(decoder.decode(chunk).encode("utf-8"))
            out.write(decoder.decode(b"", final=True).encode("utf-8"))
    except BaseException:
        out_path.unlink(missing_ok=True)
        raise
    return out_path


def with_format(prepared: Prepared, fmt: str) -> Prepared:
    return replace(prepared, fmt=fmt)


def sniff_source(path: Path, options: ReadOptions) -> str:
    """``csv`` or ``parquet`` for a file about to be uploaded (compressed: its inner format by
    name, ``csv`` when unknown); the hub re-checks everything on its side."""
    head = _head(path)
    found = magic(head)
    named = _split_name(path.name)[1]
    if options.fmt:
        return options.fmt
    if found.kind == "parquet":
        return "parquet"
    return named or "csv"
