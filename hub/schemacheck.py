"""Lint a schemas folder: what ``dvh schema check`` reports, for CI on the schemas themselves.

Errors (the folder is not fit to enforce): a schema that fails to load, a field type no table
cell can ever satisfy (a nested model, a dict, an arbitrary class), dataset rules that name a
field the model does not have. Warnings (it works, but look): fields that take the slow row
path because the model has validators, ``Any`` fields (nothing is checked), container fields
(only Parquet list columns can fill them).
"""

from __future__ import annotations

import dataclasses
import inspect
import types
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from enum import Enum
from ipaddress import IPv4Address, IPv6Address
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args, get_origin, is_typeddict
from uuid import UUID

from pydantic import BaseModel

from hub.registry import Registry, SchemaEntry

ERROR, WARNING = "error", "warning"
_SCALARS = (int, float, Decimal, bool, str, bytes, date, datetime, time, timedelta, UUID, Path,
            IPv4Address, IPv6Address)
_CONTAINERS = (list, set, frozenset, tuple)


@dataclass(frozen=True)
class Finding:
    """One problem: ``kind`` is a stable slug (load_error, unsupported_annotation, ...)."""

    schema: str
    field: str | None
    severity: str
    kind: str
    msg: str

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def check_registry(registry: Registry) -> tuple[list[str], list[Finding]]:
    """Load every schema in the registry and lint it: (names checked, findings)."""
    entries, errors = registry.load_all()
    findings = [Finding(name, None, ERROR, "load_error", msg) for name, msg in errors.items()]
    for entry in entries.values():
        findings += check_entry(entry)
    return sorted({*entries, *errors}), findings


def check_entry(entry: SchemaEntry) -> list[Finding]:
    out: list[Finding] = []
    model = entry.model
    for name, info in model.model_fields.items():
        for severity, kind, msg in _annotation_problems(info.annotation):
            out.append(Finding(entry.name, name, severity, kind, msg))
    out += _rule_problems(entry)
    out += _row_path(entry)
    return out


def _annotation_problems(annotation: Any) -> list[tuple[str, str, str]]:
    """Walk a field's type: what a CSV cell (a string) or a Parquet value can never fill."""
    origin, args = get_origin(annotation), get_args(annotation)
    if origin is Annotated:
        return _annotation_problems(args[0])
    if origin in (Union, types.UnionType):
        return [p for a in args for p in _annotation_problems(a)]
    if origin is Literal or annotation is type(None) or annotation is None:
        return []
    if annotation is Any or annotation is object:
        return [(WARNING, "unknown_annotation",
                 "typed Any: every value is accepted, nothing is checked")]
    if origin in _CONTAINERS or annotation in _CONTAINERS:
        return [(WARNING, "container_annotation",
                 f"{_name(annotation)}: a CSV cell is one value; only Parquet list columns "
                 "can fill it")]
    if origin is dict or annotation is dict or is_typeddict(annotation):
        return [(ERROR, "unsupported_annotation",
                 f"{_name(annotation)}: a table cell cannot hold a mapping")]
    if inspect.isclass(annotation):
        if issubclass(annotation, BaseModel) or dataclasses.is_dataclass(annotation):
            return [(ERROR, "unsupported_annotation",
                     f"nested model {annotation.__name__}: a table cell cannot hold a record; "
                     "flatten it into columns")]
        if issubclass(annotation, (*_SCALARS, Enum)):
            return []
        if hasattr(annotation, "__get_pydantic_core_schema__"):
            return []  # a Pydantic-aware type (AnyUrl, EmailStr, SecretStr...)
        return [(ERROR, "unsupported_annotation",
                 f"{annotation.__name__}: not a type dvh can read from a cell")]
    return [(ERROR, "unknown_annotation", f"{annotation!r}: not a type dvh knows")]


def _name(annotation: Any) -> str:
    return getattr(annotation, "__name__", None) or repr(annotation)


def _rule_problems(entry: SchemaEntry) -> list[Finding]:
    fields = entry.model.model_fields
    aliases = {(info.alias or ""): name for name, info in fields.items() if info.alias}
    out = []
    for rule, names in (("unique", entry.rules.unique), ("primary_key", entry.rules.primary_key)):
        for name in names:
            if name in fields:
                continue
            hint = f" (use the field name {aliases[name]!r}, not its alias)" if (
                name in aliases) else ""
            out.append(Finding(entry.name, name, ERROR, "rule_unknown_field",
                               f"dvh_rules.{rule} names {name!r}, which is not a field{hint}"))
    rules = entry.rules
    if rules.min_rows is not None and rules.max_rows is not None and (
            rules.min_rows > rules.max_rows):
        out.append(Finding(entry.name, None, ERROR, "rule_impossible",
                           f"min_rows {rules.min_rows} > max_rows {rules.max_rows}"))
    return out


def _row_path(entry: SchemaEntry) -> list[Finding]:
    """Decorator validators need the whole row: the engine validates such models row by row."""
    dec = entry.model.__pydantic_decorators__
    fields = list(entry.model.model_fields)
    hits: dict[str, list[str]] = {}
    for d in dec.field_validators.values():
        targets = fields if "*" in d.info.fields else list(d.info.fields)
        for f in targets:
            hits.setdefault(f, []).append(f"field validator {d.cls_var_name!r}")
    for kind, group in (("model validator", dec.model_validators),
                        ("validator", dec.validators), ("root validator", dec.root_validators)):
        for d in group.values():
            for f in fields:
                hits.setdefault(f, []).append(f"{kind} {d.cls_var_name!r}")
    if not hits:
        return []
    out = []
    for f in fields:
        why = ", ".join(hits.get(f, [])) or "another field's validator puts the model on it"
        out.append(Finding(entry.name, f, WARNING, "row_path",
                           f"checked row by row with the whole model (slow path): {why}"))
    return out
