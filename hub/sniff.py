"""Look at a file's first bytes: what it is (magic), how it is encoded, how it is delimited.

Content is checked before a file is parsed so that a PNG named ``.csv`` or a Parquet file sent
as ``text/csv`` gets a clear error instead of a parse of garbage.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

HEAD_BYTES = 64 * 1024
DELIMITERS = (",", ";", "\t", "|")

# (prefix, kind, human name)
_MAGIC: tuple[tuple[bytes, str, str], ...] = (
    (b"\x1f\x8b", "gzip", "gzip"),
    (b"BZh", "bz2", "bzip2"),
    (b"\xfd7zXZ\x00", "xz", "xz"),
    (b"\x28\xb5\x2f\xfd", "zstd", "zstd"),
    (b"PAR1", "parquet", "Parquet"),
    (b"\x89PNG\r\n\x1a\n", "binary", "a PNG image"),
    (b"\xff\xd8\xff", "binary", "a JPEG image"),
    (b"GIF8", "binary", "a GIF image"),
    (b"%PDF-", "binary", "a PDF document"),
    (b"PK\x03\x04", "binary", "a ZIP archive (or an Excel/ODF file)"),
    (b"\x7fELF", "binary", "an executable"),
    (b"\xd0\xcf\x11\xe0", "binary", "an old Office document (xls/doc)"),
    (b"SQLite format 3\x00", "binary", "an SQLite database"),
)
COMPRESSIONS = frozenset({"gzip", "bz2", "xz", "zstd"})
_BOMS: tuple[tuple[bytes, str], ...] = (
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)


@dataclass(frozen=True)
class Magic:
    kind: str  # gzip | bz2 | xz | zstd | parquet | binary | text
    name: str


def magic(head: bytes) -> Magic:
    """What the first bytes say the file is; ``text`` when nothing binary is recognised."""
    for prefix, kind, name in _MAGIC:
        if head.startswith(prefix):
            return Magic(kind, name)
    if head and bom_encoding(head) is None and looks_binary(head):
        return Magic("binary", "binary data")
    return Magic("text", "text")


def bom_encoding(head: bytes) -> str | None:
    """The encoding a byte-order mark announces, if there is one."""
    for bom, encoding in _BOMS:
        if head.startswith(bom):
            return encoding
    return None


def looks_binary(head: bytes) -> bool:
    """Many NULs or control bytes: not a text file (a stray NUL in text is reported per cell)."""
    sample = head[:8192]
    if not sample:
        return False
    controls = sum(1 for b in sample if b < 9 or 13 < b < 32)
    return sample.count(0) > len(sample) // 100 + 1 or controls > len(sample) // 10 + 4


def sniff_delimiter(text: str) -> str:
    """The delimiter among , ; tab | that splits the header into several columns and at least
    half of the following lines into as many, the most consistent one winning; ``,`` when none
    does (one column).

    Quoted fields are respected (the csv module splits them); ties prefer the order above.
    """
    lines = text.splitlines()[:50]
    if len(lines) > 1 and not text.endswith(("\n", "\r")):
        lines = lines[:-1]  # the last line of a sample may be cut in the middle
    best, best_score = ",", -1.0
    for delim in DELIMITERS:
        try:
            rows = [r for r in csv.reader(io.StringIO("\n".join(lines)), delimiter=delim) if r]
        except csv.Error:
            continue
        if not rows or len(rows[0]) < 2:
            continue  # the header must be split by it
        width = len(rows[0])
        body = rows[1:] or rows
        agree = sum(len(r) == width for r in body) / len(body)
        if agree < 0.5:
            continue  # a character in a one-column header ("|"), not the file's delimiter
        score = agree * 1000 + width
        if score > best_score:
            best, best_score = delim, score
    return best
