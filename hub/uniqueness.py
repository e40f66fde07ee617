"""Uniqueness across a whole file: unique columns and composite primary keys.

Keys are the *validated* values (``"01"`` and ``"1"`` are the same int), compared exactly.
Every duplicate is reported at its own row, with a message naming the first row that held the
value. Batches arrive in row order; the index keeps each key once, with its first row:

- int and text keys live in sorted runs (numpy int64, or Arrow strings) searched per batch and
  merged like a log-structured tree, so memory is ~16-24 bytes per distinct key, not a dict;
- keys of other types (floats, datetimes, Decimals...) fall back to a dict of Python values.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa

from hub import arrowops as ops
from hub.kernels import to_mask

MAX_RUN = 1 << 22  # runs stop merging at this size: bounds the memory a merge needs
_SEP = "\x1f"


@dataclass
class KeyRule:
    label: str  # the column (or "a,b") the report shows
    names: tuple[str, ...]  # field names
    error_type: str  # duplicate_value / duplicate_key
    vectorised: bool  # every part has an int64 or string key


@dataclass
class Duplicates:
    """Rows (batch-local) of one duplicated key, the key as shown, and its first row."""

    value: Any
    first_row: int
    rows: np.ndarray


class _Runs:
    """Sorted runs of distinct keys with the first row of each; keys are never repeated."""

    def __init__(self) -> None:
        self.keys: list[Any] = []  # np.ndarray[int64] or pa.LargeStringArray, sorted
        self.rows: list[np.ndarray] = []

    def lookup(self, needles: Any) -> np.ndarray:
        """First row of each (sorted, distinct) needle, -1 where it was never seen."""
        found = np.full(len(needles), -1, dtype=np.int64)
        for keys, rows in zip(self.keys, self.rows, strict=True):
            if isinstance(keys, np.ndarray):
                pos = np.searchsorted(keys, needles)
                inside = pos < len(keys)
                hit = np.zeros(len(needles), dtype=bool)
                hit[inside] = keys[pos[inside]] == needles[inside]
            else:
                pos = ops.search_sorted(keys, needles).to_numpy().astype(np.int64)
                inside = pos < len(keys)
                hit = np.zeros(len(needles), dtype=bool)
                if inside.any():
                    idx = np.flatnonzero(inside)
                    same = ops.equal(ops.take(keys, ops.indices(pos[idx])),
                                     ops.take(needles, ops.indices(idx)))
                    hit[idx] = to_mask(same)
            found[hit] = rows[pos[hit]]
        return found

    def add(self, keys: Any, rows: np.ndarray) -> None:
        if len(keys) == 0:
            return
        self.keys.append(keys)
        self.rows.append(rows)
        while (len(self.keys) > 1 and len(self.keys[-2]) <= 2 * len(self.keys[-1])
               and len(self.keys[-2]) + len(self.keys[-1]) <= MAX_RUN):
            k2, r2 = self.keys.pop(), self.rows.pop()
            k1, r1 = self.keys.pop(), self.rows.pop()
            if isinstance(k1, np.ndarray):
                pos = np.searchsorted(k1, k2)
                self.keys.append(np.insert(k1, pos, k2))
                self.rows.append(np.insert(r1, pos, r2))
            else:
                merged = pa.concat_arrays([k1, k2])
                order = ops.sort_indices(merged)
                self.keys.append(ops.take(merged, order))
                self.rows.append(np.concatenate([r1, r2])[order.to_numpy()])


def _sorted_groups(keys: Any) -> tuple[Any, np.ndarray]:
    """Stable order of ``keys`` and, in that order, where each run of equal keys starts."""
    if isinstance(keys, np.ndarray):
        order = np.argsort(keys, kind="stable")
        s = keys[order]
        starts = np.empty(len(s), dtype=bool)
        if len(s):
            starts[0] = True
            np.not_equal(s[1:], s[:-1], out=starts[1:])
        return order, starts
    order_arr = ops.sort_indices(keys)
    s = ops.take(keys, order_arr)
    starts = np.ones(len(s), dtype=bool)
    if len(s) > 1:
        starts[1:] = to_mask(ops.not_equal(s[1:], s[:-1]))
    return order_arr.to_numpy(), starts


class _Dense:
    """First row per int key in a flat table over [base, base + len): O(1) per lookup while the
    keys are dense (ids 1..N), which is the common case; ``None`` once they are not. Unseen
    slots hold ``EMPTY``, above every row, so that ``np.minimum.at`` records first rows."""

    def __init__(self) -> None:
        self.base = 0
        self.first = np.zeros(0, dtype=np.int32)
        self.count = 0

    def fits(self, low: int, high: int, adding: int) -> bool:
        lo = min(low, self.base) if len(self.first) else low
        hi = max(high, self.base + len(self.first) - 1) if len(self.first) else high
        span = hi - lo + 1
        return span <= DENSE_MAX or span <= DENSE_SLACK * (self.count + adding)

    def grow(self, low: int, high: int) -> None:
        if not len(self.first):
            self.base, self.first = low, np.full(high - low + 1, EMPTY, dtype=np.int32)
            return
        top = self.base + len(self.first) - 1
        if low >= self.base and high <= top:
            return
        lo = min(low, self.base)
        hi = max(high, top + len(self.first) // 2) if high > top else top  # room to grow
        table = np.full(hi - lo + 1, EMPTY, dtype=np.int32)
        table[self.base - lo:self.base - lo + len(self.first)] = self.first
        self.base, self.first = lo, table

    def lookup(self, keys: np.ndarray) -> np.ndarray:
        found = self.first[keys - self.base].astype(np.int64)
        found[found == EMPTY] = -1
        return found

    def add(self, keys: np.ndarray, rows: np.ndarray) -> None:
        self.first[keys - self.base] = rows
        self.count += len(keys)

    def check(self, kv: np.ndarray, valid: np.ndarray, offset: int
              ) -> list[tuple[int, int, np.ndarray]]:
        """``VectorIndex.check`` for keys that fit the table (``grow`` first), without sorting
        the batch: after ``np.minimum.at`` the table holds each key's first row in the file,
        so a row whose key's first row is another row is a duplicate. Only the duplicates
        (few) are sorted, to group them by key. Half the time of the sorted path per 1M ids."""
        slots = kv - self.base
        rows = (valid + offset).astype(np.int32)
        before = self.first[slots]
        np.minimum.at(self.first, slots, rows)
        first = self.first[slots]
        self.count += int(np.count_nonzero((before == EMPTY) & (first == rows)))
        dup = np.flatnonzero(first != rows)
        if not len(dup):
            return []
        keys = kv[dup]
        order = np.argsort(keys, kind="stable")
        dup, keys = dup[order], keys[order]
        cuts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
        return [(int(valid[dup[a]]), int(first[dup[a]]), valid[dup[a:b]])
                for a, b in zip(cuts, np.r_[cuts[1:], len(dup)], strict=True)]

    def to_runs(self) -> _Runs:
        runs = _Runs()
        slots = np.flatnonzero(self.first != EMPTY)
        runs.add(slots.astype(np.int64) + self.base, self.first[slots].astype(np.int64))
        return runs


DENSE_SLACK = 4  # a dense table may hold 4 slots per distinct key...
DENSE_MAX = 1 << 24  # ...or span 16M values (64 MB), whichever is larger
ROW_LIMIT = 2**31 - 1  # rows are int32 in the dense table
EMPTY = np.int32(ROW_LIMIT)  # a dense slot never seen: above every row


@dataclass
class VectorIndex:
    """The index of one key rule whose key is an int64 or a string array."""

    runs: _Runs = field(default_factory=_Runs)
    dense: _Dense | None = field(default_factory=_Dense)

    def _lookup_and_add(self, distinct: Any, first_local: np.ndarray, offset: int
                        ) -> np.ndarray:
        """First row in the file of each distinct key, and remember the new ones."""
        if isinstance(distinct, np.ndarray) and self.dense is not None and len(distinct):
            low, high = int(distinct[0]), int(distinct[-1])
            if self.dense.fits(low, high, len(distinct)) and offset + len(first_local) < \
                    ROW_LIMIT:
                self.dense.grow(low, high)
                seen = self.dense.lookup(distinct)
                new = seen < 0
                first = np.where(new, first_local + offset, seen)
                self.dense.add(distinct[new], first[new])
                return first
            self.runs, self.dense = self.dense.to_runs(), None
        if not isinstance(distinct, np.ndarray):
            self.dense = None
        seen = self.runs.lookup(distinct)
        new = seen < 0
        first = np.where(new, first_local + offset, seen)
        if isinstance(distinct, np.ndarray):
            self.runs.add(distinct[new], first[new])
        else:
            self.runs.add(ops.filter(distinct, ops.mask(new)), first[new])
        return first

    def check(self, key: pa.Array, offset: int) -> list[tuple[int, int, np.ndarray]]:
        """(batch position of the key's first row here, first row in the file, batch rows of
        the duplicates) for every key of this batch that is a duplicate."""
        if key.null_count:
            valid = np.flatnonzero(to_mask(ops.is_valid(key)))
            key = ops.filter(key, ops.is_valid(key))
        else:
            valid = np.arange(len(key))
        if not len(valid):
            return []
        kv: Any
        if pa.types.is_integer(key.type):
            kv = key.to_numpy(zero_copy_only=False).astype(np.int64, copy=False)
            dense = self.dense
            if dense is not None and offset + int(valid[-1]) < ROW_LIMIT:
                low, high = int(kv.min()), int(kv.max())
                if dense.fits(low, high, len(kv)):
                    dense.grow(low, high)
                    return dense.check(kv, valid, offset)
        else:
            kv = ops.cast(key, pa.large_string())
        order, starts = _sorted_groups(kv)
        rows = valid[order]  # batch rows in key order (ascending within equal keys)
        group = np.cumsum(starts) - 1
        distinct = kv[order[starts]] if isinstance(kv, np.ndarray) else ops.take(
            kv, ops.indices(order[starts]))
        first_local = rows[starts]
        first = self._lookup_and_add(distinct, first_local, offset)
        is_dup = ~starts | (first != first_local + offset)[group]
        if not is_dup.any():
            return []
        dup_pos = np.flatnonzero(is_dup)
        dup_group = group[dup_pos]
        cuts = np.flatnonzero(np.r_[True, dup_group[1:] != dup_group[:-1]])
        out = []
        for a, b in zip(cuts, np.r_[cuts[1:], len(dup_pos)], strict=True):
            g = int(dup_group[a])
            out.append((int(first_local[g]), int(first[g]), rows[dup_pos[a:b]]))
        return out


class ObjectIndex:
    """The fallback: Python values in a dict (exact Python equality)."""

    def __init__(self) -> None:
        self.seen: dict[Any, int] = {}

    def check(self, cols: Sequence[Sequence[Any]], offset: int, local: Sequence[int]
              ) -> list[tuple[Any, int, np.ndarray]]:
        """``cols[c][j]`` is part c of the key of batch row ``local[j]``."""
        by_key: dict[Any, list[int]] = {}
        firsts: dict[Any, int] = {}
        for j, i in enumerate(local):
            key = tuple(c[j] for c in cols)
            if any(k is None for k in key):
                continue
            first = self.seen.setdefault(key, offset + i)
            if first != offset + i:
                by_key.setdefault(key, []).append(i)
                firsts[key] = first
        return [(k, firsts[k], np.array(rows)) for k, rows in by_key.items()]


def join_parts(parts: list[pa.Array]) -> pa.Array:
    """One string key from several int/string parts, injective: parts are escaped and joined."""
    texts = []
    for part in parts:
        text = ops.cast(part, pa.string()) if not pa.types.is_string(part.type) else part
        text = ops.replace_substring(text, "\\", "\\\\")
        texts.append(ops.replace_substring(text, _SEP, "\\u"))
    return ops.binary_join_element_wise(*texts, _SEP)


class UniqueIndex:
    """Every unique column and the primary key of a plan, checked batch after batch in order."""

    def __init__(self, rules: list[KeyRule]) -> None:
        self.rules = rules
        self.vector = [VectorIndex() if r.vectorised else None for r in rules]
        self.objects = [ObjectIndex() for _ in rules]  # non-vector keys and ints beyond int64
        self.columns = {n for r in rules for n in r.names}

    def check(self, keys: dict[str, Any], extra: dict[str, dict[int, Any]], offset: int,
              nrows: int) -> list[tuple[KeyRule, Any, int, np.ndarray]]:
        """(rule, key as shown, first row, batch rows) per duplicated key of this batch."""
        out = []
        for rule, vec, obj in zip(self.rules, self.vector, self.objects, strict=True):
            parts = [keys.get(n) for n in rule.names]
            if any(p is None for p in parts):
                continue  # a key column is absent from the file: reported as missing
            if vec is None:
                for key, first, rows in obj.check(parts, offset, range(nrows)):
                    out.append((rule, key[0] if len(key) == 1 else list(key), first, rows))
                continue
            key = parts[0] if len(parts) == 1 else join_parts(parts)
            for at, first, rows in vec.check(key, offset):
                shown = [_scalar(p, at) for p in parts]
                out.append((rule, shown[0] if len(shown) == 1 else shown, first, rows))
            big = sorted({r for n in rule.names for r in extra.get(n, {})})
            if big:  # ints beyond int64 cannot collide with int64 keys: their own dict
                cols = [[extra.get(n, {}).get(r, _scalar(p, r)) for r in big]
                        for n, p in zip(rule.names, parts, strict=True)]
                for key, first, rows in obj.check(cols, offset, big):
                    out.append((rule, key[0] if len(key) == 1 else list(key), first, rows))
        return out


def _scalar(part: Any, row: int) -> Any:
    return part[row].as_py() if isinstance(part, pa.Array) else part[row]
