"""The row path: validators run per row through Pydantic, on the fields or rows they concern.

- A field validator that only sees its value runs per row on that column alone, through a
  one-field model that carries the validator (``FieldPlan.row_model``).
- A validator that takes ``info`` may read other fields (``info.data``): the whole model runs
  per row and only that field's errors are kept (the other fields were checked by column).
- A model ``after`` validator runs only on rows whose fields all passed (Pydantic would not
  reach it otherwise), so the whole model runs on those rows only.
- A ``before``/``wrap`` model validator may rewrite the row: every field goes this way.

User validators are called under the plan's lock: the two workers never run them at once.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
from pydantic import ValidationError

from hub.compile import FieldPlan, Plan
from hub.engine import ColumnMap, ColumnOutcome, Group, clean_error, jsonable, plain


def check_field_rows(plan: Plan, order: int, fp: FieldPlan, arr: pa.Array, want_key: bool
                     ) -> ColumnOutcome:
    """One column through the field's one-field model, row by row."""
    assert fp.row_model is not None
    values = plain(arr).to_pylist()
    validate = fp.row_model.model_validate
    groups: list[Group] = []
    keys: list[Any] = [None] * len(values) if want_key else []
    with plan.user_code:
        for i, v in enumerate(values):
            data = {} if v is None and not fp.nullable else {fp.key: v}
            try:
                obj = validate(data)
            except ValidationError as exc:
                errors = []
                for err in exc.errors(include_url=False):
                    e = clean_error(err)
                    e["loc"] = tuple(e["loc"][1:])
                    errors.append(e)
                groups.append(Group(fp.header, order, jsonable(v), errors, np.array([i])))
            else:
                if want_key:
                    keys[i] = getattr(obj, fp.name)
    return ColumnOutcome(groups, keys if want_key else None)


def check_rows(plan: Plan, cmap: ColumnMap, batch: pa.RecordBatch, only: np.ndarray | None,
               fields: frozenset[str] | None) -> tuple[list[Group], dict[str, list[Any]]]:
    """The whole model per row (all rows, or ``only`` these). With ``fields``, keep errors of
    those fields and of the model itself; without, keep every error."""
    by_key: dict[Any, tuple[int, FieldPlan]] = {}
    for order, fp, _ in cmap.fields:
        by_key[fp.key] = (order, fp)
        by_key.setdefault(fp.name, (order, fp))
    absent = {k for fp in cmap.missing for k in (fp.key, fp.name)}
    columns = [(fp, plain(batch.column(idx)).to_pylist()) for _, fp, idx in cmap.fields]
    groups: list[Group] = []
    values: dict[str, list[Any]] = {fp.name: [None] * batch.num_rows for _, fp, _ in cmap.fields}
    model = plan.schema.model
    last = len(plan.fields)
    rows = range(batch.num_rows) if only is None else only.tolist()
    with plan.user_code:
        for i in rows:
            row: dict[str, Any] = {}
            for fp, col in columns:
                v = col[i]
                if v is None and not fp.nullable:
                    continue  # absent: the default applies, or Pydantic says "missing"
                row[fp.key] = v
            try:
                obj = model.model_validate(row)
            except ValidationError as exc:
                for err in exc.errors(include_url=False):
                    loc = err.get("loc", ())
                    if loc and loc[0] in absent and err.get("type") == "missing":
                        continue  # a column the file lacks: reported once, at ["columns", x]
                    order, fp = by_key.get(loc[0], (last, None)) if loc else (last, None)
                    if fields is not None and fp is not None and fp.name not in fields:
                        continue  # checked by its column
                    e = clean_error(err)
                    e["loc"] = tuple(loc[1:]) if fp else tuple(loc)
                    value = row.get(fp.key) if fp else None
                    groups.append(Group(fp.header if fp else "", order, jsonable(value), [e],
                                        np.array([i])))
            else:
                for fp, _ in columns:
                    values[fp.name][i] = getattr(obj, fp.name)
    return groups, values
