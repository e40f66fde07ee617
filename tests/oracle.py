"""The reference verdict: Pydantic per row, under dvh's CSV convention, with no dvh code.

An empty cell is None where the field admits None, else absent (so the default applies, or
Pydantic says "missing"). Headers match by alias, then by field name.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from pydantic import BaseModel, TypeAdapter, ValidationError


def _admits_none(model: type[BaseModel], name: str) -> bool:
    info = model.model_fields[name]
    try:
        TypeAdapter(info.annotation).validate_python(None)
    except ValidationError:
        return False
    return True


def oracle(model: type[BaseModel], path: Path, null_tokens: tuple[str, ...] = ()
           ) -> set[tuple[int, str, str, str]]:
    """{(row, column, type, msg)} for every cell error Pydantic reports, row by row."""
    return set(oracle_errors(model, path, null_tokens))


def oracle_errors(model: type[BaseModel], path: Path, null_tokens: tuple[str, ...] = ()
                  ) -> list[tuple[int, str, str, str]]:
    """Every cell error Pydantic reports, row by row, as (row, column, type, msg)."""
    with path.open(newline="", encoding="utf-8-sig") as fh:
        rows = list(csv.reader(fh))
    header, data = rows[0], rows[1:]
    fields = {}
    for name, info in model.model_fields.items():
        alias = info.alias
        if alias and alias in header:
            fields[name] = (header.index(alias), alias)
        elif name in header:
            fields[name] = (header.index(name), alias or name)
    nullable = {n: _admits_none(model, n) for n in fields}
    out = []
    for i, row in enumerate(data):
        record: dict[str, Any] = {}
        for name, (idx, key) in fields.items():
            value = row[idx]
            if value == "" or value in null_tokens:
                if nullable[name]:
                    record[key] = None
                continue
            record[key] = value
        try:
            model.model_validate(record)
        except ValidationError as exc:
            for err in exc.errors(include_url=False):
                loc = err["loc"]
                out.append((i, str(loc[0]) if loc else "", err["type"], err["msg"]))
    return out
