"""Contract diffs: each change found, and classified breaking/compatible for producers."""

from __future__ import annotations

import itertools
import json

import pytest

from hub.export import export_document
from hub.registry import Registry, load_schema_file
from hub.schemadiff import diff_documents
from tests.conftest import SCHEMAS

HEAD = (
    "from datetime import date\nfrom decimal import Decimal\nfrom enum import StrEnum\n"
    "from typing import Annotated, ClassVar, Literal\n"
    "from pydantic import BaseModel, ConfigDict, Field\n"
    "from hub.rules import DatasetRules, Unique\n\n"
    "class Colour(StrEnum):\n    RED = 'red'\n    BLUE = 'blue'\n    GREEN = 'green'\n\n"
)
_N = itertools.count()


def doc_of(tmp_path, body: str, extra: str = "", head: str = ""):
    path = tmp_path / f"s{next(_N)}.py"
    path.write_text(HEAD + head + "class S(BaseModel):\n" + extra + body)
    return export_document(load_schema_file(path))


def changes(tmp_path, old: str, new: str, old_extra: str = "", new_extra: str = ""):
    found = diff_documents(doc_of(tmp_path, old, old_extra), doc_of(tmp_path, new, new_extra))
    return {(c.column, c.kind, c.breaking) for c in found}


BASE = "    a: int\n"


@pytest.mark.parametrize(("old", "new", "expected"), [
    (BASE, BASE, set()),
    (BASE, BASE + "    b: str\n", {("b", "column_added", True)}),
    (BASE, BASE + "    b: str | None = None\n", {("b", "column_added", False)}),
    (BASE + "    b: str\n", BASE, {("b", "column_removed", False)}),
    ("    a: int\n", "    a: float\n", {("a", "type_widened", False)}),
    ("    a: float\n", "    a: int\n", {("a", "type_changed", True)}),
    ("    a: int\n", "    a: Decimal\n", {("a", "type_widened", False)}),
    ("    a: str\n", "    a: date\n", {("a", "type_changed", True)}),
    ("    a: date\n", "    a: str\n", {("a", "type_widened", False)}),
    ("    a: int\n", "    a: int | str\n", {("a", "type_widened", False)}),
    ("    a: Annotated[int, Field(ge=0)]\n", "    a: Annotated[int, Field(ge=1)]\n",
     {("a", "bound_narrowed", True)}),
    ("    a: Annotated[int, Field(ge=1)]\n", "    a: Annotated[int, Field(ge=0)]\n",
     {("a", "bound_widened", False)}),
    ("    a: Annotated[int, Field(ge=0)]\n", "    a: Annotated[int, Field(gt=0)]\n",
     {("a", "bound_narrowed", True)}),
    ("    a: int\n", "    a: Annotated[int, Field(le=9)]\n", {("a", "bound_added", True)}),
    ("    a: Annotated[int, Field(le=9)]\n", "    a: int\n", {("a", "bound_removed", False)}),
    ("    a: Annotated[str, Field(max_length=9)]\n", "    a: Annotated[str, Field(max_length=5)]"
     "\n", {("a", "max_length_narrowed", True)}),
    ("    a: Annotated[str, Field(max_length=5)]\n", "    a: Annotated[str, Field(max_length=9)]"
     "\n", {("a", "max_length_widened", False)}),
    ("    a: str\n", "    a: Annotated[str, Field(pattern='^x')]\n",
     {("a", "pattern_added", True)}),
    ("    a: Annotated[str, Field(pattern='^x')]\n", "    a: Annotated[str, Field(pattern='^y')]"
     "\n", {("a", "pattern_changed", True)}),
    ("    a: Annotated[str, Field(pattern='^x')]\n", "    a: str\n",
     {("a", "pattern_removed", False)}),
    ("    a: Literal['x', 'y']\n", "    a: Literal['x']\n", {("a", "values_removed", True)}),
    ("    a: Literal['x']\n", "    a: Literal['x', 'y']\n", {("a", "values_added", False)}),
    ("    a: Colour\n", "    a: Literal['red', 'blue']\n",
     {("a", "type_changed", False), ("a", "values_removed", True)}),
    ("    a: int | None\n", "    a: int\n", {("a", "nullable_removed", True)}),
    ("    a: int\n", "    a: int | None\n", {("a", "nullable_added", False)}),
    ("    a: int | None = None\n", "    a: int | None\n", {("a", "now_required", True)}),
    ("    a: int\n", "    a: int = 0\n", {("a", "now_optional", False)}),
    ("    a: int = 0\n", "    a: int = 1\n", {("a", "default_changed", False)}),
    (BASE, "    a: Annotated[int, Unique()]\n", {("a", "unique_added", True)}),
    ("    a: Annotated[int, Unique()]\n", BASE, {("a", "unique_removed", False)}),
    ("    a: Annotated[Decimal, Field(decimal_places=3)]\n",
     "    a: Annotated[Decimal, Field(decimal_places=2)]\n", {("a", "option_changed", True)}),
    ("    a: Annotated[Decimal, Field(gt=Decimal('0.5'))]\n",
     "    a: Annotated[Decimal, Field(gt=Decimal('0.75'))]\n", {("a", "bound_narrowed", True)}),
    ("    a: float\n", "    a: Annotated[float, Field(allow_inf_nan=False)]\n",
     {("a", "option_changed", True)}),
    ("    a: int\n", "    a: Annotated[int, Field(multiple_of=2)]\n",
     {("a", "multiple_of_added", True)}),
])
def test_column_changes(tmp_path, old, new, expected):
    assert changes(tmp_path, old, new) == expected


