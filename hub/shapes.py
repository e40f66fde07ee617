"""Fixed-width shapes (dates, datetimes, times, UUIDs) checked byte-wise on a matrix of cells.

Cells of one width are laid side by side in Arrow's value buffer, so they reshape into an
``(n, width)`` byte matrix without a copy; each template then checks digits, separators and
the calendar (month lengths, leap years, year 0, hour 24, second 60) in a few numpy passes.
``pyarrow.compute.strptime`` is not used: it rolls ``2023-02-30`` over to March 2 silently.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from hub import arrowops as ops

# Template letters: 9 digit, x hex digit, S date/time separator, ± offset sign; else literal.
_ALTERNATIVES = {"S": b"T ", "±": b"+-"}


@dataclass(frozen=True)
class Template:
    """One accepted spelling: its characters and where the calendar fields sit."""

    text: str
    date_at: int | None = None  # YYYY-MM-DD starts here
    time_at: int | None = None  # HH:MM[:SS] starts here
    seconds: bool = True
    offset_at: int | None = None  # ±HH:MM starts here
    width: int = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "width", len(self.text))

    @functools.cached_property
    def _swar(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
        """Per byte: the expected byte, a mask (0 where another check decides) and what to
        add so that an allowed XOR difference stays below 16 (digits: <10, literals: 0)."""
        words = -(-self.width // 8)
        expect = np.zeros(words * 8, dtype=np.uint8)
        keep = np.zeros(words * 8, dtype=np.uint8)
        add = np.zeros(words * 8, dtype=np.uint8)
        for i, c in enumerate(self.text):
            if c == "9":
                expect[i], keep[i], add[i] = 48, 0xFF, 6
            elif c not in "xS±":
                expect[i], keep[i], add[i] = ord(c), 0xFF, 15
        return expect, keep.view("<u8"), add.view("<u8"), words

    def check(self, m: np.ndarray) -> np.ndarray:
        """Rows of ``m`` (n x width bytes) that spell this template and a real date/time."""
        expect, keep, add, words = self._swar
        n = len(m)
        x = np.zeros((n, words * 8), dtype=np.uint8)
        x[:, :self.width] = m
        x ^= expect  # digits now hold their value, literals 0
        words_of = x.view("<u8")
        bad = np.zeros(n, dtype=np.uint64)
        for j in range(words):  # column by column: numpy is slow along a short axis
            w = words_of[:, j] & keep[j]
            bad |= (w & _HIGH) | ((w + add[j]) & _HIGH)
        ok = bad == 0
        for letter, allowed in _ALTERNATIVES.items():
            for i in (i for i, c in enumerate(self.text) if c == letter):
                ok &= (m[:, i] == allowed[0]) | (m[:, i] == allowed[1])
        hexes = [i for i, c in enumerate(self.text) if c == "x"]
        if hexes:
            low = m[:, hexes] | np.uint8(0x20)
            ok &= (((low - np.uint8(48)) < 10) | ((low - np.uint8(97)) < 6)).all(axis=1)
        if self.date_at is not None:
            ok &= _valid_date(x, self.date_at)
        if self.time_at is not None:
            t = self.time_at
            ok &= (_two(x, t) <= 23) & (_two(x, t + 3) <= 59)
            if self.seconds:
                ok &= _two(x, t + 6) <= 59
        if self.offset_at is not None:
            o = self.offset_at
            ok &= (_two(x, o + 1) <= 23) & (_two(x, o + 4) <= 59)
        return ok


_HIGH = np.uint64(0xF0F0F0F0F0F0F0F0)


def _two(x: np.ndarray, at: int) -> np.ndarray:
    """The two-digit number at ``at`` of rows whose digits were XORed with "0" (uint8)."""
    return x[:, at] * np.uint8(10) + x[:, at + 1]


# Days per month, indexed by a two-digit month (0 and 13..99: no such month).
_DAYS_BY_MONTH = np.zeros(256, dtype=np.uint8)
_DAYS_BY_MONTH[1:13] = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]


def _valid_date(x: np.ndarray, at: int) -> np.ndarray:
    """Year 1..9999, a real month, a day that month has (Feb 29 only in leap years)."""
    month, day = _two(x, at + 5), _two(x, at + 8)
    ok = (day >= 1) & (day <= _DAYS_BY_MONTH[month])
    ok &= (x[:, at] | x[:, at + 1] | x[:, at + 2] | x[:, at + 3]) != 0  # no year 0000
    feb29 = np.flatnonzero(ok & (month == 2) & (day == 29))
    if len(feb29):
        year = _two(x[feb29], at).astype(np.int32) * 100 + _two(x[feb29], at + 2)
        ok[feb29] = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    return ok


_DATE = "9999-99-99"
_FRACTIONS = ("", ".999", ".999999")


def _datetimes(tz: str | None) -> list[Template]:
    out = []
    for frac in _FRACTIONS:
        base = _DATE + "S99:99:99" + frac
        if tz != "aware":
            out.append(Template(base, date_at=0, time_at=11))
        if tz != "naive":
            out.append(Template(base + "Z", date_at=0, time_at=11))
            out.append(Template(base + "±99:99", date_at=0, time_at=11, offset_at=len(base)))
    if tz != "aware":
        out.append(Template(_DATE, date_at=0))  # a date alone is midnight
    return out


def _times(tz: str | None) -> list[Template]:
    out = []
    for frac in _FRACTIONS:
        base = "99:99:99" + frac
        if tz != "aware":
            out.append(Template(base, time_at=0))
        if tz != "naive":
            out.append(Template(base + "Z", time_at=0))
            out.append(Template(base + "±99:99", time_at=0, offset_at=len(base)))
    if tz != "aware":
        out.append(Template("99:99", time_at=0, seconds=False))
    return out


def templates_for(kind: str, tz: str | None = None) -> list[Template]:
    if kind == "date":
        return [Template(_DATE, date_at=0)]
    if kind == "datetime":
        return _datetimes(tz)
    if kind == "time":
        return _times(tz)
    if kind == "uuid":
        return [Template("xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx")]
    raise ValueError(f"no shapes for {kind}")


def _only_these(arr: pa.Array, total: int) -> bool:
    """The value buffer holds exactly ``total`` bytes (the other cells are empty or null)."""
    offsets = arr.buffers()[1]
    itemsize = 8 if pa.types.is_large_string(arr.type) else 4
    ends = np.frombuffer(offsets, dtype=np.int64 if itemsize == 8 else np.int32,
                         count=len(arr) + 1, offset=arr.offset * itemsize)
    return int(ends[-1]) - int(ends[0]) == total


def byte_matrix(arr: pa.Array, width: int, rows: int | None = None) -> np.ndarray:
    """``rows`` cells of ``width`` bytes lying back to back in Arrow's value buffer (all the
    non-empty cells of ``arr``), as an (rows, width) matrix over that buffer (no copy)."""
    large = pa.types.is_large_string(arr.type)
    itemsize = 8 if large else 4
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int64 if large else np.int32,
                            count=len(arr) + 1, offset=arr.offset * itemsize)
    data = np.frombuffer(arr.buffers()[2], dtype=np.uint8)
    start = int(offsets[0])
    rows = len(arr) if rows is None else rows
    return data[start:start + rows * width].reshape(rows, width)


def accept(arr: pa.Array, templates: list[Template]) -> np.ndarray:
    """Cells that match one of ``templates`` exactly (False for nulls and everything else)."""
    n = len(arr)
    ok = np.zeros(n, dtype=bool)
    if n == 0:
        return ok
    lengths = ops.binary_length(arr)
    if lengths.null_count:
        lengths = ops.fill_null(lengths, -1)
    lengths = lengths.to_numpy(zero_copy_only=False)
    by_width: dict[int, list[Template]] = {}
    for t in templates:
        by_width.setdefault(t.width, []).append(t)
    for width, group in by_width.items():
        sel = lengths == width
        count = int(sel.sum())
        if not count:
            continue
        if count == n or _only_these(arr, count * width):
            m = byte_matrix(arr, width, count)  # other cells are empty: no copy needed
        else:
            m = byte_matrix(ops.filter(arr, ops.mask(sel)), width, count)
        hit = np.zeros(count, dtype=bool)
        for t in group:
            hit |= t.check(m)
        ok[sel] = hit
    return ok
