"""Pandera (pandas backend, lazy) with the schema closest to ``schemas/orders.py``.

    python bench/pandera_orders.py FILE.csv    # prints {"rows": N, "errors": N}

Pandera speaks its own semantics (pandas parsing, not Pydantic's lax mode), so its error
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


def _number(s: pd.Series) -> pd.Series:
    return pd.to_numeric(s, errors="coerce")


def _stamp(s: pd.Series) -> pd.Series:
    return pd.to_datetime(s, format="ISO8601", errors="coerce")


def schema(countries: list[str]) -> pa.DataFrameSchema:
    """Vectorised checks on the text columns (pandas parsing), as a pandas user would write
    them: with ``coerce=True`` instead, pandera looks for failure cases one cell at a time
    (``pd.to_datetime`` per cell), which took minutes per 100k rows here."""
    statuses = ["pending", "paid", "shipped", "delivered", "cancelled"]
    return pa.DataFrameSchema(
        {
            "order_id": pa.Column(str, pa.Check(lambda s: _number(s).gt(0)), unique=True),
            "customer_email": pa.Column(str, [pa.Check.str_length(max_value=254),
                                              pa.Check.str_matches(EMAIL)]),
            "country": pa.Column(str, pa.Check.isin(countries)),
            "quantity": pa.Column(str, pa.Check(lambda s: _number(s).between(1, 1000))),
            "unit_price": pa.Column(str, pa.Check(
                lambda s: _number(s).ge(0) & np.isfinite(_number(s)))),
            "status": pa.Column(str, pa.Check.isin(statuses)),
            "order_date": pa.Column(str, pa.Check(lambda s: _stamp(s).notna())),
            "shipped_at": pa.Column(str, pa.Check(lambda s: _stamp(s).notna()), nullable=True),
            "note": pa.Column(str, pa.Check.str_length(max_value=200), nullable=True),
            "discount": pa.Column(str, pa.Check(lambda s: _number(s).between(0, 1)),
                                  nullable=True),
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
