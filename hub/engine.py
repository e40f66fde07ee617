"""Check one batch against a plan: Pydantic's verdict on every cell, at Arrow speed.

Per field, the vectorised kernel (if the plan has one) accepts what it can prove Pydantic
accepts; every other non-null cell goes to Pydantic (the field's TypeAdapter) once per
*distinct* value, and the verdict is mapped back to its rows, so errors and messages are
Pydantic's own. Fields with validators take the row path (``hub.rowpath``). The outcome is a
``BatchOutcome`` (groups of failing cells, and the key values uniqueness needs); ``fold`` turns
it into a ``Partial`` once the batch's place in the file is known.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import Enum
from typing import Any
from uuid import UUID

import numpy as np
import pyarrow as pa
from pydantic import ValidationError
from pydantic_core import to_jsonable_python

from hub import arrowops as ops
from hub.compile import ROW, FieldPlan, Plan
from hub.kernels import filled, to_mask

MISSING = {"type": "missing", "loc": (), "msg": "Field required", "input": None}
_INT64 = (-(2**63), 2**63 - 1)


@dataclass
class Group:
    """Cells of one column that share a value and therefore the same errors."""

    column: str
    order: int  # position of the column in the plan, for row-major ordering of detail
    value: Any
    errors: list[dict[str, Any]]
    rows: np.ndarray  # batch-local row positions


@dataclass
class ColumnMap:
    """Which batch column feeds which field (by alias, then by name)."""

    fields: list[tuple[int, FieldPlan, int]]  # (plan order, field, batch column index)
    missing: list[FieldPlan]
    extra: list[str]
    # Per batch column, the first batch's guess whether it has few distinct values: a run's
    # batches share it (a count_distinct per column and batch cost ~2% of the checks).
    few_distinct: dict[int, bool] = field(default_factory=dict)


def mappable(header: list[str]) -> bool:
    """Column names the Arrow pieces can map (unique, none blank); otherwise the careful
    reader reads the file and reports the header's problems."""
    return len(set(header)) == len(header) and all(h.strip() for h in header)


def map_columns(plan: Plan, header: list[str]) -> ColumnMap:
    position: dict[str, int] = {}
    for i, name in enumerate(header):
        position.setdefault(name, i)
    used: set[int] = set()
    mapped, missing = [], []
    for order, fp in enumerate(plan.fields):
        idx = position.get(fp.alias) if fp.alias else None
        if idx is None:
            idx = position.get(fp.name)
        if idx is None or idx in used:
            if fp.required_column:
                missing.append(fp)
            continue
        used.add(idx)
        mapped.append((order, fp, idx))
    extra = [name for i, name in enumerate(header) if i not in used]
    return ColumnMap(mapped, missing, extra)


def jsonable(value: Any) -> Any:
    try:
        return to_jsonable_python(value)
    except Exception:  # an exotic value must not break the report
        return repr(value)


def clean_error(err: dict[str, Any]) -> dict[str, Any]:
    ctx = err.get("ctx")
    return {
        "type": err["type"], "loc": tuple(err.get("loc", ())), "msg": err["msg"],
        "ctx": {k: jsonable(v) for k, v in ctx.items()} if ctx else None,
    }


def plain(arr: pa.Array | pa.ChunkedArray) -> pa.Array:
    """One contiguous, non-dictionary array."""
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if pa.types.is_dictionary(arr.type):
        arr = arr.dictionary_decode()
    return arr


def _distinct(arr: pa.Array) -> tuple[np.ndarray, list[Any]]:
    """Row -> distinct index (-1 for null), and the distinct values as Python objects."""
    try:
        enc = ops.dictionary_encode(arr)
        indices = filled(enc.indices, -1).to_numpy(zero_copy_only=False)
        return indices.astype(np.int64, copy=False), enc.dictionary.to_pylist()
    except (pa.ArrowNotImplementedError, pa.ArrowInvalid, pa.ArrowTypeError):
        # nested or exotic types: hash their Python form instead
        seen: dict[str, int] = {}
        values: list[Any] = []
        idx = np.empty(len(arr), dtype=np.int64)
        for i, v in enumerate(arr.to_pylist()):
            if v is None:
                idx[i] = -1
                continue
            k = repr(v)
            if k not in seen:
                seen[k] = len(values)
                values.append(v)
            idx[i] = seen[k]
        return idx, values


@dataclass
class ColumnOutcome:
    groups: list[Group]
    key: pa.Array | list[Any] | None = None  # validated values (Arrow for int/str key kinds)
    key_extra: dict[int, Any] = field(default_factory=dict)  # ints beyond int64, by row


def canonical(kind: str, value: Any) -> Any:
    """A validated value as the vectorised key of its kind (the form the kernels produce)."""
    if kind == "int":
        return value
    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, date) and not isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    return value if isinstance(value, str) else None


