"""Vectorised acceptance of text cells: what Pydantic provably accepts, decided in Arrow.

A kernel never rejects. It returns a mask of the cells it can *prove* Pydantic accepts for the
field; every other non-null cell goes to Pydantic itself (per distinct value), which decides and
words the error. So a kernel may be as conservative as it likes, but never laxer than Pydantic.
Cheap checks run first; regexes only where they decide (see DESIGN.md, "Known traps").
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
import pyarrow as pa

from hub import arrowops as ops
from hub import shapes

INT_DIGITS = 18  # up to 18 digits always fits int64, so Arrow's cast cannot overflow
_SIGNED_INT = r"^-[0-9]{1,18}$"
# Pydantic's bool tokens, compared after ASCII lower-casing (it accepts "tRuE").
BOOL_TOKENS = {"0": False, "off": False, "f": False, "false": False, "n": False, "no": False,
               "1": True, "on": True, "t": True, "true": True, "y": True, "yes": True}


@dataclass(frozen=True)
class Spec:
    """What a field demands of a value, as far as the vectorised path needs to know."""

    kind: str  # int float decimal bool str choice date datetime time uuid
    gt: Any = None
    ge: Any = None
    lt: Any = None
    le: Any = None
    multiple_of: Any = None
    min_length: int | None = None
    max_length: int | None = None
    pattern: str | None = None
    allow_inf_nan: bool = True
    max_digits: int | None = None
    decimal_places: int | None = None
    choices: tuple[str, ...] = ()
    tz: str | None = None  # "aware", "naive" or None (either)

    @property
    def bounds(self) -> dict[str, Any]:
        return {k: v for k, v in (("gt", self.gt), ("ge", self.ge), ("lt", self.lt),
                                  ("le", self.le)) if v is not None}


@dataclass
class Accepted:
    """Cells the kernel proved valid, and (when asked) their key values for uniqueness."""

    mask: np.ndarray  # bool per cell; False for nulls and for anything left to Pydantic
    key: pa.Array | None = None  # int64 or string; null where not accepted


def filled(arr: Any, value: Any) -> Any:
    """``arr.fill_null(value)``, skipped when there is no null: each call builds a scalar and
    runs a kernel (~0.1 ms on 64k cells), and a batch's checks made ~28 of them."""
    return ops.fill_null(arr, value) if arr.null_count else arr


