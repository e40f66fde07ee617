"""A small orders model and seeded rows with every kind of bad cell, for the streaming and
input-shape tests (not a test module itself)."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Annotated, ClassVar

import numpy as np
from pydantic import BaseModel, Field

from hub.rules import DatasetRules, Unique


class Order(BaseModel):
    dvh_rules: ClassVar[DatasetRules] = DatasetRules(primary_key=("shop", "ref"))
    id: Annotated[int, Field(gt=0), Unique()]
    shop: str
    ref: int
    email: Annotated[str, Field(pattern=r"^[a-z]+@[a-z]+\.com$"), Unique()]
    qty: Annotated[int, Field(ge=1, le=9)] | None = None
    note: str | None = None


def order_rows(n: int, seed: int = 7) -> list[list[str]]:
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        ident = str(i + 1) if rng.random() > 0.02 else str(rng.integers(1, n))
        ident = ident if rng.random() > 0.01 else rng.choice(["x", "0", " 5 ", "1_0"])
        shop = rng.choice(["a", "b", "c"])
        ref = str(i // 3) if rng.random() > 0.02 else str(rng.integers(0, n // 3))
        email = f"u{i}@x.com" if rng.random() > 0.02 else rng.choice(["dup@x.com", "BAD"])
        qty = str(rng.integers(0, 11)) if rng.random() > 0.3 else ""
        note = rng.choice(["", "plain", "with, comma", 'say "hi"'])
        rows.append([ident, shop, ref, email, qty, note])
    return rows


def write_orders(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["id", "shop", "ref", "email", "qty", "note"])
        writer.writerows(rows)
    return path


def body_of(report) -> dict:
    body = report.to_json_dict()
    body.pop("source")
    return body
