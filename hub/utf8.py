"""Text columns that are not valid UTF-8 (Parquet does not enforce it; Arrow's Parquet reader
does not check it): each bad cell becomes an ``invalid_encoding`` failure at its row, and the
rest of the checks see it decoded with U+FFFD, exactly as the careful CSV reader does.

Without this, the first Python conversion of such a cell raised ``UnicodeDecodeError`` out of
the engine. CSV pieces need no such check: Arrow's CSV reader validates UTF-8 itself.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa

MSG = "Cell holds bytes that are not valid UTF-8 (shown as \ufffd)"


def repaired(fields: list[tuple[int, Any, int]], data: pa.RecordBatch
             ) -> tuple[pa.RecordBatch, list[Any]]:
    """``data`` with its invalid text cells decoded with U+FFFD, and one engine ``Group`` per
    distinct bad value. ``fields``: the column map's ``(order, field plan, index)``."""
    from hub.engine import Group
    from hub.kernels import value_bytes

    groups: list[Any] = []
    for order, fp, idx in fields:
        col = data.column(idx)
        if not (pa.types.is_string(col.type) or pa.types.is_large_string(col.type)):
            continue
        raw = value_bytes(col)
        if raw.size == 0 or raw.max() < 0x80:
            continue  # ASCII is UTF-8: a numpy max is ~15x cheaper than Arrow's full validation
        try:
            col.validate(full=True)
            continue
        except pa.ArrowInvalid:
            pass
        cleaned: list[str | None] = []
        bad: dict[str, list[int]] = {}
        for row, raw in enumerate(col.cast(pa.large_binary()).to_pylist()):
            if raw is None:
                cleaned.append(None)
                continue
            try:
                cleaned.append(raw.decode("utf-8"))
            except UnicodeDecodeError:
                text = raw.decode("utf-8", errors="replace")
                cleaned.append(text)
                bad.setdefault(text, []).append(row)
        data = data.set_column(idx, data.schema.field(idx).with_type(pa.string()),
                               pa.array(cleaned, type=pa.string()))
        err = {"type": "invalid_encoding", "loc": (), "msg": MSG, "ctx": None}
        groups.extend(Group(fp.header, order, text, [err], np.asarray(rows, dtype=np.int64))
                      for text, rows in bad.items())
    return data, groups
