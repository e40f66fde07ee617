"""Decompress gzip/bz2/xz/zstd inputs to a temp file, refusing anything past a size limit.

Streams in fixed chunks, so memory stays bounded whatever the ratio: a 1 MB bomb that expands to
100 GB stops at ``limit`` bytes with a clear error.
"""

from __future__ import annotations

import bz2
import gzip
import lzma
import os
import tempfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from hub.errors import UnreadableInput

CHUNK = 1 << 20
DEFAULT_LIMIT = 8 << 30  # 8 GiB decompressed
SUFFIXES = {".gz": "gzip", ".gzip": "gzip", ".bz2": "bz2", ".xz": "xz", ".zst": "zstd",
            ".zstd": "zstd"}


def _opener(kind: str) -> Callable[[Path], BinaryIO]:
    if kind == "gzip":
        return lambda p: gzip.open(p, "rb")  # type: ignore[return-value]
    if kind == "bz2":
        return lambda p: bz2.open(p, "rb")  # type: ignore[return-value]
    if kind == "xz":
        return lambda p: lzma.open(p, "rb")  # type: ignore[return-value]
    if kind == "zstd":
        import zstandard

        def open_zstd(p: Path) -> BinaryIO:
            return zstandard.ZstdDecompressor().stream_reader(p.open("rb"), closefd=True)

        return open_zstd
    raise ValueError(kind)


_CORRUPT = (OSError, EOFError, zlib.error, lzma.LZMAError, ValueError)


def decompress_to_temp(path: Path, kind: str, *, name: str, limit: int = DEFAULT_LIMIT,
                       directory: Path | None = None) -> Path:
    """The decompressed content in a new temp file (the caller deletes it)."""
    errors: tuple[type[BaseException], ...] = _CORRUPT
    if kind == "zstd":
        import zstandard

        errors = (*_CORRUPT, zstandard.ZstdError)
    fd, tmp = tempfile.mkstemp(prefix="dvh-inflate-", dir=directory)
    out_path = Path(tmp)
    written = 0
    try:
        with os.fdopen(fd, "wb") as out, _opener(kind)(path) as stream:
            while chunk := stream.read(CHUNK):
                written += len(chunk)
                if written > limit:
                    raise UnreadableInput(
                        f"{name}: decompresses to more than {limit:,} bytes (the limit); "
                        "refused as a possible decompression bomb",
                        kind="decompression_limit",
                    )
                out.write(chunk)
    except UnreadableInput:
        out_path.unlink(missing_ok=True)
        raise
    except errors as exc:
        out_path.unlink(missing_ok=True)
        raise UnreadableInput(f"{name}: corrupt {kind} data ({exc})",
                              kind="corrupt_compression") from None
    except BaseException:
        out_path.unlink(missing_ok=True)
        raise
    return out_path
