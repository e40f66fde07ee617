"""Declarative schemas give the verdicts of the Python model they were exported from."""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hub.errors import SchemaLoadError
from hub.export import export_document
from hub.registry import Registry, load_schema_document, load_schema_file
from hub.validate import validate
from tests.conftest import SAMPLES, SCHEMAS

SAMPLE_FILES = sorted(p for p in SAMPLES.iterdir() if p.suffix in (".csv", ".parquet"))

TRAPS = '''
from datetime import date, datetime, time
from decimal import Decimal
from enum import Enum, IntEnum, StrEnum
from typing import Annotated, ClassVar, Literal
from uuid import UUID

from pydantic import (AwareDatetime, BaseModel, ConfigDict, Field, PastDate, StringConstraints,
                      UUID4)

from hub.rules import DatasetRules, Unique

__version__ = "2.1"


class Colour(StrEnum):
    """Paint colours."""

    RED = "red"
    GREEN = "green"


class Level(IntEnum):
    LOW = 1
    HIGH = 2


class Size(Enum):
    S = "s"
    M = "m"


class Traps(BaseModel):
    """Every JSON Schema trap at once."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    dvh_rules: ClassVar[DatasetRules] = DatasetRules(primary_key=("ident", "code"),
                                                     null_tokens=("N/A",))

    ident: Annotated[int, Field(gt=0, multiple_of=3), Unique()]
    code: Annotated[str, Field(min_length=2, max_length=5, pattern=r"^[A-Z]+$")]
    money: Annotated[Decimal, Field(gt=Decimal("0.50"), le=1000, max_digits=6,
                                    decimal_places=2, multiple_of=Decimal("0.25"))]
    ratio: Annotated[float, Field(gt=0, lt=1, allow_inf_nan=False)] | None = None
    weight: Annotated[float, Field(ge=0.0, multiple_of=0.5)] = 1.5
    colour: Colour
    level: Level | None = None
    size: Size = Size.M
    flavour: Literal["sweet", "sour"] = "sweet"
    grade: Literal[1, 2, 3] | None = None
    one: Literal["only"] | None = None
    born: Annotated[date, Field(ge=date(1900, 1, 1))]
    seen: PastDate | None = None
    stamp: AwareDatetime | None = None
    at: time | None = None
    when: datetime | None = None
    token: UUID4 | None = None
    ref: UUID | None = None
    strict_n: Annotated[int, Field(strict=True)] | None = None
    flag: bool = False
    shout: Annotated[str, StringConstraints(to_upper=True, max_length=4)] | None = None
    either: int | str | None = None
    left: Annotated[int | str, Field(union_mode="left_to_right")] | None = None
    started: date = date(2020, 1, 1)
    aliased: Annotated[int, Field(le=10)] | None = Field(default=None, alias="Aliased Col")
'''

TRAP_VALUES: dict[str, list[str]] = {
    "ident": ["3", "6", "4", "0", "-3", " 9 ", "9.0", "x", "1e1"],
    "code": ["AB", "ABCDEF", "ab", " AB ", "A", "ÄB"],
    "money": ["1.00", "0.50", "0.75", "1000", "1000.25", "12.345", "1.1", "abc", "1e2", "nan"],
    "ratio": ["0.5", "1", "0", "inf", "nan", "x"],
    "weight": ["1.5", "2", "1.3", "-1", ""],
    "colour": ["red", "RED", "blue", " green"],
    "level": ["1", "2", "3", "low", "1.0"],
    "size": ["s", "m", "l", "S"],
    "flavour": ["sweet", "sour", "bitter", ""],
    "grade": ["1", "3", "4", "x"],
    "one": ["only", "other"],
    "born": ["2000-01-01", "1899-12-31", "2000-1-1", "2000-02-30", "x"],
    "seen": ["2000-01-01", "2999-01-01", "x"],
    "stamp": ["2026-01-01T00:00:00Z", "2026-01-01T00:00:00", "x"],
    "at": ["09:30", "25:00", "9:30"],
    "when": ["2026-01-01T10:00:00", "1700000000", "2026-13-01"],
    "token": ["7c9e6679-7425-40de-944b-e07fc1f90ae7", "a3bb189e-8bf9-1888-9912-ace4e6543002",
              "x"],
    "ref": ["7c9e6679-7425-40de-944b-e07fc1f90ae7", "not-a-uuid"],
    "strict_n": ["1", "x"],
    "flag": ["true", "no", "maybe", ""],
    "shout": ["ab", "abcde", " ab "],
    "either": ["1", "x", "1.5"],
    "left": ["1", "x"],
    "started": ["2021-01-01", "x", ""],
    "Aliased Col": ["5", "11", "x", "N/A"],
}


