"""Pydantic row by row (the reference verdict, and the slow baseline): one process, one file.

    python bench/pydantic_rows.py FILE.csv    # prints {"rows": N, "errors": N}
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from schemas.orders import Order


def main(path: str) -> None:
    nullable = {}
    for name, info in Order.model_fields.items():
        try:
            TypeAdapter(info.annotation).validate_python(None)
            nullable[name] = True
        except ValidationError:
            nullable[name] = False
    rows = errors = 0
    with Path(path).open(newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        for row in reader:
            rows += 1
            record: dict[str, Any] = {}
            for name, value in zip(header, row, strict=False):
                if value == "":
                    if nullable.get(name):
                        record[name] = None
                    continue
                record[name] = value
            try:
                Order.model_validate(record)
            except ValidationError as exc:
                errors += exc.error_count()
    print(json.dumps({"rows": rows, "errors": errors}))


if __name__ == "__main__":
    main(sys.argv[1])
