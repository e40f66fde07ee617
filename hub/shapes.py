"""Fixed-width shapes (dates, datetimes, times, UUIDs) checked byte-wise on a matrix of cells.

Cells of one width are laid side by side in Arrow's value buffer, so they reshape into an
``(n, width)`` byte matrix without a copy; each template then checks digits, separators and
the calendar (month lengths, leap years, year 0, hour 24, second 60) in a few numpy passes.
``pyarrow.compute.strptime`` is not used: it rolls ``2023-02-30`` over to March 2 silently.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

_DAYS = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int32)
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

    def check(self, m: np.ndarray) -> np.ndarray:
        ok = np.ones(len(m), dtype=bool)
        digits = [i for i, c in enumerate(self.text) if c == "9"]
        if digits:
            ok &= ((m[:, digits] - np.uint8(48)) < 10).all(axis=1)
        literal = [(i, ord(c)) for i, c in enumerate(self.text) if c not in "9xS±"]
        if literal:
            cols, chars = zip(*literal, strict=True)
            ok &= (m[:, list(cols)] == np.array(chars, dtype=np.uint8)).all(axis=1)
        for letter, allowed in _ALTERNATIVES.items():
            for i in (i for i, c in enumerate(self.text) if c == letter):
                ok &= np.isin(m[:, i], np.frombuffer(allowed, dtype=np.uint8))
        hexes = [i for i, c in enumerate(self.text) if c == "x"]
        if hexes:
            low = m[:, hexes] | np.uint8(0x20)
            ok &= (((low - np.uint8(48)) < 10) | ((low - np.uint8(97)) < 6)).all(axis=1)
        if self.date_at is not None:
            ok &= _valid_date(m, self.date_at)
        if self.time_at is not None:
            t = self.time_at
            ok &= (_number(m, t, 2) <= 23) & (_number(m, t + 3, 2) <= 59)
            if self.seconds:
                ok &= _number(m, t + 6, 2) <= 59
        if self.offset_at is not None:
            o = self.offset_at
            ok &= (_number(m, o + 1, 2) <= 23) & (_number(m, o + 4, 2) <= 59)
        return ok


def _number(m: np.ndarray, start: int, width: int) -> np.ndarray:
    out = np.zeros(len(m), dtype=np.int32)
    for i in range(start, start + width):
        out = out * 10 + (m[:, i].astype(np.int32) - 48)
    return out


def _valid_date(m: np.ndarray, at: int) -> np.ndarray:
    year, month, day = _number(m, at, 4), _number(m, at + 5, 2), _number(m, at + 8, 2)
    month_ok = (month >= 1) & (month <= 12)
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    days = _DAYS[np.where(month_ok, month, 0)] + (leap & (month == 2))
    return (year >= 1) & month_ok & (day >= 1) & (day <= days)


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


def byte_matrix(arr: pa.Array, width: int) -> np.ndarray:
    """The cells of a string array whose values all have ``width`` bytes, as an (n, width)
    matrix over Arrow's own buffer (no copy)."""
    large = pa.types.is_large_string(arr.type)
    itemsize = 8 if large else 4
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int64 if large else np.int32,
                            count=len(arr) + 1, offset=arr.offset * itemsize)
    data = np.frombuffer(arr.buffers()[2], dtype=np.uint8)
    start = int(offsets[0])
    return data[start:start + len(arr) * width].reshape(len(arr), width)


def accept(arr: pa.Array, templates: list[Template]) -> np.ndarray:
    """Cells that match one of ``templates`` exactly (False for nulls and everything else)."""
    n = len(arr)
    ok = np.zeros(n, dtype=bool)
    if n == 0:
        return ok
    lengths = pc.binary_length(arr).fill_null(-1).to_numpy(zero_copy_only=False)
    by_width: dict[int, list[Template]] = {}
    for t in templates:
        by_width.setdefault(t.width, []).append(t)
    for width, group in by_width.items():
        sel = lengths == width
        count = int(sel.sum())
        if not count:
            continue
        sub = arr if count == n else arr.filter(pa.array(sel))
        m = byte_matrix(sub, width)
        hit = np.zeros(count, dtype=bool)
        for t in group:
            hit |= t.check(m)
        ok[sel] = hit
    return ok
