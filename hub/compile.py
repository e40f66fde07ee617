"""Compile a Pydantic model into a validation plan: one column check per field plus rules.

A plan is built once per schema fingerprint and reused for every file and batch.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BaseModel, TypeAdapter, ValidationError
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from hub.registry import SchemaEntry
from hub.rules import DatasetRules, Unique


@dataclass(frozen=True)
class FieldPlan:
    """How one field's column is checked."""

    name: str
    alias: str | None
    adapter: TypeAdapter[Any]
    nullable: bool  # the type admits None: an empty cell is None
    has_default: bool  # an empty cell takes the default
    required_column: bool  # a missing column is an error

    @property
    def header(self) -> str:
        """The column name the report uses: the alias when there is one."""
        return self.alias or self.name


@dataclass(frozen=True)
class Plan:
    schema: SchemaEntry
    fields: tuple[FieldPlan, ...]
    rules: DatasetRules
    forbid_extra: bool
    row_validators: bool  # the model has validators that need the whole row

    def field(self, name: str) -> FieldPlan:
        return next(f for f in self.fields if f.name == name)


def _field_adapter(model: type[BaseModel], info: FieldInfo) -> TypeAdapter[Any]:
    metadata = [m for m in info.metadata if not isinstance(m, Unique) and m is not Unique]
    annotation: Any = Annotated[(info.annotation, *metadata)] if metadata else info.annotation
    config = {k: v for k, v in model.model_config.items() if k in _FIELD_CONFIG_KEYS}
    return TypeAdapter(annotation, config=config or None)  # type: ignore[arg-type]


# Config keys that change how a single value validates (the rest concern the model as a whole).
_FIELD_CONFIG_KEYS = frozenset({
    "str_strip_whitespace", "str_to_lower", "str_to_upper", "str_min_length", "str_max_length",
    "strict", "allow_inf_nan", "coerce_numbers_to_str", "use_enum_values", "ser_json_timedelta",
    "val_temporal_unit", "regex_engine", "hide_input_in_errors", "arbitrary_types_allowed",
    "ser_json_inf_nan", "validate_default",
})


def _admits_none(adapter: TypeAdapter[Any]) -> bool:
    try:
        adapter.validate_python(None)
    except ValidationError:
        return False
    return True


def _has_row_validators(model: type[BaseModel]) -> bool:
    dec = model.__pydantic_decorators__
    return bool(dec.field_validators or dec.model_validators or dec.validators
                or dec.root_validators)


def _compile(schema: SchemaEntry) -> Plan:
    model = schema.model
    fields = []
    for name, info in model.model_fields.items():
        adapter = _field_adapter(model, info)
        has_default = info.default is not PydanticUndefined or info.default_factory is not None
        alias = info.validation_alias if isinstance(info.validation_alias, str) else info.alias
        fields.append(FieldPlan(
            name=name, alias=alias, adapter=adapter, nullable=_admits_none(adapter),
            has_default=has_default, required_column=not has_default,
        ))
    return Plan(
        schema=schema, fields=tuple(fields), rules=schema.rules,
        forbid_extra=model.model_config.get("extra") == "forbid",
        row_validators=_has_row_validators(model),
    )


@functools.lru_cache(maxsize=64)
def _compile_cached(fingerprint: str, schema: SchemaEntry) -> Plan:
    return _compile(schema)


def compile_plan(schema: SchemaEntry) -> Plan:
    """The plan for a schema, cached per fingerprint (and model identity)."""
    return _compile_cached(schema.fingerprint, schema)
