"""Uniqueness across a dataset: which rows repeat a key first seen earlier in dataset order.

The semantics are ``hub.uniqueness``'s (validated values, compared exactly; every repeat is
reported at its own row), over the whole dataset: a key's *first* occurrence is the earliest
in (file order, row), and each later one is a duplicate of it, wherever it is. The outcome for
a partition is a ``DupTable``: its duplicate rows, the rule each breaks, where the key was
first seen, and the key as the row itself holds it.

Two ways compute the same tables:

- on one machine, ``StreamDedupe`` reads the partitions in order through one ``UniqueIndex``;
- on a cluster, each partition splits its keys into hash buckets (``split_keys``); each bucket
  holds every occurrence of its keys, so ``bucket_duplicates`` finds their repeats alone, with
  the same ``UniqueIndex`` fed in dataset order; each partition then gets its rows back.
  No key ever travels to the client.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa

from hub.dataset_hash import hash_int64, hash_row, hash_strings
from hub.engine import BatchOutcome, Group, jsonable
from hub.uniqueness import KeyRule, UniqueIndex, join_parts

Slice = tuple[np.ndarray, dict[str, Any], dict[str, dict[int, Any]]]  # rows, parts, extra


@dataclass
class DupTable:
    """Duplicate rows of one partition (rows local to the partition), one entry per
    (row, broken rule)."""

    rule: list[int] = field(default_factory=list)
    row: list[int] = field(default_factory=list)
    first_file: list[int] = field(default_factory=list)
    first_row: list[int] = field(default_factory=list)
    shown: list[Any] = field(default_factory=list)

    def add(self, rule: int, row: int, first_file: int, first_row: int, shown: Any) -> None:
        self.rule.append(rule)
        self.row.append(row)
        self.first_file.append(first_file)
        self.first_row.append(first_row)
        self.shown.append(shown)

    def extend(self, other: DupTable) -> None:
        for name in ("rule", "row", "first_file", "first_row", "shown"):
            getattr(self, name).extend(getattr(other, name))

    def __len__(self) -> int:
        return len(self.row)


def _value(part: Any, extra: dict[int, Any], i: int) -> Any:
    if i in extra:
        return extra[i]
    return part[i].as_py() if isinstance(part, pa.Array) else part[i]


def shown_key(rule: KeyRule, parts: dict[str, Any], extra: dict[str, dict[int, Any]],
              i: int) -> Any:
    """The key as row ``i`` holds it (a value, or a list for a composite key), as JSON."""
    values = [jsonable(_value(parts[n], extra.get(n, {}), i)) for n in rule.names]
    return values[0] if len(values) == 1 else values


def dup_groups(dups: DupTable, rules: list[KeyRule], names: list[str], order: int,
               start: int, stop: int) -> list[Group]:
    """Groups (rows relative to ``start``) for the duplicates in rows ``[start, stop)`` of a
    partition, in a canonical order: by rule, then where the key was first seen, then key."""
    picked: dict[tuple[int, int, int, str], tuple[Any, list[int]]] = {}
    for rule, row, ff, fr, shown in zip(dups.rule, dups.row, dups.first_file, dups.first_row,
                                        dups.shown, strict=True):
        if start <= row < stop:
            slot = picked.setdefault((rule, ff, fr, repr(shown)), (shown, []))
            slot[1].append(row - start)
    groups = []
    for (rule_i, ff, fr, _), (shown, rows) in sorted(picked.items(), key=lambda kv: kv[0]):
        rule = rules[rule_i]
        what = "value" if len(rule.names) == 1 else "key"
        groups.append(Group(rule.label, order, shown, [{
            "type": rule.error_type, "loc": (),
            "msg": f"Duplicate {what}: first seen at row {fr} of {names[ff]}",
            "ctx": {"first_row": fr, "first_file": names[ff]},
        }], np.array(sorted(rows), dtype=np.int64)))
    return groups


class StreamDedupe:
    """One machine: partitions arrive in dataset order; one index remembers every key."""

    def __init__(self, rules: list[KeyRule]) -> None:
        self.rules = rules
        self.index = [UniqueIndex([r]) for r in rules]
        self.seen = 0  # rows of the dataset seen so far (positions are dataset-wide)
        self.starts: list[int] = []  # dataset position of each partition's first row
        self.places: list[tuple[int, int]] = []  # (file index, row offset in the file)

    def partition(self, file_index: int, row_offset: int,
                  batches: list[tuple[BatchOutcome, int]]) -> DupTable:
        """Duplicates among the batches (outcome, row offset in the partition) of the next
        partition, which starts at row ``row_offset`` of file ``file_index``."""
        base = self.seen
        self.starts.append(base)
        self.places.append((file_index, row_offset))
        table = DupTable()
        for outcome, offset in batches:
            for r, (rule, index) in enumerate(zip(self.rules, self.index, strict=True)):
                for _, _, first, rows in index.check(outcome.keys, outcome.key_extra,
                                                     base + offset, outcome.rows):
                    ff, fr = self._place(first)
                    for i in np.sort(rows).tolist():
                        table.add(r, offset + i, ff, fr,
                                  shown_key(rule, outcome.keys, outcome.key_extra, i))
            self.seen = max(self.seen, base + offset + outcome.rows)
        return table

    def _place(self, position: int) -> tuple[int, int]:
        p = bisect.bisect_right(self.starts, position) - 1
        file_index, row_offset = self.places[p]
        return file_index, row_offset + position - self.starts[p]


def _valid_rows(rule: KeyRule, keys: dict[str, Any], extra: dict[str, dict[int, Any]],
                n: int) -> np.ndarray:
    """Rows where every part of the key has a value (null keys are never duplicates)."""
    ok = np.ones(n, dtype=bool)
    for name in rule.names:
        part, big = keys.get(name), extra.get(name, {})
        if part is None:
            return np.zeros(0, dtype=np.int64)
        if isinstance(part, pa.Array):
            has = np.asarray(part.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
        else:
            has = np.fromiter((v is not None for v in part), dtype=bool, count=n)
        if big:
            has[list(big)] = True
        ok &= has
    return np.flatnonzero(ok)


def _bucket_of(rule: KeyRule, keys: dict[str, Any], extra: dict[str, dict[int, Any]],
               rows: np.ndarray) -> np.ndarray:
    """A uint64 hash per row of ``rows``; equal keys hash alike (see hub.dataset_hash)."""
    parts = [keys[n] for n in rule.names]
    big = sorted({i for n in rule.names for i in extra.get(n, {})})
    vector = rule.vectorised and all(isinstance(p, pa.Array) for p in parts)
    if not vector or big:
        out = np.empty(len(rows), dtype=np.uint64)
        for j, i in enumerate(rows.tolist()):
            out[j] = hash_row([_value(keys[n], extra.get(n, {}), i) for n in rule.names])
        if not vector:
            return out
        plain = ~np.isin(rows, np.array(big, dtype=np.int64))
    else:
        out, plain = np.empty(len(rows), dtype=np.uint64), np.ones(len(rows), dtype=bool)
    take = pa.array(rows[plain])
    picked = [p.take(take) for p in parts]
    key = picked[0] if len(picked) == 1 else join_parts(picked)
    if pa.types.is_integer(key.type):
        out[plain] = hash_int64(key.to_numpy(zero_copy_only=False))
    else:
        out[plain] = hash_strings(key)
    return out


def _subset(keys: dict[str, Any], extra: dict[str, dict[int, Any]], names: tuple[str, ...],
            rows: np.ndarray) -> tuple[dict[str, Any], dict[str, dict[int, Any]]]:
    parts: dict[str, Any] = {}
    for name in names:
        part = keys[name]
        parts[name] = part.take(pa.array(rows)) if isinstance(part, pa.Array) else [
            part[i] for i in rows.tolist()]
    sub_extra: dict[str, dict[int, Any]] = {}
    for name in names:
        big = extra.get(name)
        if not big:
            continue
        at = np.searchsorted(rows, np.fromiter(big, dtype=np.int64))  # rows are ascending
        mine = {int(j): v for (i, v), j in zip(big.items(), at.tolist(), strict=True)
                if j < len(rows) and rows[j] == i}
        if mine:
            sub_extra[name] = mine
    return parts, sub_extra


def split_keys(rules: list[KeyRule], batches: list[tuple[BatchOutcome, int]], buckets: int
               ) -> list[list[list[Slice]]]:
    """Stage 1 of the shuffle: per bucket, per rule, the slices (one per batch) of this
    partition's keys that hash there; rows are partition rows."""
    out: list[list[list[Slice]]] = [[[] for _ in rules] for _ in range(buckets)]
    for outcome, offset in batches:
        for r, rule in enumerate(rules):
            rows = _valid_rows(rule, outcome.keys, outcome.key_extra, outcome.rows)
            if not len(rows):
                continue
            if buckets == 1:
                bucket = np.zeros(len(rows), dtype=np.int64)
            else:
                bucket = (_bucket_of(rule, outcome.keys, outcome.key_extra, rows)
                          % np.uint64(buckets)).astype(np.int64)
            for b in np.unique(bucket).tolist():
                mine = rows[bucket == b]
                parts, extra = _subset(outcome.keys, outcome.key_extra, rule.names, mine)
                out[b][r].append((mine + offset, parts, extra))
    return out