def to_mask(arr: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """An Arrow boolean (nulls as False) as a numpy bool array. numpy unpacks the bits: Arrow's
    own conversion goes value by value (~125 us per 96k values against ~9 us), and a piece's
    checks convert about twenty masks (perf: 2.2% of a warm 5M-row run)."""
    arr = filled(arr, False)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if not pa.types.is_boolean(arr.type):
        return np.asarray(arr.to_numpy(zero_copy_only=False), dtype=bool)
    n, off = len(arr), arr.offset
    if n == 0:
        return np.zeros(0, dtype=bool)
    bits = np.frombuffer(arr.buffers()[1], dtype=np.uint8)[off // 8:(off + n + 7) // 8]
    return np.unpackbits(bits, bitorder="little")[off % 8:off % 8 + n].view(bool)


def value_bytes(arr: pa.Array) -> np.ndarray:
    """The bytes of all values of a string array (for whole-buffer checks)."""
    offsets, data = value_offsets(arr), arr.buffers()[2]
    if data is None or len(arr) == 0:
        return np.zeros(0, dtype=np.uint8)
    raw = np.frombuffer(data, dtype=np.uint8)
    return raw[offsets[0]:offsets[-1]]


def value_offsets(arr: pa.Array) -> np.ndarray:
    width = np.int64 if pa.types.is_large_string(arr.type) else np.int32
    size = np.dtype(width).itemsize
    return np.frombuffer(arr.buffers()[1], dtype=width, count=len(arr) + 1,
                         offset=arr.offset * size)


def _bounds_ok(values: np.ndarray, spec: Spec) -> np.ndarray:
    ok = np.ones(len(values), dtype=bool)
    if spec.gt is not None:
        ok &= values > spec.gt
    if spec.ge is not None:
        ok &= values >= spec.ge
    if spec.lt is not None:
        ok &= values < spec.lt
    if spec.le is not None:
        ok &= values <= spec.le
    return ok


def _scatter(n: int, where: np.ndarray, values: np.ndarray, fill: Any = 0) -> np.ndarray:
    out = np.full(n, fill, dtype=values.dtype)
    out[where] = values
    return out


# -- integers --------------------------------------------------------------------------------

def int_kernel(spec: Spec) -> Kernel:
    def run(arr: pa.Array, want_key: bool) -> Accepted:
        n = len(arr)
        digits = ops.and_(ops.ascii_is_decimal(arr),
                          ops.less_equal(ops.binary_length(arr), INT_DIGITS))
        cand = to_mask(digits)
        rest = ~cand & to_mask(ops.is_valid(arr)) if arr.null_count else ~cand
        if rest.any():  # negative numbers: a regex, but only over what is left
            idx = np.flatnonzero(rest)
            left = ops.take(arr, ops.indices(idx))
            signed = to_mask(ops.match_substring_regex(left, _SIGNED_INT))
            cand[idx[signed]] = True
        if not cand.any():
            return Accepted(cand, pa.nulls(n, pa.int64()) if want_key else None)
        sub = arr if cand.all() else ops.filter(arr, ops.mask(cand))
        values = _scatter(n, cand, ops.cast(sub, pa.int64()).to_numpy(zero_copy_only=False))
        ok = cand & _bounds_ok(values, spec)
        if spec.multiple_of is not None:
            ok &= values % spec.multiple_of == 0
        key = ops.int64_with_nulls(values, ok) if want_key else None
        return Accepted(ok, key)
    return run


# -- floats and decimals ----------------------------------------------------------------------

MAX_NUMBER_BYTES = 40  # longer cells go to Pydantic (the verdict is the same, only slower)
_PLAIN_NUMBER = r"^-?[0-9]+(?:\.[0-9]+)?$"


def _plain_numbers(arr: pa.Array) -> np.ndarray:
    """Cells spelled ``-?[0-9]+(\\.[0-9]+)?`` (what Arrow and Python parse alike). RE2 over
    the cells (~50 ns each) took half the time of byte classes summed per cell with numpy
    (48 against 94 ms per 1M prices), which allocated and gathered per byte."""
    ok = np.diff(value_offsets(arr)) <= MAX_NUMBER_BYTES
    if not ok.any():
        return ok
    return ok & to_mask(ops.match_substring_regex(arr, _PLAIN_NUMBER))


def _plain_subset(arr: pa.Array) -> tuple[np.ndarray, pa.Array | None]:
    """Which cells are plain decimals, and those cells alone (None when there are none)."""
    cand = _plain_numbers(arr)
    if not cand.any():
        return cand, None
    return cand, arr if cand.all() else ops.filter(arr, ops.mask(cand))


def float_kernel(spec: Spec) -> Kernel:
    def run(arr: pa.Array, want_key: bool) -> Accepted:
        cand, sub = _plain_subset(arr)
        if sub is None:
            return Accepted(cand)
        values = _scatter(len(arr), cand,
                          ops.cast(sub, pa.float64()).to_numpy(zero_copy_only=False))
        # a 400-digit number parses to inf; Pydantic then decides on allow_inf_nan
        ok = cand & np.isfinite(values) & _bounds_ok(values, spec)
        return Accepted(ok)
    return run


def decimal_kernel(spec: Spec) -> Kernel:
    """Plain decimals; digits counted as Pydantic does (normalised: no leading/trailing 0s)."""
    def run(arr: pa.Array, want_key: bool) -> Accepted:
        n = len(arr)
        cand, sub = _plain_subset(arr)
        if sub is None:
            return Accepted(cand)
        ok_sub = np.ones(len(sub), dtype=bool)
        if spec.max_digits is not None or spec.decimal_places is not None:
            digits, places = _decimal_digits(sub)
            if spec.max_digits is not None:
                ok_sub &= digits <= spec.max_digits
            if spec.decimal_places is not None:
                ok_sub &= places <= spec.decimal_places
            if spec.max_digits is not None and spec.decimal_places is not None:
                ok_sub &= digits - places <= spec.max_digits - spec.decimal_places
        if spec.bounds:
            floats = ops.cast(sub, pa.float64()).to_numpy(zero_copy_only=False)
            ok_sub &= _strict_float_bounds(floats, spec)
        ok = np.zeros(n, dtype=bool)
        ok[cand] = ok_sub
        return Accepted(ok)
    return run


def _decimal_digits(sub: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(digits, decimal places) of plain decimal strings after Decimal.normalize()."""
    body = ops.utf8_ltrim(ops.utf8_ltrim(sub, "-"), "0")  # leading zeros never count
    has_dot = to_mask(ops.match_substring(body, "."))
    trimmed = ops.if_else(ops.mask(has_dot), ops.utf8_rtrim(ops.utf8_rtrim(body, "0"), "."), body)
    length = ops.binary_length(trimmed).to_numpy(zero_copy_only=False).astype(np.int64)
    dot = ops.find_substring(trimmed, ".").to_numpy(zero_copy_only=False).astype(np.int64)
    frac = np.where(dot >= 0, length - dot - 1, 0)
    digits = np.where(dot >= 0, length - 1, length)
    return digits, frac


def _strict_float_bounds(floats: np.ndarray, spec: Spec) -> np.ndarray:
    """Bounds on exact values decided through floats: rounding is monotonic, so fl(x) > fl(b)
    proves x > b (and so x >= b); a tie proves nothing and is left to Pydantic."""
    ok = np.isfinite(floats)
    for name, value in spec.bounds.items():
        b = float(value)
        ok &= floats > b if name in ("gt", "ge") else floats < b
    return ok


# -- booleans, choices, strings ---------------------------------------------------------------

def bool_kernel(spec: Spec) -> Kernel:
    tokens = pa.array(sorted(BOOL_TOKENS))

    def run(arr: pa.Array, want_key: bool) -> Accepted:
        return Accepted(to_mask(ops.is_in(ops.ascii_lower(arr), tokens)))
    return run


def choice_kernel(spec: Spec) -> Kernel:
    """Literal / Enum of strings: membership decides, and the string is the key."""
    values = pa.array(list(spec.choices), pa.string())

    def run(arr: pa.Array, want_key: bool) -> Accepted:
        ok = to_mask(ops.is_in(arr, values))
        return Accepted(ok, _masked(arr, ok) if want_key else None)
    return run


def str_kernel(spec: Spec) -> Kernel:
    regex = spec.pattern

    def run(arr: pa.Array, want_key: bool) -> Accepted:
        ok = to_mask(ops.is_valid(arr)) if arr.null_count else np.ones(len(arr), dtype=bool)
        if spec.min_length is not None or spec.max_length is not None:
            ok &= _length_ok(arr, spec.min_length, spec.max_length)
        if regex is not None and ok.any():
            ok &= _re2_proves_match(arr, regex)
        return Accepted(ok, _masked(arr, ok) if want_key else None)
    return run


def _length_ok(arr: pa.Array, low: int | None, high: int | None) -> np.ndarray:
    """Character counts within bounds. Bytes first (a cell has between bytes/4 and bytes
    characters); characters are counted only where the bytes leave it open."""
    size = np.diff(value_offsets(arr))
    ok = np.ones(len(arr), dtype=bool)
    sure = np.ones(len(arr), dtype=bool)
    if high is not None:
        ok &= size <= 4 * high
        sure &= size <= high
    if low is not None:
        ok &= size >= low
        sure &= size >= 4 * low
    unsure = np.flatnonzero(ok & ~sure)
    if len(unsure):
        chars = filled(ops.utf8_length(ops.take(arr, ops.indices(unsure))), 0).to_numpy(
            zero_copy_only=False)
        good = np.ones(len(unsure), dtype=bool)
        if high is not None:
            good &= chars <= high
        if low is not None:
            good &= chars >= low
        ok[unsure] = good
    return ok


def _re2_proves_match(arr: pa.Array, regex: str) -> np.ndarray:
    """Where RE2 and Rust's regex provably agree (ASCII text without a vertical tab, see
    ``re2_compatible``), RE2's match is Pydantic's; elsewhere nothing is proven."""
    raw = value_bytes(arr)
    if raw.size and (raw.max() >= 0x80 or (raw == 0x0B).any()):
        plain = to_mask(ops.and_(ops.string_is_ascii(arr),
                                 ops.invert(ops.match_substring(arr, "\x0b"))))
        return plain & to_mask(ops.match_substring_regex(arr, regex))
    return to_mask(ops.match_substring_regex(arr, regex))


# Syntax whose meaning is the same in RE2 and in Rust's regex crate on ASCII input. Anything
# else (look-around, \p classes, class set operations, flags, nested classes, "{,n}") is not
# proven, and the field's patterns are then left to Pydantic.
_CLASS_ESCAPES = set("dDwWsStnrfv")
_ESCAPES = _CLASS_ESCAPES | set("bB")
_CLASS_SET_OPS = ("&&", "--", "~~")


def re2_compatible(pattern: str) -> bool:
    """True when ``pattern`` uses only syntax that RE2 and Rust's regex read the same way."""
    if not pattern.isascii() or "{," in pattern:
        return False
    i, n, in_class = 0, len(pattern), False
    while i < n:
        c = pattern[i]
        if c == "\\":
            nxt = pattern[i + 1] if i + 1 < n else ""
            allowed = _CLASS_ESCAPES if in_class else _ESCAPES
            if not (nxt in allowed or (nxt and not nxt.isalnum() and nxt.isprintable())):
                return False
            i += 2
            continue
        if in_class:
            if pattern.startswith(_CLASS_SET_OPS, i):
                return False
            if pattern.startswith("[:", i):
                close = pattern.find(":]", i + 2)
                if close < 0 or not pattern[i + 2:close].isalpha():
                    return False
                i = close + 2
                continue
            if c == "[":
                return False
            if c == "]":
                in_class = False
        elif c == "[":
            if pattern.startswith(("[]", "[^]"), i):
                return False
            in_class = True
            i += 2 if pattern.startswith("[^", i) else 1
            continue
        elif c == "(" and pattern.startswith("(?", i) and not pattern.startswith("(?:", i):
            return False
        i += 1
    if in_class:
        return False
    try:
        ops.match_substring_regex(pa.nulls(1, pa.string()), pattern)  # RE2 compiles it
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return False
    return True


# -- dates, times, UUIDs: fixed-width shapes ----------------------------------------------------

def shape_kernel(spec: Spec) -> Kernel:
    templates = shapes.templates_for(spec.kind, spec.tz)
    canonical_key = spec.kind in ("date", "uuid")

    def run(arr: pa.Array, want_key: bool) -> Accepted:
        ok = shapes.accept(arr, templates)
        key = None
        if want_key and canonical_key:
            text = ops.ascii_lower(arr) if spec.kind == "uuid" else arr
            key = _masked(text, ok)
        return Accepted(ok, key)
    return run


def _masked(arr: pa.Array, ok: np.ndarray) -> pa.Array:
    return ops.if_else(ops.mask(ok), arr, pa.scalar(None, arr.type))


Kernel = Any  # Callable[[pa.Array, bool], Accepted]

_BUILDERS = {
    "int": int_kernel, "float": float_kernel, "decimal": decimal_kernel, "bool": bool_kernel,
    "choice": choice_kernel, "str": str_kernel, "date": shape_kernel,
    "datetime": shape_kernel, "time": shape_kernel, "uuid": shape_kernel,
}


def text_kernel(spec: Spec) -> Kernel:
    """The kernel for text cells (CSV, or string columns of Parquet)."""
    return _BUILDERS[spec.kind](spec)


def exact_float(value: Any) -> bool:
    """A bound a float64 represents exactly (so comparing in float64 is comparing exactly)."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return False
    try:
        f = float(value)
    except (OverflowError, ValueError):
        return False
    if not math.isfinite(f):
        return False
    return Decimal(f) == Decimal(str(value)) if isinstance(value, Decimal) else f == value
