"""Fold the careful reader's batches through the same engine, adding its structural issues.

Each issue becomes an engine ``Group`` at its row (and column), so it is counted, capped and
ordered exactly like a Pydantic error of the same row.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from hub.careful import CarefulBatch, Issue
from hub.compile import Plan
from hub.engine import ColumnMap, Group, check_batch
from hub.partial import Partial
from hub.report import ErrorItem
from hub.runner import Folder, OnRows


def issue_item(issue: Issue) -> ErrorItem:
    """A header-level issue as a report item (``["columns", name-or-position]``)."""
    return ErrorItem(type=issue.type, loc=["columns", issue.column if issue.column is not None
                                           else ""], msg=issue.msg, input=issue.input,
                     ctx=issue.ctx, line=issue.line)


def issue_groups(plan: Plan, cmap: ColumnMap, batch: CarefulBatch) -> list[Group]:
    """The careful reader's row issues of a batch as engine groups (also for dataset runs)."""
    order_of = {fp.header: order for order, fp, _ in cmap.fields}
    groups = []
    for issue in batch.issues:
        if issue.row is None:
            continue
        column = "" if issue.column is None else str(issue.column)
        order = order_of.get(column, -1 if not column else len(plan.fields))
        err = {"type": issue.type, "loc": (), "msg": issue.msg, "ctx": issue.ctx}
        groups.append(Group(column, order, issue.input, [err],
                            np.array([issue.row - batch.offset], dtype=np.int64)))
    return groups


def run_careful(plan: Plan, cmap: ColumnMap, batches: Iterable[CarefulBatch], cap: int | None,
                on_rows: OnRows = None) -> Partial:
    folder = Folder(plan, cap)
    for batch in batches:
        outcome = check_batch(plan, cmap, batch.data, folder.want, trusted_text=True)
        if batch.unread:
            outcome.groups[:] = _without_rows(outcome.groups, batch.unread)
        outcome.groups.extend(issue_groups(plan, cmap, batch))
        folder.add(outcome, batch.offset, batch.lines)
        if on_rows is not None:
            on_rows(batch.data.num_rows)
    return folder.total


def _without_rows(groups: list[Group], rows: list[int]) -> list[Group]:
    """The engine's verdicts minus those on rows the reader could not read: a record cut for
    an oversized cell has no cells to judge, and "Field required" for each would be noise."""
    drop = np.asarray(rows, dtype=np.int64)
    kept = []
    for g in groups:
        keep = ~np.isin(g.rows, drop)
        if keep.all():
            kept.append(g)
        elif keep.any():
            kept.append(Group(g.column, g.order, g.value, g.errors, g.rows[keep]))
    return kept
