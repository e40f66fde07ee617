"""Stable hashes of key values, to send equal keys to the same bucket on any machine.

Python's ``hash`` of a string changes from one process to the next (``PYTHONHASHSEED``), so it
cannot place keys that workers of a cluster compute apart. These hashes are pure functions of
the value, and equal keys (as ``hub.uniqueness`` compares them) always hash alike:

- int64 keys: the splitmix64 finaliser of the value;
- string keys: a polynomial hash of the UTF-8 bytes, vectorised over Arrow's buffers, then
  mixed with the length and finalised;
- other Python values (floats, Decimals, datetimes... and ints beyond int64): numbers by
  Python's numeric hash (deterministic, and equal for ``1``, ``1.0``, ``Decimal(1)``, ``True``,
  which Python calls equal), text and times by a digest of a canonical form; a value of a type
  not listed hashes to 0 (correct, merely unbalanced).

Only the bucket depends on the hash; which rows are duplicates is decided afterwards by exact
comparison, so a collision costs time, never a wrong verdict.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from enum import Enum
from fractions import Fraction
from typing import Any
from uuid import UUID

import numpy as np
import pyarrow as pa

_P = 0x100000001B3  # odd, so invertible modulo 2**64
_P_INV = pow(_P, -1, 2**64)
_LEN_MIX = np.uint64(0x9E3779B97F4A7C15)
_CHUNK = 1 << 20  # bytes hashed per vectorised step (bounds the temporary arrays)
_powers: dict[str, np.ndarray] = {}


def mix64(x: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser on uint64 values (wrapping arithmetic)."""
    x = x.astype(np.uint64, copy=True)
    x ^= x >> np.uint64(30)
    x *= np.uint64(0xBF58476D1CE4E5B9)
    x ^= x >> np.uint64(27)
    x *= np.uint64(0x94D049BB133111EB)
    x ^= x >> np.uint64(31)
    return x


def _table(kind: str, n: int) -> np.ndarray:
    have = _powers.get(kind)
    if have is None or len(have) < n:
        base = _P if kind == "p" else _P_INV
        size = max(n, _CHUNK)
        out = np.empty(size, dtype=np.uint64)
        out[0] = 1
        # powers by doubling: out[k:2k] = out[:k] * base**k
        k, step = 1, base
        while k < size:
            m = min(k, size - k)
            out[k:k + m] = out[:m] * np.uint64(step)
            step = (step * step) % 2**64
            k += m
        _powers[kind] = have = out
    return have


def hash_int64(values: np.ndarray) -> np.ndarray:
    return mix64(values.astype(np.int64, copy=False).view(np.uint64))


def hash_strings(arr: pa.Array) -> np.ndarray:
    """A uint64 per string (nulls hash as empty strings: callers drop them first)."""
    arr = arr.cast(pa.large_string())
    n = len(arr)
    out = np.zeros(n, dtype=np.uint64)
    if n == 0:
        return out
    bufs = arr.buffers()
    offsets = np.frombuffer(bufs[1], dtype=np.int64, count=n + 1, offset=arr.offset * 8)
    data = np.frombuffer(bufs[2], dtype=np.uint8) if bufs[2] is not None else np.zeros(
        0, dtype=np.uint8)
    i = 0
    while i < n:
        base = int(offsets[i])
        j = int(np.searchsorted(offsets, base + _CHUNK, side="right")) - 1
        j = max(j, i + 1)  # at least one string, however long
        top = int(offsets[j])
        span = top - base
        p, p_inv = _table("p", span + 1), _table("q", span + 1)
        weighted = data[base:top].astype(np.uint64) * p[:span]
        prefix = np.zeros(span + 1, dtype=np.uint64)
        np.cumsum(weighted, out=prefix[1:])
        starts = offsets[i:j] - base
        ends = offsets[i + 1:j + 1] - base
        out[i:j] = (prefix[ends] - prefix[starts]) * p_inv[starts]
        i = j
    lengths = (offsets[1:] - offsets[:-1]).astype(np.uint64)
    return mix64(out ^ (lengths * _LEN_MIX))


def _digest(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8", "surrogatepass"),
                                          digest_size=8).digest(), "little")


def hash_value(value: Any) -> int:
    """A process-independent hash of one Python key value (see the module's docstring)."""
    try:
        if isinstance(value, bool | int | float | Decimal | Fraction):
            if value != value:  # NaN is equal to nothing
                return 0
            return hash(value) & (2**64 - 1)
    except TypeError:  # a signalling NaN
        return 0
    if isinstance(value, str):
        return _digest("s" + str.__str__(value))
    if isinstance(value, bytes):
        return int.from_bytes(hashlib.blake2b(value, digest_size=8).digest(), "little")
    if isinstance(value, datetime):
        if value.utcoffset() is not None:  # aware: equal when the instant is the same
            utc = value.astimezone(UTC).replace(tzinfo=None)
            return _digest("z" + utc.isoformat())
        return _digest("n" + value.isoformat())
    if isinstance(value, date):
        return _digest("d" + value.isoformat())
    if isinstance(value, time) and value.utcoffset() is None:
        return _digest("t" + value.isoformat())
    if isinstance(value, timedelta):
        return _digest(f"td{value.days}:{value.seconds}:{value.microseconds}")
    if isinstance(value, UUID):
        return _digest("u" + str(value))
    if isinstance(value, Enum):
        return hash_value(value.value)
    return 0


def hash_row(parts: list[Any]) -> int:
    """One hash for a composite key of Python values."""
    h = 0xCBF29CE484222325
    for part in parts:
        h = ((h ^ hash_value(part)) * _P) % 2**64
    return h