SAMPLE = 2048  # cells looked at to guess a column's cardinality
# A batch this small goes through the whole model row by row: Pydantic itself, ~25 us a row,
# where the column kernels cost ~5 ms a batch whatever its size (a 7-row upload: 0.2 ms
# against 5.8 ms). The property test runs both ways against Pydantic row by row.
ROW_PATH_MAX_ROWS = 128
FEW_DISTINCT = 0.25  # at most this share of distinct values: run the kernel on the dictionary


def _few_distinct(arr: pa.Array, kernel_kind: str | None, memo: dict[int, bool] | None = None,
                  column: int = -1) -> bool:
    """Whether the kernel had better run on the distinct values than on every cell. A guess
    from the first cells (of the first batch when ``memo`` keeps it for the run): it changes
    the speed, never the verdict."""
    if kernel_kind == "choice" or len(arr) < 4 * SAMPLE:
        return False  # membership costs what dictionary encoding costs
    known = memo.get(column) if memo is not None else None
    if known is not None:
        return known
    few = bool(ops.count_distinct(arr.slice(0, SAMPLE)).as_py() <= FEW_DISTINCT * SAMPLE)
    if memo is not None:
        memo[column] = few
    return few


def check_column(order: int, fp: FieldPlan, arr: pa.Array, want_key: bool,
                 few_memo: dict[int, bool] | None = None, column: int = -1) -> ColumnOutcome:
    """Pydantic's verdict on every cell of one column.

    The kernel runs on every cell, or on the dictionary of a low-cardinality column; what it
    does not accept goes to Pydantic once per distinct value. Both ways end with the cells
    Pydantic must see (``positions``), each mapped to a distinct value (``indices``).
    """
    arr = plain(arr)
    n = len(arr)
    groups: list[Group] = []
    nulls = to_mask(ops.is_null(arr)) if arr.null_count else None
    if nulls is not None and not fp.nullable and not fp.has_default:
        groups.append(Group(fp.header, order, None, [MISSING], np.flatnonzero(nulls)))
    text = pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)
    kernel = fp.text_kernel if text else fp.typed_kernel(arr.type)
    vector_key = want_key and fp.key_kind is not None
    key = None
    kind = fp.spec.kind if fp.spec is not None else None
    if kernel is not None and not _few_distinct(arr, kind, few_memo, column):
        accepted = kernel(arr, vector_key)
        residual = ~accepted.mask
        key = accepted.key
        if nulls is not None:
            residual &= ~nulls
        positions = np.flatnonzero(residual)
        indices, distinct = np.zeros(0, dtype=np.int64), []
        if len(positions):
            sub = arr if len(positions) == n else ops.take(arr, ops.indices(positions))
            indices, distinct = _distinct(sub)
    else:
        positions, indices, distinct, key = _via_dictionary(arr, kernel, vector_key)
    good: dict[int, Any] = {}
    if distinct:
        bad: dict[int, list[dict[str, Any]]] = {}
        validate = fp.adapter.validate_python
        for k, value in enumerate(distinct):
            try:
                result = validate(value)
            except ValidationError as exc:
                bad[k] = [clean_error(e) for e in exc.errors(include_url=False)]
            else:
                if want_key:
                    good[k] = result
        if bad:
            groups.extend(_bad_groups(fp, order, positions, indices, distinct, bad))
    if not want_key:
        return ColumnOutcome(groups)
    if vector_key:
        return _vector_key(fp, n, key, positions, indices, good, groups)
    values: list[Any] = [None] * n
    for pos, k in zip(positions.tolist(), indices.tolist(), strict=True):
        values[pos] = good.get(k)
    return ColumnOutcome(groups, values)


def _via_dictionary(arr: pa.Array, kernel: Any, want_key: bool
                    ) -> tuple[np.ndarray, np.ndarray, list[Any], pa.Array | None]:
    """Dictionary-encode, let the kernel judge the dictionary, map back to rows: (rows left
    to Pydantic, their distinct index, the distinct values left, per-row keys)."""
    try:
        enc = ops.dictionary_encode(arr)
    except (pa.ArrowNotImplementedError, pa.ArrowInvalid, pa.ArrowTypeError):
        rows = np.flatnonzero(to_mask(ops.is_valid(arr))) if arr.null_count else np.arange(len(arr))
        indices, distinct = _distinct(ops.take(arr, ops.indices(rows)) if arr.null_count else arr)
        return rows, indices, distinct, None
    dictionary = enc.dictionary
    row_idx = filled(enc.indices, -1).to_numpy(zero_copy_only=False).astype(np.int64)
    key = None
    if kernel is not None:
        accepted = kernel(dictionary, want_key)
        left = np.flatnonzero(~accepted.mask)
        if want_key and accepted.key is not None:
            key = ops.take(accepted.key, enc.indices)
    else:
        left = np.arange(len(dictionary))
    lookup = np.full(len(dictionary) + 1, -1, dtype=np.int64)  # last slot: null rows
    lookup[left] = np.arange(len(left))
    per_row = lookup[row_idx]
    positions = np.flatnonzero(per_row >= 0)
    distinct = ops.take(dictionary, ops.indices(left)).to_pylist() if len(left) else []
    return positions, per_row[positions], distinct, key


