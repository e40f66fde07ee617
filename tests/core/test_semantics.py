"""Pydantic's verdict per cell, dvh's CSV convention, and the report's exact counts."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, ClassVar

import pytest
from pydantic import BaseModel, ConfigDict, Field, field_validator

from hub.registry import entry_for
from hub.rules import DatasetRules, Unique
from hub.validate import validate
from tests.conftest import SAMPLES, triples
from tests.oracle import oracle


def _cells(report) -> set[tuple[int, str, str, str]]:
    return {
        (d["loc"][1], d["loc"][2], d["type"], d["msg"])
        for d in report.to_json_dict()["detail"]
        if d["loc"][0] == "rows" and len(d["loc"]) > 2
        and not d["type"].startswith("duplicate_")
    }


def write(tmp_path: Path, text: str, name: str = "data.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("schema", ["orders", "payments"])
def test_valid_samples_are_valid(registry, schema):
    for suffix in ("csv", "parquet"):
        report = validate(SAMPLES / f"{schema}_valid.{suffix}", registry.get(schema))
        assert report.valid, report.detail
        assert report.error_count == 0 and report.invalid_rows == 0
        assert report.rows > 0
        assert report.source.format == suffix


@pytest.mark.parametrize("schema", ["orders", "payments"])
def test_invalid_sample_matches_pydantic_row_by_row(registry, schema):
    entry = registry.get(schema)
    path = SAMPLES / f"{schema}_invalid.csv"
    report = validate(path, entry, max_errors=0)
    expected = oracle(entry.model, path)
    assert _cells(report) == expected
    assert not report.valid


def test_orders_invalid_sample_exercises_every_error_type(registry):
    report = validate(SAMPLES / "orders_invalid.csv", registry.get("orders"), max_errors=0)
    types = {d.type for d in report.detail}
    assert types >= {
        "int_parsing", "greater_than", "duplicate_value", "string_pattern_mismatch",
        "literal_error", "greater_than_equal", "less_than_equal", "finite_number",
        "float_parsing", "date_from_datetime_parsing", "date_from_datetime_inexact",
        "datetime_from_date_parsing", "missing", "string_too_long", "extra_forbidden",
    }


def test_payments_invalid_sample_exercises_every_error_type(registry):
    report = validate(SAMPLES / "payments_invalid.csv", registry.get("payments"), max_errors=0)
    types = {d.type for d in report.detail}
    assert types >= {
        "uuid_parsing", "greater_than", "greater_than_equal", "less_than_equal", "enum",
        "bool_parsing", "time_parsing", "string_too_short", "string_too_long",
        "decimal_max_places", "decimal_max_digits", "decimal_parsing", "int_parsing",
        "missing", "duplicate_value", "duplicate_key",
    }


class Nulls(BaseModel):
    required: int
    optional: int | None
    defaulted: int = 7
    optional_default: int | None = 3
    text: str


def test_empty_cell_is_null_none_default_or_missing(tmp_path):
    path = write(tmp_path, "required,optional,defaulted,optional_default,text\n,,,,\n")
    report = validate(path, entry_for("nulls", Nulls), max_errors=0)
    assert triples(report.to_json_dict()) == {(0, "required", "missing"), (0, "text", "missing")}
    missing = report.detail[0]
    assert missing.msg == "Field required" and missing.input is None and missing.line == 2


def test_na_null_nan_are_ordinary_strings_by_default(tmp_path):
    path = write(tmp_path, "required,optional,text\nNA,null,NaN\n")
    report = validate(path, entry_for("nulls", Nulls), max_errors=0)
    assert triples(report.to_json_dict()) == {(0, "required", "int_parsing"),
                                              (0, "optional", "int_parsing")}
    assert report.detail[0].input == "NA"


def test_configured_null_tokens_are_null(tmp_path):
    path = write(tmp_path, "required,optional,text\n1,NA,x\n")
    report = validate(path, entry_for("nulls", Nulls), null_tokens=("NA",))
    assert report.valid


class Aliased(BaseModel):
    model_config = ConfigDict(extra="forbid")
    order_id: int = Field(alias="Order ID")
    qty: int


def test_headers_match_by_alias_then_name_in_any_order(tmp_path):
    path = write(tmp_path, "qty,Order ID\n2,1\nx,2\n")
    report = validate(path, entry_for("aliased", Aliased), max_errors=0)
    assert triples(report.to_json_dict()) == {(1, "qty", "int_parsing")}


def test_missing_and_extra_columns_are_reported_at_column_loc(tmp_path):
    path = write(tmp_path, "qty,surprise\n1,x\n2,y\n")
    report = validate(path, entry_for("aliased", Aliased), max_errors=0).to_json_dict()
    assert triples(report) == {(("columns", "Order ID"), "missing"),
                               (("columns", "surprise"), "extra_forbidden")}
    assert report["invalid_rows"] == 2  # Pydantic rejects every row without the field
    assert report["errors_by_column"]["surprise"]["by_type"] == {"extra_forbidden": 1}


def test_counts_stay_exact_when_detail_is_capped(tmp_path):
    rows = "\n".join(f"{i},{'x' if i % 2 else i}" for i in range(1, 201))
    path = write(tmp_path, "Order ID,qty\n" + rows + "\n")
    full = validate(path, entry_for("aliased", Aliased), max_errors=0)
    capped = validate(path, entry_for("aliased", Aliased), max_errors=5)
    assert full.error_count == capped.error_count == 100
    assert capped.invalid_rows == 100 and len(capped.detail) == 5 and capped.truncated
    assert not full.truncated and len(full.detail) == 100
    assert capped.detail == full.detail[:5]
    top = capped.errors_by_column["qty"].top_values[0]
    assert (top.input, top.count, top.first_rows) == ("x", 100, [0, 2, 4])


def test_line_numbers_follow_quoted_newlines(tmp_path):
    path = write(tmp_path, 'Order ID,qty\n1,"2\nx"\n2,"x\n\ny"\n3,z\n')
    report = validate(path, entry_for("aliased", Aliased), max_errors=0)
    lines = {(d.loc[1], d.line) for d in report.detail}
    assert lines == {(0, 2), (1, 4), (2, 7)}


class WithValidator(BaseModel):
    low: int
    high: int

    @field_validator("high")
    @classmethod
    def _above_low(cls, v: int, info) -> int:
        if "low" in info.data and v < info.data["low"]:
            raise ValueError("high must not be below low")
        return v


def test_validators_that_need_the_row_get_pydantics_verdict(tmp_path):
    path = write(tmp_path, "low,high\n1,2\n5,3\nx,1\n")
    entry = entry_for("withvalidator", WithValidator)
    report = validate(path, entry, max_errors=0)
    assert _cells(report) == oracle(WithValidator, path)
    assert (1, "high", "value_error") in triples(report.to_json_dict())


class Keyed(BaseModel):
    dvh_rules: ClassVar[DatasetRules] = DatasetRules(primary_key=("a", "b"), min_rows=5)
    a: int
    b: int
    c: Annotated[str, Unique()]


def test_uniqueness_primary_key_and_row_count(tmp_path):
    path = write(tmp_path, "a,b,c\n1,1,x\n1,2,y\n01,1,z\n2,2,x\n")
    report = validate(path, entry_for("keyed", Keyed), max_errors=0).to_json_dict()
    assert triples(report) == {(2, "a,b", "duplicate_key"), (3, "c", "duplicate_value"),
                               (("rows",), "too_few_rows")}
    dup = next(d for d in report["detail"] if d["type"] == "duplicate_key")
    assert "row 0" in dup["msg"] and dup["ctx"] == {"first_row": 0}
    assert report["invalid_rows"] == 2 and report["error_count"] == 3


def test_parquet_values_get_pydantics_verdict(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "x.parquet"
    pq.write_table(pa.table({"Order ID": [1, 2, None], "qty": ["3", "x", "4"]}), path)
    report = validate(path, entry_for("aliased", Aliased), max_errors=0)
    assert triples(report.to_json_dict()) == {(1, "qty", "int_parsing"),
                                              (2, "Order ID", "missing")}
    assert all(d.line is None for d in report.detail)


def test_report_carries_source_identity(registry):
    import hashlib

    path = SAMPLES / "orders_valid.csv"
    report = validate(path, registry.get("orders"))
    assert report.source.bytes == path.stat().st_size
    assert report.source.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert report.schema_.fingerprint.startswith("sha256:")
    assert report.id is None
