"""Human-readable descriptions of a schema: fields, constraints, rules, and how each is checked."""

from __future__ import annotations

import dataclasses
import types
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from hub.compile import compile_plan
from hub.registry import SchemaEntry
from hub.rules import Unique

_LITERAL_SHOWN = 6


def type_name(annotation: Any, constraints: list[str] | None = None) -> str:
    """``int | None`` rather than ``typing.Optional[int]``; constraints inside ``Annotated``
    are collected into ``constraints`` instead of cluttering the type."""
    sink = constraints if constraints is not None else []
    origin = get_origin(annotation)
    args = get_args(annotation)
    if origin is Annotated:
        for meta in args[1:]:
            sink.extend(_constraints_of(meta))
        return type_name(args[0], sink)
    if origin in (Union, types.UnionType):
        return " | ".join(type_name(a, sink) for a in args)
    if origin is Literal:
        shown = ", ".join(repr(a) for a in args[:_LITERAL_SHOWN])
        more = f", … {len(args)} values" if len(args) > _LITERAL_SHOWN else ""
        return f"Literal[{shown}{more}]"
    if annotation is type(None):
        return "None"
    if origin is not None:
        inner = ", ".join(type_name(a, sink) for a in args)
        return f"{getattr(origin, '__name__', repr(origin))}[{inner}]"
    return getattr(annotation, "__name__", repr(annotation))


def _constraints_of(meta: Any) -> list[str]:
    if isinstance(meta, Unique) or meta is Unique:
        return ["unique"]
    if isinstance(meta, FieldInfo):
        return [c for m in meta.metadata for c in _constraints_of(m)]
    if dataclasses.is_dataclass(meta):
        values = {f.name: getattr(meta, f.name) for f in dataclasses.fields(meta)}
    else:
        values = dict(getattr(meta, "__dict__", {}))
    values = {k: v for k, v in values.items() if v is not None and not k.startswith("_")}
    if not values:
        return [type(meta).__name__]
    return [f"{k}={v!r}" if isinstance(v, str) else f"{k}={v}" for k, v in values.items()]


def describe_fields(entry: SchemaEntry) -> dict[str, Any]:
    """What ``dvh schema show`` prints: one entry per field, plus dataset rules."""
    plan = compile_plan(entry)
    fields = []
    for fp in plan.fields:
        info = entry.model.model_fields[fp.name]
        if info.default is not PydanticUndefined:
            default = repr(info.default)
        elif info.default_factory is not None:
            default = f"{getattr(info.default_factory, '__name__', 'factory')}()"
        else:
            default = ""
        constraints = [c for m in info.metadata for c in _constraints_of(m)]
        shown_type = type_name(info.annotation, constraints)
        if fp.name in entry.rules.unique and "unique" not in constraints:
            constraints.append("unique")
        fields.append({
            "name": fp.name, "column": fp.header, "type": shown_type,
            "required": fp.required_column, "nullable": fp.nullable, "default": default,
            "constraints": "; ".join(constraints),
        })
    return {
        "name": entry.name, "version": entry.version, "fingerprint": entry.fingerprint,
        "fields": fields, "rules": entry.rules.as_dict(),
        "extra": "forbidden" if plan.forbid_extra else "ignored",
    }


def explain(entry: SchemaEntry) -> list[dict[str, str]]:
    """Per field, which path checks it and why (what ``dvh schema explain`` prints).

    Paths: ``vectorised`` (Arrow kernels accept what Pydantic provably accepts; Pydantic
    judges the rest per distinct value), ``distinct-value`` (Pydantic judges each distinct
    value once), ``row`` (validators run per row through Pydantic).
    """
    plan = compile_plan(entry)
    return [{"field": fp.name, "column": fp.header, "path": fp.path, "why": fp.why}
            for fp in plan.fields]
