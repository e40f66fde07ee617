"""Regenerate the Parquet samples from the valid CSVs, typed as a producer would write them.

Run: python tests/make_samples.py  (the CSVs are the source of truth; keep both in git)
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from hub.registry import load_schema_file  # noqa: E402


def build(schema: str) -> Path:
    entry = load_schema_file(ROOT / "schemas" / f"{schema}.py")
    src = ROOT / "sample_data" / f"{schema}_valid.csv"
    with src.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    records = []
    for row in rows:
        clean = {k: v for k, v in row.items() if v != ""}
        obj = entry.model.model_validate(clean)
        records.append(obj.model_dump(by_alias=True, mode="python"))
    for r in records:
        for k, v in list(r.items()):
            if hasattr(v, "value"):  # Enum -> its value
                r[k] = v.value
            elif type(v).__name__ == "UUID":
                r[k] = str(v)
    table = pa.Table.from_pylist(records)
    out = ROOT / "sample_data" / f"{schema}_valid.parquet"
    pq.write_table(table, out)
    return out


if __name__ == "__main__":
    for name in ("orders", "payments"):
        print(build(name))
