"""Run a plan over batches and fold the outcome into a report.

Per batch, each field's column is checked on its *distinct* values (Pydantic decides every
one of them, so verdicts and messages are Pydantic's own), then mapped back to rows. Models
with validators that need the whole row take the row path. The per-batch results are
``Partial``s, merged in row order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from pydantic import ValidationError
from pydantic_core import to_jsonable_python

from hub.compile import FieldPlan, Plan
from hub.partial import FIRST_ROWS, Partial
from hub.readers import Batch
from hub.report import ErrorItem

MISSING = {"type": "missing", "loc": (), "msg": "Field required", "input": None}


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


def map_columns(plan: Plan, header: list[str]) -> ColumnMap:
    position = {}
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


def _jsonable(value: Any) -> Any:
    try:
        return to_jsonable_python(value)
    except Exception:  # an exotic value must not break the report
        return repr(value)


def _clean_error(err: dict[str, Any]) -> dict[str, Any]:
    ctx = err.get("ctx")
    return {
        "type": err["type"], "loc": tuple(err.get("loc", ())), "msg": err["msg"],
        "ctx": {k: _jsonable(v) for k, v in ctx.items()} if ctx else None,
    }


def _distinct(arr: pa.Array) -> tuple[np.ndarray, list[Any]]:
    """Row -> distinct index (-1 for null), and the distinct values as Python objects."""
    try:
        enc = pc.dictionary_encode(arr)
        indices = enc.indices.fill_null(-1).to_numpy(zero_copy_only=False)
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
    indices: np.ndarray | None = None
    good: dict[int, Any] = field(default_factory=dict)  # distinct index -> validated value


def check_column(order: int, fp: FieldPlan, arr: pa.Array, keep_values: bool) -> ColumnOutcome:
    """Pydantic's verdict on every cell of one column, computed once per distinct value."""
    groups: list[Group] = []
    indices, distinct = _distinct(arr)
    if arr.null_count and not fp.nullable and not fp.has_default:
        groups.append(Group(fp.header, order, None, [MISSING], np.flatnonzero(indices < 0)))
    bad: dict[int, list[dict[str, Any]]] = {}
    good: dict[int, Any] = {}
    validate = fp.adapter.validate_python
    for k, value in enumerate(distinct):
        try:
            result = validate(value)
        except ValidationError as exc:
            bad[k] = [_clean_error(e) for e in exc.errors(include_url=False)]
        else:
            if keep_values:
                good[k] = result
    if bad:
        failing = np.flatnonzero(np.isin(indices, np.fromiter(bad, dtype=np.int64)))
        by_value = indices[failing]
        order_idx = np.argsort(by_value, kind="stable")
        sorted_vals = by_value[order_idx]
        starts = np.flatnonzero(np.r_[True, sorted_vals[1:] != sorted_vals[:-1]])
        for s, e in zip(starts, np.r_[starts[1:], len(sorted_vals)], strict=True):
            k = int(sorted_vals[s])
            groups.append(Group(fp.header, order, _jsonable(distinct[k]), bad[k],
                                failing[order_idx[s:e]]))
    return ColumnOutcome(groups, indices if keep_values else None, good)


def check_rows(plan: Plan, cmap: ColumnMap, batch: pa.RecordBatch
               ) -> tuple[list[Group], dict[str, list[Any]]]:
    """The row path: the whole model per row, for validators that need other fields."""
    by_key = {fp.alias or fp.name: (order, fp) for order, fp, _ in cmap.fields}
    by_key.update({fp.name: (order, fp) for order, fp, _ in cmap.fields})
    columns = [(fp, batch.column(idx).to_pylist()) for _, fp, idx in cmap.fields]
    groups: list[Group] = []
    values: dict[str, list[Any]] = {fp.name: [None] * batch.num_rows for _, fp, _ in cmap.fields}
    model = plan.schema.model
    for i in range(batch.num_rows):
        row: dict[str, Any] = {}
        for fp, col in columns:
            v = col[i]
            if v is None and not fp.nullable:
                continue  # absent: the default applies, or Pydantic says "missing"
            row[fp.alias or fp.name] = v
        try:
            obj = model.model_validate(row)
        except ValidationError as exc:
            for err in exc.errors(include_url=False):
                loc = err.get("loc", ())
                head = loc[0] if loc else None
                order, fp = by_key.get(head, (len(plan.fields), None)) if head else (
                    len(plan.fields), None)
                column = fp.header if fp else ""
                sub = tuple(loc[1:]) if fp else tuple(loc)
                value = row.get(fp.alias or fp.name) if fp else None
                e = _clean_error(err)
                e["loc"] = sub
                groups.append(Group(column, order, _jsonable(value), [e], np.array([i])))
        else:
            for fp, _ in columns:
                values[fp.name][i] = getattr(obj, fp.name)
    return groups, values