@pytest.mark.parametrize(("old_extra", "new_extra", "expected"), [
    ("", "    model_config = ConfigDict(extra='forbid')\n",
     {(None, "extra_forbidden", True)}),
    ("    model_config = ConfigDict(extra='forbid')\n", "",
     {(None, "extra_allowed", False)}),
    ("", "    dvh_rules: ClassVar[DatasetRules] = DatasetRules(primary_key=('a',))\n",
     {(None, "primary_key_changed", True)}),
    ("    dvh_rules: ClassVar[DatasetRules] = DatasetRules(primary_key=('a',))\n",
     "    dvh_rules: ClassVar[DatasetRules] = DatasetRules(primary_key=('a', 'b'))\n",
     {(None, "primary_key_changed", False)}),
    ("    dvh_rules: ClassVar[DatasetRules] = DatasetRules(min_rows=1)\n",
     "    dvh_rules: ClassVar[DatasetRules] = DatasetRules(min_rows=5)\n",
     {(None, "min_rows_changed", True)}),
    ("    dvh_rules: ClassVar[DatasetRules] = DatasetRules(max_rows=5)\n",
     "    dvh_rules: ClassVar[DatasetRules] = DatasetRules(max_rows=9)\n",
     {(None, "max_rows_changed", False)}),
    ("", "    model_config = ConfigDict(str_strip_whitespace=True)\n",
     {(None, "config_changed", True)}),
])
def test_model_and_rule_changes(tmp_path, old_extra, new_extra, expected):
    body = "    a: int\n    b: int | None = None\n"
    assert changes(tmp_path, body, body, old_extra, new_extra) == expected


def test_removed_column_breaks_when_extra_columns_are_forbidden(tmp_path):
    forbid = "    model_config = ConfigDict(extra='forbid')\n"
    found = changes(tmp_path, BASE + "    b: int\n", BASE, forbid, forbid)
    assert found == {("b", "column_removed", True)}


def test_python_and_its_json_form_do_not_differ(tmp_path):
    for name in ("orders", "payments"):
        entry = Registry(SCHEMAS).get(name)
        doc = export_document(entry)
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(doc))
        assert diff_documents(doc, export_document(load_schema_file(path))) == []


def test_every_change_has_a_readable_detail(tmp_path):
    found = diff_documents(export_document(Registry(SCHEMAS).get("orders")),
                           export_document(Registry(SCHEMAS).get("payments")))
    assert found and all(c.detail and "\n" not in c.detail for c in found)
    assert any(c.breaking for c in found) and any(not c.breaking for c in found)
