"""Seeded generator of the benchmark's orders dataset (schema ``schemas/orders.py``).

About 0.5% of the cells of every column are bad, with every kind of fault a partner sends
(wrong type, out of range, bad pattern, impossible date, duplicate id, missing value), plus
lax-mode values that Pydantic accepts (``" 3 "``, ``"1_0"``, ``"1e3"``) so that a tool which
is stricter or laxer than Pydantic shows it. Same seed, same bytes.

    python bench/generate.py --rows 1000000            # bench/data/orders_1000000.{csv,parquet}
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

DATA = Path(__file__).resolve().parent / "data"
BAD_RATE = 0.005
COUNTRIES = ["DE", "FR", "NL", "BE", "AT", "CH", "IT", "ES", "PL", "SE", "DK", "GB", "US", "CA"]
STATUSES = ["pending", "paid", "shipped", "delivered", "cancelled"]
FIRST = ["anne", "bert", "carla", "dmitri", "eve", "farah", "gus", "hanna", "ivo", "jules"]
LAST = ["meyer", "dubois", "jansen", "rossi", "garcia", "kowalski", "nilsen", "smith"]
WORDS = ["fragile", "gift wrap", "leave at door", "call before delivery", "second floor",
         "express", "no invoice", "customer asked for a blue box", "ring twice"]


def _spoil(rng: np.random.Generator, values: pa.Array, bad: list[str], lax: list[str] = (),
           rate: float = BAD_RATE) -> pa.Array:
    """Replace ``rate`` of the cells by bad values and a few more by lax-but-valid ones."""
    n = len(values)
    out = np.array(values.to_pylist(), dtype=object)
    hit = rng.random(n) < rate
    out[hit] = rng.choice(np.array(bad, dtype=object), hit.sum())
    if lax:
        lax_hit = (rng.random(n) < rate / 5) & ~hit
        out[lax_hit] = rng.choice(np.array(lax, dtype=object), lax_hit.sum())
    return pa.array(out, pa.string())


def _strings(arr: np.ndarray) -> pa.Array:
    return pc.cast(pa.array(arr), pa.string())


def orders_csv_columns(rows: int, seed: int = 42) -> dict[str, pa.Array]:
    rng = np.random.default_rng(seed)
    ids = np.arange(1, rows + 1, dtype=np.int64)
    dup = rng.random(rows) < BAD_RATE / 2  # half of the id faults are duplicates
    ids[dup] = rng.integers(1, rows + 1, dup.sum())
    order_id = _spoil(rng, _strings(ids), ["abc", "0", "-3", "1.5", ""], lax=[" 17 "],
                      rate=BAD_RATE / 2)

    first = pa.array(rng.choice(FIRST, rows))
    last = pa.array(rng.choice(LAST, rows))
    user = pc.cast(pa.array(rng.integers(1, 5_000, rows)), pa.string())
    domains = pa.array(rng.choice(["example.com", "mail.example.org", "shop.co.uk"], rows))
    email = pc.binary_join_element_wise(first, ".", last, user, "@", domains, "")
    email = _spoil(rng, email, ["not-an-email", "a@b", "x" * 250 + "@example.com",
                                "anne@@example.com", ""])

    country = _spoil(rng, pa.array(rng.choice(COUNTRIES, rows)), ["XX", "uk", "Germany", ""])
    quantity = _spoil(rng, _strings(rng.integers(1, 20, rows)),
                      ["0", "1001", "x", "2.5", "", "-1", "1e3"], lax=[" 3 ", "1_0", "4.0"])
    price = np.round(rng.gamma(2.0, 25.0, rows), 2)
    unit_price = _spoil(rng, _strings(price), ["-1", "inf", "nan", "abc", "", "12,50"],
                        lax=["1e3", " 9.5"])
    status = _spoil(rng, pa.array(rng.choice(STATUSES, rows)), ["unknown", "PAID", ""])

    day = np.datetime64("2024-01-01") + rng.integers(0, 366, rows).astype("timedelta64[D]")
    order_date = _spoil(rng, _strings(day.astype("datetime64[D]").astype(str)),
                        ["2023-02-30", "2024-1-1", "15/03/2024", "", "2024-13-01"],
                        lax=["2024-05-01T00:00:00"])
    shipped = (day.astype("datetime64[s]") + rng.integers(3600, 5 * 86400, rows)
               .astype("timedelta64[s]")).astype(str)
    shipped = np.where(rng.random(rows) < 0.3, "", shipped)
    shipped_at = _spoil(rng, pa.array(shipped), ["2024-03-16T25:00:00", "yesterday",
                                                 "2024-02-30T10:00:00"],
                        lax=["2024-03-16 10:20:30", "1700000000"])

    words = np.array(WORDS, dtype=object)
    notes = words[rng.integers(0, len(words), rows)]
    for _ in range(8):
        notes = notes + "; " + words[rng.integers(0, len(words), rows)]
    notes = np.where(rng.random(rows) < 0.3, "", notes)
    notes = np.where(rng.random(rows) < 0.05, "please, call first", notes)
    note = _spoil(rng, pa.array(notes.astype(str)), ["n" * 201, "y" * 300])
    disc = np.where(rng.random(rows) < 0.7, "", np.round(rng.random(rows) * 0.5, 2).astype(str))
    discount = _spoil(rng, pa.array(disc), ["1.5", "-0.1", "x", "50%"])
    return {
        "order_id": order_id, "customer_email": email, "country": country,
        "quantity": quantity, "unit_price": unit_price, "status": status,
        "order_date": order_date, "shipped_at": shipped_at, "note": note,
        "discount": discount,
    }


def orders_parquet_table(rows: int, seed: int = 42) -> pa.Table:
    """The same orders as typed columns; bad cells are those a typed file can hold."""
    rng = np.random.default_rng(seed + 1)
    ids = np.arange(1, rows + 1, dtype=np.int64)
    dup = rng.random(rows) < BAD_RATE / 2
    ids[dup] = rng.integers(1, rows + 1, dup.sum())
    ids[rng.random(rows) < BAD_RATE / 2] = 0
    csv_cols = orders_csv_columns(rows, seed)

    def ints(low: int, high: int, bad: list[int]) -> pa.Array:
        vals = rng.integers(low, high, rows)
        hit = rng.random(rows) < BAD_RATE
        vals[hit] = rng.choice(bad, hit.sum())
        return pa.array(vals)

    price = np.round(rng.gamma(2.0, 25.0, rows), 2)
    hit = rng.random(rows) < BAD_RATE
    price[hit] = rng.choice([-1.0, np.inf, np.nan], hit.sum())
    disc = np.round(rng.random(rows) * 0.5, 2)
    hit = rng.random(rows) < BAD_RATE
    disc[hit] = rng.choice([1.5, -0.1], hit.sum())
    day = np.datetime64("2024-01-01") + rng.integers(0, 366, rows).astype("timedelta64[D]")
    missing_day = rng.random(rows) < BAD_RATE
    shipped = day.astype("datetime64[us]") + rng.integers(3600, 5 * 86400, rows).astype(
        "timedelta64[s]")
    def clean(name: str) -> pa.Array:
        return pc.if_else(pc.equal(csv_cols[name], ""), None, csv_cols[name])

    return pa.table({
        "order_id": pa.array(ids),
        "customer_email": clean("customer_email"),
        "country": clean("country"),
        "quantity": ints(1, 20, [0, 1001, -1]),
        "unit_price": pa.array(price),
        "status": clean("status"),
        "order_date": pa.array(day.astype("datetime64[D]"), mask=missing_day),
        "shipped_at": pa.array(shipped, mask=rng.random(rows) < 0.3),
        "note": clean("note"),
        "discount": pa.array(disc, mask=rng.random(rows) < 0.7),
    })


def write(rows: int, seed: int = 42, out: Path = DATA) -> tuple[Path, Path]:
    out.mkdir(parents=True, exist_ok=True)
    csv_path = out / f"orders_{rows}.csv"
    pq_path = out / f"orders_{rows}.parquet"
    table = pa.table(orders_csv_columns(rows, seed))
    with csv_path.open("w", newline="", encoding="utf-8") as fh:  # quotes only where needed
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(table.column_names)
        for batch in table.to_batches(max_chunksize=100_000):
            writer.writerows(zip(*(col.to_pylist() for col in batch.columns), strict=True))
    pq.write_table(orders_parquet_table(rows, seed), pq_path, row_group_size=128 * 1024)
    return csv_path, pq_path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--out", type=Path, default=DATA)
    args = parser.parse_args(argv)
    for path in write(args.rows, args.seed, args.out):
        print(f"{path}  {path.stat().st_size / 1e6:.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