def reports_equal(path: Path, a, b) -> None:
    """Whole reports, minus the fingerprint (which names the schema's source, not verdicts)."""
    ra = validate(path, a, max_errors=0).to_json_dict()
    rb = validate(path, b, max_errors=0).to_json_dict()
    ra["schema"].pop("fingerprint")
    rb["schema"].pop("fingerprint")
    assert ra == rb


def declarative_twin(entry):
    doc = json.loads(json.dumps(export_document(entry)))  # through real JSON text
    assert "lossy" not in doc["x-dvh"], doc["x-dvh"].get("lossy")
    return load_schema_document(entry.name, doc)


@pytest.mark.parametrize("schema", ["orders", "payments"])
def test_sample_schemas_give_identical_reports_on_every_sample_file(schema):
    entry = Registry(SCHEMAS).get(schema)
    twin = declarative_twin(entry)
    assert twin.fingerprint == entry.fingerprint  # same JSON Schema and rules
    assert twin.version == entry.version and twin.rules == entry.rules
    for path in SAMPLE_FILES:  # its own files, and the other schema's (many more errors)
        reports_equal(path, entry, twin)


@pytest.fixture(scope="module")
def traps(tmp_path_factory):
    folder = tmp_path_factory.mktemp("traps")
    (folder / "traps.py").write_text(TRAPS)
    entry = load_schema_file(folder / "traps.py")
    return entry, declarative_twin(entry)


def test_traps_survive_the_json_form(traps):
    entry, twin = traps
    assert twin.fingerprint == entry.fingerprint
    fields = twin.model.model_fields
    assert fields["aliased"].alias == "Aliased Col"
    assert twin.model.model_config["extra"] == "forbid"
    assert twin.model.model_config["str_strip_whitespace"] is True
    assert twin.rules.null_tokens == ("N/A",) and twin.rules.unique == ("ident",)
    assert fields["started"].default == date(2020, 1, 1)  # typed again, not the JSON string


def _write(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(TRAP_VALUES))
        w.writeheader()
        w.writerows(rows)


def test_trap_values_give_identical_verdicts(traps, tmp_path):
    entry, twin = traps
    width = max(len(v) for v in TRAP_VALUES.values())
    rows = [{k: v[i % len(v)] for k, v in TRAP_VALUES.items()} for i in range(width)]
    path = tmp_path / "traps.csv"
    _write(path, rows)
    report = validate(path, entry, max_errors=0)
    assert report.error_count > 40  # the file really exercises the checks
    kinds = {d.type for d in report.detail}
    assert {"literal_error", "enum", "decimal_max_places", "multiple_of", "finite_number",
            "string_pattern_mismatch", "date_past", "timezone_aware", "uuid_version",
            "int_type"} <= kinds
    reports_equal(path, entry, twin)