class UniqueIndex:
    """Values seen so far in unique columns and primary keys, with the row that had them first."""

    def __init__(self, plan: Plan) -> None:
        self.keys: list[tuple[str, tuple[str, ...], str]] = []
        for name in plan.rules.unique:
            self.keys.append((plan.field(name).header, (name,), "duplicate_value"))
        if plan.rules.primary_key:
            label = ",".join(plan.field(n).header for n in plan.rules.primary_key)
            self.keys.append((label, tuple(plan.rules.primary_key), "duplicate_key"))
        self.seen: list[dict[Any, int]] = [{} for _ in self.keys]
        self.columns = {n for _, names, _ in self.keys for n in names}

    def check(self, values: dict[str, list[Any] | None], offset: int, order: int,
              nrows: int) -> list[Group]:
        groups: list[Group] = []
        for (label, names, etype), seen in zip(self.keys, self.seen, strict=True):
            cols = [values.get(n) for n in names]
            if any(c is None for c in cols):
                continue  # a key column is absent from the file: reported as missing
            what = "value" if len(names) == 1 else "key"
            for i in range(nrows):
                key = tuple(c[i] for c in cols)  # type: ignore[index]
                if any(k is None for k in key):
                    continue
                first = seen.setdefault(key, offset + i)
                if first != offset + i:
                    shown = key[0] if len(key) == 1 else list(key)
                    groups.append(Group(label, order, _jsonable(shown), [{
                        "type": etype, "loc": (),
                        "msg": f"Duplicate {what}: first seen at row {first}",
                        "ctx": {"first_row": first},
                    }], np.array([i])))
        return groups


def _row_values(outcome: ColumnOutcome) -> list[Any]:
    assert outcome.indices is not None
    good = outcome.good
    return [good.get(k) if k >= 0 else None for k in outcome.indices.tolist()]


def check_batch(plan: Plan, cmap: ColumnMap, batch: Batch, uniq: UniqueIndex,
                cap: int | None, key_columns: tuple[str, ...] = ()) -> Partial:
    """Everything one batch violates, as a Partial (rows offset by the batch's offset)."""
    data = batch.data
    groups: list[Group] = []
    values: dict[str, list[Any] | None] = {}
    if plan.row_validators:
        row_groups, row_values = check_rows(plan, cmap, data)
        groups.extend(row_groups)
        values.update(row_values)
    else:
        for order, fp, idx in cmap.fields:
            keep = fp.name in uniq.columns or fp.name in key_columns
            outcome = check_column(order, fp, data.column(idx), keep)
            groups.extend(outcome.groups)
            if keep:
                values[fp.name] = _row_values(outcome)
    if uniq.keys:
        groups.extend(uniq.check(values, batch.offset, len(plan.fields), data.num_rows))
    return fold_groups(groups, batch, cap, values, key_columns)


def fold_groups(groups: list[Group], batch: Batch, cap: int | None,
                values: dict[str, list[Any] | None], key_columns: tuple[str, ...]) -> Partial:
    part = Partial(cap=cap, rows=batch.data.num_rows)
    if not groups:
        return part
    off = batch.offset
    for g in groups:
        part.count_value(g.column, [e["type"] for e in g.errors], g.value, len(g.rows),
                         [int(r) + off for r in g.rows[:FIRST_ROWS]])
    all_rows = np.concatenate([g.rows for g in groups])
    part.invalid_rows = int(np.unique(all_rows).size)
    total = part.error_count
    room = total if cap is None else min(cap, total)
    if room:
        gid = np.concatenate([np.full(len(g.rows), i) for i, g in enumerate(groups)])
        orders = np.concatenate([np.full(len(g.rows), g.order) for g in groups])
        chosen = np.lexsort((orders, all_rows))[:room]
        items: list[ErrorItem] = []
        for pos in chosen.tolist():
            g = groups[int(gid[pos])]
            r = int(all_rows[pos])
            line = int(batch.lines[r]) if batch.lines is not None else None
            key = _key_of(values, key_columns, r)
            for e in g.errors:
                items.append(ErrorItem(
                    type=e["type"], loc=["rows", off + r, g.column, *e["loc"]] if g.column
                    else ["rows", off + r, *e["loc"]],
                    msg=e["msg"], input=g.value, ctx=e.get("ctx"), line=line, key=key,
                ))
        part.add_detail(items[:room], total)
    else:
        part.dropped = total
    return part


def _key_of(values: dict[str, list[Any] | None], key_columns: tuple[str, ...], r: int
            ) -> dict[str, Any] | None:
    if not key_columns:
        return None
    out = {}
    for name in key_columns:
        col = values.get(name)
        out[name] = _jsonable(col[r]) if col is not None else None
    return out


def run(plan: Plan, cmap: ColumnMap, batches: Iterable[Batch], cap: int | None,
        on_batch: Callable[[int], None] | None = None) -> Partial:
    """Fold every batch into one Partial, in row order."""
    uniq = UniqueIndex(plan)
    key_columns = tuple(plan.rules.primary_key) or tuple(plan.rules.unique[:1])
    total = Partial(cap=cap)
    for batch in batches:
        total.merge(check_batch(plan, cmap, batch, uniq, total.room if cap else None,
                                key_columns))
        if on_batch is not None:
            on_batch(batch.data.num_rows)
    return total
