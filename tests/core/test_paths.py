"""Which path each field takes (explain), and that every path gives Pydantic's verdict."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import pyarrow as pa
import pyarrow.parquet as pq
from pydantic import AfterValidator, BaseModel, Field, field_validator, model_validator

from hub.describe import explain
from hub.registry import entry_for
from hub.validate import validate
from tests.conftest import ROOT, SAMPLES
from tests.oracle import oracle_errors


def _cells(report: Any) -> list[tuple[Any, ...]]:
    return sorted((d.loc[1], str(d.loc[2]) if len(d.loc) > 2 else "", d.type, d.msg)
                  for d in report.detail if d.loc[0] == "rows" and len(d.loc) > 1
                  and not d.type.startswith("duplicate_"))


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "data.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_orders_fields_are_all_vectorised(registry):
    paths = {r["field"]: r["path"] for r in explain(registry.get("orders"))}
    assert set(paths.values()) == {"vectorised"}, paths


def test_explain_says_why_a_field_leaves_the_fast_path(registry):
    rows = {r["field"]: r for r in explain(registry.get("payments"))}
    assert rows["amount"]["path"] == "vectorised"
    assert "digits" in rows["amount"]["why"]
    assert rows["payment_id"]["path"] == "vectorised"  # a UUID key is compared as text


class Validated(BaseModel):
    """One field validator that sees only its value, one that reads info.data, one model
    validator after the fields, and an Annotated validator."""

    low: int
    high: int
    code: str
    tag: Annotated[str, AfterValidator(lambda v: v.strip())] = ""

    @field_validator("code")
    @classmethod
    def _code_upper(cls, v: str) -> str:
        if not v.isupper():
            raise ValueError("code must be upper case")
        return v

    @field_validator("high")
    @classmethod
    def _above_low(cls, v: int, info: Any) -> int:
        if "low" in info.data and v < info.data["low"]:
            raise ValueError("high must not be below low")
        return v

    @model_validator(mode="after")
    def _not_equal(self) -> Validated:
        if self.low == self.high:
            raise ValueError("low and high must differ")
        return self


def test_explain_names_the_row_paths():
    rows = {r["field"]: r for r in explain(entry_for("validated", Validated))}
    assert rows["low"]["path"] == "vectorised"
    assert rows["code"]["path"] == "row" and "_code_upper" in rows["code"]["why"]
    assert rows["high"]["path"] == "row" and "info" in rows["high"]["why"]
    assert rows["tag"]["path"] == "distinct-value"


def test_validators_give_pydantics_verdict_on_the_rows_they_concern(tmp_path):
    path = _write(tmp_path, "low,high,code,tag\n1,2,AB,x\n5,3,AB,y\nx,1,ab, z\n4,4,CD,\n"
                            "2,,,\n7,8,EF,q\n")
    report = validate(path, entry_for("validated", Validated), max_errors=0)
    assert _cells(report) == sorted(oracle_errors(Validated, path))
    types = {(d.loc[1], d.type) for d in report.detail}
    assert {(1, "value_error"), (2, "int_parsing"), (3, "value_error")} <= types


class Before(BaseModel):
    a: int
    b: int

    @model_validator(mode="before")
    @classmethod
    def _swap(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("a") == "swap":
            return {"a": data.get("b"), "b": data.get("a")}
        return data


def test_model_before_validator_takes_every_field_through_the_row(tmp_path):
    assert {r["path"] for r in explain(entry_for("before", Before))} == {"row"}
    path = _write(tmp_path, "a,b\nswap,1\n1,x\nswap,swap\n")
    report = validate(path, entry_for("before", Before), max_errors=0)
    assert _cells(report) == sorted(oracle_errors(Before, path))


class Typed(BaseModel):
    n: Annotated[int, Field(gt=0, le=100)]
    x: Annotated[float, Field(ge=0)]
    d: date
    s: Annotated[str, Field(max_length=3)]
    flag: bool


def test_typed_parquet_columns_checked_by_type_then_value(tmp_path):
    table = pa.table({
        "n": pa.array([1, 0, 101, None, 50], pa.int64()),
        "x": pa.array([0.5, -1.0, float("nan"), 2.0, float("inf")]),
        "d": pa.array([date(2024, 1, 1), None, date(2024, 2, 29), date(1, 1, 1),
                       date(9999, 12, 31)]),
        "s": pa.array(["abc", "abcd", None, "", "ñññ"]),
        "flag": pa.array([True, False, None, True, False]),
    })
    path = tmp_path / "typed.parquet"
    pq.write_table(table, path)
    report = validate(path, entry_for("typed", Typed), max_errors=0)
    expected = []
    for i, row in enumerate(table.to_pylist()):
        try:
            Typed.model_validate({k: v for k, v in row.items() if v is not None})
        except Exception as exc:  # ValidationError
            expected += [(i, str(e["loc"][0]), e["type"], e["msg"]) for e in exc.errors()]
    assert _cells(report) == sorted(expected)


def test_parquet_float_column_for_int_field_goes_to_pydantic(tmp_path):
    path = tmp_path / "f.parquet"
    pq.write_table(pa.table({"n": [1.0, 2.5, 3.0], "x": [1.0, 1.0, 1.0],
                             "d": ["2024-01-01"] * 3, "s": ["a"] * 3,
                             "flag": ["yes", "no", "maybe"]}), path)
    report = validate(path, entry_for("typed", Typed), max_errors=0)
    assert {(d.loc[1], d.loc[2], d.type) for d in report.detail} == {
        (1, "n", "int_from_float"), (2, "flag", "bool_parsing")}


def test_validate_imports_no_pandas_and_no_server():
    code = ("import sys; from hub.registry import Registry; from hub.validate import validate;"
            f"r = Registry(__import__('pathlib').Path({str(ROOT / 'schemas')!r}));"
            f"validate({str(SAMPLES / 'orders_invalid.csv')!r}, r.get('orders'));"
            f"validate({str(SAMPLES / 'payments_valid.parquet')!r}, r.get('payments'));"
            "print(sorted(m for m in ('pandas', 'fastapi', 'uvicorn', 'rich') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, check=True)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


def test_pandas_still_works_after_a_run(registry):
    validate(SAMPLES / "orders_valid.csv", registry.get("orders"))
    import pandas as pd

    assert pa.table({"a": [1]}).to_pandas().equals(pd.DataFrame({"a": [1]}))