def bucket_duplicates(rules: list[KeyRule], pieces: list[list[list[Slice]]],
                      places: list[tuple[int, int]]) -> dict[int, DupTable]:
    """Stage 2: the duplicates among one bucket's keys. ``pieces[k]`` is what partition k (in
    dataset order) sent to this bucket, ``places[k]`` that partition's (file index, row offset
    in the file). Returns the duplicates of each partition that has any."""
    out: dict[int, DupTable] = {}
    for r, rule in enumerate(rules):
        index = UniqueIndex([rule])
        seq = 0
        starts: list[int] = []  # sequence position of each slice, to map positions back
        owners: list[tuple[int, np.ndarray]] = []
        for k, piece in enumerate(pieces):
            for rows, parts, extra in piece[r]:
                starts.append(seq)
                owners.append((k, rows))
                for _, _, first, hit in index.check(parts, extra, seq, len(rows)):
                    s = bisect.bisect_right(starts, first) - 1
                    fk, frows = owners[s]
                    ff, off = places[fk]
                    fr = off + int(frows[first - starts[s]])
                    table = out.setdefault(k, DupTable())
                    for i in np.sort(hit).tolist():
                        table.add(r, int(rows[i]), ff, fr, shown_key(rule, parts, extra, i))
                seq += len(rows)
    return out