@settings(max_examples=25, deadline=None, suppress_health_check=[
    HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_random_trap_rows_give_identical_verdicts(traps, tmp_path, data):
    entry, twin = traps
    nrows = data.draw(st.integers(1, 8))
    rows = [{k: data.draw(st.sampled_from(v) | st.text(st.characters(codec="utf-8"), max_size=4)
             .filter(lambda s: "\r" not in s and "\x00" not in s)) for k, v in TRAP_VALUES.items()}
        for _ in range(nrows)]
    path = tmp_path / f"r{data.draw(st.integers(0, 10**9))}.csv"
    _write(path, rows)
    reports_equal(path, entry, twin)


def test_json_schema_files_sit_next_to_python_ones(tmp_path):
    doc = export_document(Registry(SCHEMAS).get("payments"))
    (tmp_path / "pay.json").write_text(json.dumps(doc))
    (tmp_path / "orders.py").write_text((SCHEMAS / "orders.py").read_text())
    registry = Registry(tmp_path)
    entries, errors = registry.load_all()
    assert sorted(entries) == ["orders", "pay"] and errors == {}
    assert entries["pay"].version == "1.0" and entries["pay"].path == tmp_path / "pay.json"
    (tmp_path / "orders.json").write_text(json.dumps(doc))
    entries, errors = Registry(tmp_path).load_all()
    assert "orders" in errors and "both" in errors["orders"]


def test_hand_written_json_schema():
    doc = {
        "title": "Row", "type": "object", "additionalProperties": False,
        "properties": {
            "id": {"type": "integer", "minimum": 1},
            "kind": {"enum": ["a", "b"]},
            "note": {"type": ["string", "null"]},
            "when": {"type": "string", "format": "date"},
            "Tag Name": {"type": "string", "maxLength": 3},
        },
        "required": ["id", "kind", "when"],
        "x-dvh": {"rules": {"unique": ["id"]}},
    }
    entry = load_schema_document("rows", doc)
    fields = entry.model.model_fields
    assert set(fields) == {"id", "kind", "note", "when", "tag_name"}
    assert fields["tag_name"].alias == "Tag Name" and not fields["note"].is_required()
    m = entry.model.model_validate({"id": 1, "kind": "a", "when": "2026-01-01",
                                    "Tag Name": "abc"})
    assert m.when == date(2026, 1, 1) and m.note is None
    assert entry.rules.unique == ("id",) and entry.model.model_config["extra"] == "forbid"


@pytest.mark.parametrize(("props", "needle"), [
    ({"x": {"oneOf": [{"type": "integer"}]}}, "property 'x': unsupported keyword 'oneOf'"),
    ({"x": {"type": "string", "format": "email"}}, "property 'x': unsupported format 'email'"),
    ({"x": {"type": "object"}}, "property 'x': unsupported type 'object'"),
    ({"x": {"$ref": "#/$defs/Inner"}}, "property 'x': $ref '#/$defs/Inner'"),
    ({"x": {"$ref": "http://example.com/s.json"}}, "property 'x': unsupported $ref"),
    ({"x": {"type": "integer", "not": {}}}, "property 'x': unsupported keyword 'not'"),
    ({"x": {"type": "number", "x-dvh-core": {"type": "float", "bogus": 1}}},
     "property 'x': unsupported float option 'bogus'"),
    ({"x": {"type": "string", "pattern": "("}}, "schema 'bad'"),
    ({"x": "integer"}, "property 'x': a property schema must be a JSON object"),
    ({"x": {"enum": []}}, "property 'x': enum must be a non-empty list"),
])
def test_unsupported_constructs_name_the_property(props, needle):
    doc = {"type": "object", "properties": props,
           "$defs": {"Inner": {"type": "object", "properties": {}}}}
    with pytest.raises(SchemaLoadError) as info:
        load_schema_document("bad", doc)
    assert needle in str(info.value)
    assert "\n" not in str(info.value)


def test_models_with_validators_export_as_lossy_and_are_refused(tmp_path):
    (tmp_path / "v.py").write_text(
        "from pydantic import BaseModel, field_validator\n\n"
        "class V(BaseModel):\n    x: int\n\n"
        "    @field_validator('x')\n    @classmethod\n    def pos(cls, v: int) -> int:\n"
        "        return v\n")
    doc = export_document(load_schema_file(tmp_path / "v.py"))
    assert doc["x-dvh"]["lossy"][0] == "field validator 'pos'"
    with pytest.raises(SchemaLoadError, match="keep it as Python"):
        load_schema_document("v", doc)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.sampled_from(["type", "properties", "anyOf", "enum", "$ref", "format", "x-dvh",
                         "x-dvh-core", "required", "minimum", "default", "items", "$defs",
                         "rules", "config", "a"]), inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=200, deadline=None)
@given(doc=JSON_VALUES)
def test_garbage_documents_are_load_errors_never_crashes(doc: Any):
    try:
        load_schema_document("junk", doc)
    except SchemaLoadError as exc:
        assert str(exc).startswith("schema 'junk'")


def test_plain_pydantic_json_schema_decimal_shape_is_a_decimal():
    """Without dvh's x-dvh details, Pydantic's anyOf [number, string] is read as a Decimal."""
    from decimal import Decimal

    plain = Registry(SCHEMAS).get("payments").model.model_json_schema()
    entry = load_schema_document("plain", plain)
    adapter_value = entry.model.model_validate({
        "Payment ID": "7c9e6679-7425-40de-944b-e07fc1f90ae7", "order_id": 1, "attempt": 1,
        "amount": "39.80", "currency": "EUR", "captured": True}).amount
    assert adapter_value == Decimal("39.80") and isinstance(adapter_value, Decimal)
    assert entry.model.model_fields["currency"].annotation.__name__ == "Currency"