def _bad_groups(fp: FieldPlan, order: int, positions: np.ndarray, indices: np.ndarray,
                distinct: list[Any], bad: dict[int, list[dict[str, Any]]]) -> list[Group]:
    failing = np.flatnonzero(np.isin(indices, np.fromiter(bad, dtype=np.int64)))
    by_value = indices[failing]
    order_idx = np.argsort(by_value, kind="stable")
    sorted_vals = by_value[order_idx]
    starts = np.flatnonzero(np.r_[True, sorted_vals[1:] != sorted_vals[:-1]])
    out = []
    for s, e in zip(starts, np.r_[starts[1:], len(sorted_vals)], strict=True):
        k = int(sorted_vals[s])
        out.append(Group(fp.header, order, jsonable(distinct[k]), bad[k],
                         positions[failing[order_idx[s:e]]]))
    return out


def _vector_key(fp: FieldPlan, n: int, key: pa.Array | None, positions: np.ndarray,
                indices: np.ndarray, good: dict[int, Any], groups: list[Group]
                ) -> ColumnOutcome:
    """The kernel's keys, completed with the values Pydantic accepted on the slow path."""
    kind = fp.key_kind or "str"
    arrow_type = pa.int64() if kind == "int" else pa.string()
    if key is None:
        key = pa.nulls(n, arrow_type)
    extra: dict[int, Any] = {}
    if good:
        canon = {k: canonical(kind, v) for k, v in good.items()}
        rows, values = [], []
        for pos, k in zip(positions.tolist(), indices.tolist(), strict=True):
            if k not in canon or canon[k] is None:
                continue
            v = canon[k]
            if kind == "int" and not _INT64[0] <= v <= _INT64[1]:
                extra[pos] = v
                continue
            rows.append(pos)
            values.append(v)
        if rows:
            mask = np.zeros(n, dtype=bool)
            mask[rows] = True
            key = ops.replace_with_mask(ops.cast(key, arrow_type), ops.mask(mask),
                                        pa.array(values, arrow_type))
    return ColumnOutcome(groups, key, extra)


@dataclass
class BatchOutcome:
    """What one batch violates (rows local to the batch) and the key values of its rows."""

    rows: int
    groups: list[Group]
    keys: dict[str, pa.Array | list[Any] | None]
    key_extra: dict[str, dict[int, Any]]


def check_batch(plan: Plan, cmap: ColumnMap, data: pa.RecordBatch, want: set[str], *,
                trusted_text: bool = False) -> BatchOutcome:
    """Every cell error of one batch; ``want`` names the fields whose values are kept.
    ``trusted_text``: the text columns are known to be valid UTF-8 (Arrow's CSV reader checks
    it; a Parquet file may hold anything, see hub.utf8)."""
    from hub import rowpath

    groups: list[Group] = []
    if not trusted_text:
        from hub.utf8 import repaired

        data, groups = repaired(cmap.fields, data)
    keys: dict[str, pa.Array | list[Any] | None] = {}
    extra: dict[str, dict[int, Any]] = {}
    if plan.whole_row or data.num_rows <= ROW_PATH_MAX_ROWS:
        row_groups, row_values = rowpath.check_rows(plan, cmap, data, None, None)
        if plan.whole_row:
            return BatchOutcome(data.num_rows, groups + row_groups,
                                {n: row_values.get(n) for n in want}, {})
        # Key columns still come from their column checks: the uniqueness index takes keys
        # in the form the column path gives them (Arrow arrays for vectorised keys).
        for order, fp, idx in cmap.fields:
            if fp.name not in want:
                continue
            if fp.path == ROW or fp.name in plan.row_fields:
                keys[fp.name] = row_values.get(fp.name)
                continue
            outcome = check_column(order, fp, data.column(idx), True)
            keys[fp.name] = outcome.key
            if outcome.key_extra:
                extra[fp.name] = outcome.key_extra
        return BatchOutcome(data.num_rows, groups + row_groups, keys, extra)
    for order, fp, idx in cmap.fields:
        keep = fp.name in want
        if fp.name in plan.row_fields:
            continue
        if fp.path == ROW:
            outcome = rowpath.check_field_rows(plan, order, fp, data.column(idx), keep)
        else:
            outcome = check_column(order, fp, data.column(idx), keep, cmap.few_distinct, idx)
        groups.extend(outcome.groups)
        if keep:
            keys[fp.name] = outcome.key
            if outcome.key_extra:
                extra[fp.name] = outcome.key_extra
    if plan.row_fields or plan.model_after:
        only = None if plan.row_fields else _clean_rows(groups, data.num_rows)
        row_groups, row_values = rowpath.check_rows(plan, cmap, data, only, plan.row_fields)
        groups.extend(row_groups)
        for name in plan.row_fields & want:
            keys[name] = row_values.get(name)
    return BatchOutcome(data.num_rows, groups, keys, extra)


def _clean_rows(groups: list[Group], n: int) -> np.ndarray:
    dirty = np.zeros(n, dtype=bool)
    for g in groups:
        dirty[g.rows] = True
    return np.flatnonzero(~dirty)
