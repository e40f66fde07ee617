"""Pandera (pandas backend, lazy) with the schema closest to ``schemas/orders.py``.

    python bench/pandera_orders.py FILE.csv    # prints {"rows": N, "errors": N}

Pandera speaks its own semantics (pandas coercion, not Pydantic's lax mode), so its error
count differs from Pydantic's: the benchmark shows both.
"""

from __future__ import annotations

import json
import sys

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors

EMAIL = r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$"


def schema(countries: list[str]) -> pa.DataFrameSchema:
    statuses = ["pending", "paid", "shipped", "delivered", "cancelled"]
    return pa.DataFrameSchema(
        {
            "order_id": pa.Column("int64", pa.Check.gt(0), unique=True, coerce=True),
            "customer_email": pa.Column(str, [pa.Check.str_length(max_value=254),
                                              pa.Check.str_matches(EMAIL)]),
            "country": pa.Column(str, pa.Check.isin(countries)),
            "quantity": pa.Column("int64", pa.Check.in_range(1, 1000), coerce=True),
            "unit_price": pa.Column("float64", [pa.Check.ge(0), pa.Check(np.isfinite)],
                                    coerce=True),
            "status": pa.Column(str, pa.Check.isin(statuses)),
            "order_date": pa.Column("datetime64[ns]", coerce=True),
            "shipped_at": pa.Column("datetime64[ns]", nullable=True, coerce=True),
            "note": pa.Column(str, pa.Check.str_length(max_value=200), nullable=True),
            "discount": pa.Column("float64", pa.Check.in_range(0, 1), nullable=True,
                                  coerce=True),
        },
        strict=True,
    )


def main(path: str) -> None:
    from typing import get_args

    sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parents[1]))
    from schemas.orders import CountryCode

    df = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    try:
        schema(list(get_args(CountryCode))).validate(df, lazy=True)
        errors = 0
    except SchemaErrors as exc:
        errors = len(exc.failure_cases)
    print(json.dumps({"rows": len(df), "errors": errors}))


if __name__ == "__main__":
    main(sys.argv[1])
