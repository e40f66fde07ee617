"""Decompress gzip/bz2/xz/zstd inputs to a temp file, refusing anything past a size limit.

Streams in fixed chunks, so memory stays bounded whatever the ratio: a 1 MB bomb that expands to
100 GB stops at ``limit`` bytes with a clear error. The inflation runs on a side thread, so a
reader can follow the temp file as it grows (``Inflation``).
"""

from __future__ import annotations

import bz2
import gzip
import lzma
import os
import sys
import tempfile
import threading
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


class Inflation:
    """A compressed file inflating into a temp file on a side thread, which readers may follow
    as it grows (``wait_for``) instead of waiting for the whole of it.

    Why: gunzip of the 2M-row orders file takes ~1.6 s on one core, and the run used to wait
    for all of it before its first parse. zlib, bz2, lzma and zstandard release the GIL while
    they work, so the workers can check the first pieces while the rest inflates.

    The temp file is the caller's: ``close()`` stops the thread and deletes it."""

    def __init__(self, path: Path, kind: str, *, name: str, limit: int = DEFAULT_LIMIT,
                 directory: Path | None = None) -> None:
        self._opener = _opener(kind)  # an unknown kind fails here, before any thread
        fd, tmp = tempfile.mkstemp(prefix="dvh-inflate-", dir=directory)
        self.path = Path(tmp)
        self._source, self._kind, self._name, self._limit = path, kind, name, limit
        self._changed = threading.Condition()
        self._written = 0
        self._done = False
        self._stop = False
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(fd,), name="dvh-inflate",
                                        daemon=True)
        self._thread.start()

    def _run(self, fd: int) -> None:
        errors: tuple[type[BaseException], ...] = _CORRUPT
        error: BaseException | None = None
        try:
            if self._kind == "zstd":
                import zstandard

                errors = (*_CORRUPT, zstandard.ZstdError)
            with os.fdopen(fd, "wb", buffering=0) as out, self._opener(self._source) as stream:
                while not self._stop and (chunk := stream.read(CHUNK)):
                    if self._written + len(chunk) > self._limit:
                        raise UnreadableInput(
                            f"{self._name}: decompresses to more than {self._limit:,} bytes "
                            "(the limit); refused as a possible decompression bomb",
                            kind="decompression_limit")
                    _write_all(out, chunk, self._name)  # unbuffered: readers pread it
                    with self._changed:
                        self._written += len(chunk)
                        self._changed.notify_all()
        except UnreadableInput as exc:
            error = exc
        except errors as exc:
            error = UnreadableInput(f"{self._name}: corrupt {self._kind} data ({exc})",
                                    kind="corrupt_compression")
        except BaseException as exc:  # anything else: the waiting reader re-raises it
            error = exc
        if error is None and self._stop:  # closed early: nobody may take the file as whole
            error = UnreadableInput(f"{self._name}: decompression stopped")
        with self._changed:
            self._error, self._done = error, True
            self._changed.notify_all()

    def wait_for(self, size: int) -> tuple[int, bool]:
        """Block until at least ``size`` bytes are written or the inflation has ended; return
        the bytes written and whether that is the whole file. Raises the inflation's error
        (a corrupt stream, the size limit) once it has ended with one."""
        with self._changed:
            while not self._done and self._written < size:
                self._changed.wait()
            if self._done and self._error is not None:
                raise self._error
            return self._written, self._done

    def wait(self) -> int:
        """Block until the whole file is written; its size. Raises the inflation's error."""
        return self.wait_for(sys.maxsize)[0]

    def close(self) -> None:
        """Stop the thread (it ends within a chunk) and delete the temp file."""
        self._stop = True
        self._thread.join()
        self.path.unlink(missing_ok=True)


def _write_all(out: BinaryIO, chunk: bytes, name: str) -> None:
    """All of ``chunk`` (a raw write may take part of it); a full disk is not corrupt input."""
    view = memoryview(chunk)
    while view:
        try:
            view = view[out.write(view) or 0:]
        except OSError as exc:
            raise UnreadableInput(f"{name}: cannot write its decompressed copy "
                                  f"({exc.strerror or exc})") from None

