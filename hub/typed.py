"""Typed columns (Parquet): type compatibility first, then constraints on the values.

An ``int64`` column for an ``int`` field needs no parsing: every value is an int, and only the
constraints remain. Where the column's type is not one Pydantic takes as it is (a float column
for an ``int`` field, nanosecond timestamps, binary UUIDs), nothing is accepted here and
Pydantic decides each distinct value, as for text.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from hub import arrowops as ops
from hub.kernels import Accepted, Kernel, Spec, _bounds_ok, filled, text_kernel, to_mask

_INT64_MAX = 2**63 - 1


def _valid(arr: pa.Array) -> np.ndarray:
    return to_mask(ops.is_valid(arr)) if arr.null_count else np.ones(len(arr), dtype=bool)


def _ints(spec: Spec) -> Kernel:
    def run(arr: pa.Array, want_key: bool) -> Accepted:
        ok = _valid(arr)
        values = filled(arr, 0).to_numpy(zero_copy_only=False)
        if values.dtype == np.uint64:
            ok &= values <= _INT64_MAX  # beyond int64: Pydantic (and a Python-int key)
            values = np.where(ok, values, 0).astype(np.int64)
        ok &= _bounds_ok(values, spec)
        if spec.multiple_of is not None:
            ok &= values % spec.multiple_of == 0
        key = ops.int64_with_nulls(values, ok) if want_key else None
        return Accepted(ok, key)
    return run


def _floats(spec: Spec) -> Kernel:
    def run(arr: pa.Array, want_key: bool) -> Accepted:
        values = filled(ops.cast(arr, pa.float64()), np.nan).to_numpy(zero_copy_only=False)
        return Accepted(_valid(arr) & np.isfinite(values) & _bounds_ok(values, spec))
    return run


def _everything(arr: pa.Array, want_key: bool) -> Accepted:
    return Accepted(_valid(arr))


def _dates(arr: pa.Array, want_key: bool) -> Accepted:
    ok = _valid(arr)
    key = ops.cast(arr, pa.string()) if want_key else None
    return Accepted(ok, key)


def _decimals(spec: Spec, arrow_type: pa.DataType) -> Kernel | None:
    """Precision and scale bound every value's digits, so the type alone can settle them."""
    if spec.bounds:
        return None
    p, s = arrow_type.precision, arrow_type.scale
    if spec.max_digits is not None and p > spec.max_digits:
        return None
    if spec.decimal_places is not None and s > spec.decimal_places:
        return None
    if (spec.max_digits is not None and spec.decimal_places is not None
            and p - s > spec.max_digits - spec.decimal_places):
        return None
    return _everything


def typed_kernel(spec: Spec, arrow_type: pa.DataType) -> Kernel | None:
    """The kernel for a column of ``arrow_type``, or None when Pydantic must see every value."""
    t = arrow_type
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return text_kernel(spec)
    kind = spec.kind
    if kind == "int" and pa.types.is_integer(t):
        return _ints(spec)
    if kind == "float" and (pa.types.is_floating(t) or pa.types.is_integer(t)):
        return _floats(spec)
    if kind == "decimal" and pa.types.is_decimal(t):
        return _decimals(spec, t)
    if kind == "bool" and pa.types.is_boolean(t):
        return _everything
    if kind == "date" and pa.types.is_date(t):
        return _dates
    if kind == "datetime" and pa.types.is_timestamp(t) and t.unit != "ns":
        tz_ok = spec.tz != "aware" if t.tz is None else spec.tz != "naive"
        return _everything if tz_ok else None
    if kind == "time" and pa.types.is_time(t) and t.unit != "ns" and spec.tz != "aware":
        return _everything
    return None
