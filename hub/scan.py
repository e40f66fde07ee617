"""One pass over the raw bytes, on a background thread: the sha256 of the file, and the signs
that the fast reader cannot be trusted with it.

pyarrow's reader silently reads an unclosed quote as one huge cell and skips blank lines, so
line numbers would drift; NUL bytes and giant cells pass unnoticed. Those signs are cheap to see
in the raw bytes (memchr-speed counts), so healthy files pay nothing and the rare broken one is
re-read by the careful reader.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from pathlib import Path

CHUNK = 4 << 20


@dataclass
class Signs:
    """What the scan saw; ``suspect`` means the careful reader must read the file."""

    nul: bool = False
    odd_quotes: bool = False
    blank_lines: bool = False
    lone_cr: bool = False
    long_line: bool = False

    @property
    def suspect(self) -> bool:
        return self.nul or self.odd_quotes or self.blank_lines or self.lone_cr or self.long_line


class Scanner:
    """Hash and scan ``path`` in the background; ``result()`` is the hex sha256."""

    def __init__(self, path: Path, *, line_limit: int, quote: bytes = b'"',
                 hash_content: bool = True, signs: bool = True) -> None:
        self._digest: str | None = None
        self._scan = signs
        self.signs = Signs()
        self._limit = line_limit
        self._quote = quote
        self._hash = hash_content
        self._thread = threading.Thread(target=self._run, args=(path,), daemon=True)
        self._thread.start()

    def _run(self, path: Path) -> None:
        h = hashlib.sha256() if self._hash else None
        quotes = 0
        since_newline = 0
        prev_last = b""
        signs = self.signs
        try:
            with path.open("rb") as fh:
                while chunk := fh.read(CHUNK):
                    if h is not None:
                        h.update(chunk)
                    if not self._scan:
                        continue
                    if not signs.nul and b"\x00" in chunk:
                        signs.nul = True
                    if self._quote:
                        quotes += chunk.count(self._quote)
                    joined = prev_last + chunk[:2]
                    if not signs.blank_lines and (b"\n\n" in chunk or b"\n\r\n" in chunk
                                                  or b"\n\n" in joined or b"\n\r\n" in joined):
                        signs.blank_lines = True
                    crs = chunk.count(b"\r")
                    tail_cr = 1 if chunk.endswith(b"\r") else 0  # its \n may start the next
                    if crs and not signs.lone_cr and crs - chunk.count(b"\r\n") > tail_cr:
                        signs.lone_cr = True
                    if prev_last.endswith(b"\r") and not chunk.startswith(b"\n"):
                        signs.lone_cr = True
                    since_newline = self._lines(chunk, since_newline)
                    prev_last = chunk[-2:]
            signs.odd_quotes = self._scan and quotes % 2 == 1
            self._digest = h.hexdigest() if h is not None else None
        except OSError:
            self._digest = None

    def _lines(self, chunk: bytes, run: int) -> int:
        """Track the longest line without splitting: only chunks with few newlines are read
        newline by newline."""
        limit = self._limit
        count = chunk.count(b"\n")
        if count == 0:
            run += len(chunk)
            if run > limit:
                self.signs.long_line = True
            return run
        first = chunk.find(b"\n")
        if run + first > limit:
            self.signs.long_line = True
        if count <= len(chunk) // max(limit, 1) + 2:
            pos = first
            while True:
                nxt = chunk.find(b"\n", pos + 1)
                if nxt < 0:
                    break
                if nxt - pos - 1 > limit:
                    self.signs.long_line = True
                pos = nxt
        return len(chunk) - chunk.rfind(b"\n") - 1

    def wait(self) -> Signs:
        self._thread.join()
        return self.signs

    def result(self) -> str | None:
        self._thread.join()
        return self._digest
