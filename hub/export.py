"""A schema as one JSON document: its JSON Schema, plus what JSON Schema cannot say.

Pydantic's JSON Schema drops details that change verdicts: ``allow_inf_nan=False``, ``strict``,
a ``Decimal``'s digits and exact bounds (they come out as floats), date bounds, time-zone
constraints, UUID versions, which kind of ``Enum`` a ``$ref`` names, and the Python field name
behind an alias. ``DvhJsonSchema`` keeps them next to the standard keywords under
``x-dvh-core`` (the leftover keys of Pydantic's core schema, values typed), so a declarative
schema can be rebuilt with the same verdicts. Standard tools ignore ``x-`` keywords.

``export_document`` then checks itself: it rebuilds the model from the document and compares
each field's core schema with the original's, and lists what did not survive under
``x-dvh.lossy`` (a model with validators, say). Registration refuses a lossy document.
"""

from __future__ import annotations

import copy
import json
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from enum import Enum
from re import Pattern
from typing import Annotated, Any

from pydantic import BaseModel, TypeAdapter
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue
from pydantic_core import PydanticUndefined, core_schema, to_jsonable_python

from hub.registry import SchemaEntry
from hub.rules import Unique

# Config keys that change verdicts or are cheap to carry; all have JSON values.
CONFIG_KEYS = (
    "extra", "strict", "str_strip_whitespace", "str_to_lower", "str_to_upper",
    "str_min_length", "str_max_length", "allow_inf_nan", "coerce_numbers_to_str",
    "use_enum_values", "populate_by_name", "validate_by_name", "validate_by_alias",
    "regex_engine", "validate_default", "hide_input_in_errors", "val_temporal_unit",
)
_ALWAYS = frozenset({"type", "ref", "metadata", "serialization", "cls", "members", "expected"})
_NUMERIC = frozenset({"multiple_of", "le", "ge", "lt", "gt"})
_REPRESENTED: dict[str, frozenset[str]] = {
    "int": _NUMERIC, "float": _NUMERIC, "str": frozenset({"pattern", "max_length", "min_length"}),
    "bytes": frozenset({"max_length", "min_length"}), "decimal": frozenset(),
    "bool": frozenset(), "date": frozenset(), "time": frozenset(), "datetime": frozenset(),
    "timedelta": frozenset(), "uuid": frozenset(), "enum": frozenset(),
}


def encode_value(value: Any) -> Any:
    """Core-schema values as JSON that remembers the Python type (``0`` and ``Decimal('0')``
    give different error messages and ``ctx``)."""
    if isinstance(value, bool | int | float | str) or value is None:
        return value
    if isinstance(value, Decimal):
        return {"$decimal": str(value)}
    if isinstance(value, datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    if isinstance(value, time):
        return {"$time": value.isoformat()}
    if isinstance(value, timedelta):
        return {"$timedelta": value.total_seconds()}
    if isinstance(value, Pattern):
        return value.pattern
    raise TypeError(f"cannot carry {type(value).__name__} in JSON")


def decode_value(value: Any) -> Any:
    if not isinstance(value, dict):
        return value
    if len(value) != 1:
        raise ValueError(f"bad typed value {value!r}")
    ((tag, raw),) = value.items()
    decoders = {"$decimal": Decimal, "$datetime": datetime.fromisoformat,
                "$date": date.fromisoformat, "$time": time.fromisoformat,
                "$timedelta": lambda s: timedelta(seconds=s)}
    if tag not in decoders:
        raise ValueError(f"unknown typed value {tag!r}")
    return decoders[tag](raw)


class DvhJsonSchema(GenerateJsonSchema):
    """Pydantic's JSON Schema, plus ``x-dvh-core`` wherever the core schema says more."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lossy: list[str] = []

    def _with_core(self, json_schema: JsonSchemaValue, schema: Any, kind: str,
                   always: bool = False) -> JsonSchemaValue:
        keep = _REPRESENTED[kind] | _ALWAYS
        extra: dict[str, Any] = {}
        for key, value in schema.items():
            if key in keep or value is None:
                continue
            if key == "microseconds_precision" and value == "truncate":
                continue  # the default, spelled out by AwareDatetime and friends
            try:
                extra[key] = encode_value(value)
            except TypeError:
                self.lossy.append(f"{kind} option {key!r} has no JSON form")
        if extra or always:
            json_schema = {**json_schema, "x-dvh-core": {"type": kind, **extra}}
        return json_schema

    def int_schema(self, schema: core_schema.IntSchema) -> JsonSchemaValue:
        return self._with_core(super().int_schema(schema), schema, "int")

    def float_schema(self, schema: core_schema.FloatSchema) -> JsonSchemaValue:
        return self._with_core(super().float_schema(schema), schema, "float")

    def decimal_schema(self, schema: core_schema.DecimalSchema) -> JsonSchemaValue:
        return self._with_core(super().decimal_schema(schema), schema, "decimal", always=True)

    def str_schema(self, schema: core_schema.StringSchema) -> JsonSchemaValue:
        return self._with_core(super().str_schema(schema), schema, "str")

    def bytes_schema(self, schema: core_schema.BytesSchema) -> JsonSchemaValue:
        return self._with_core(super().bytes_schema(schema), schema, "bytes")

    def bool_schema(self, schema: core_schema.BoolSchema) -> JsonSchemaValue:
        return self._with_core(super().bool_schema(schema), schema, "bool")

    def date_schema(self, schema: core_schema.DateSchema) -> JsonSchemaValue:
        return self._with_core(super().date_schema(schema), schema, "date")

    def time_schema(self, schema: core_schema.TimeSchema) -> JsonSchemaValue:
        return self._with_core(super().time_schema(schema), schema, "time")

    def datetime_schema(self, schema: core_schema.DatetimeSchema) -> JsonSchemaValue:
        return self._with_core(super().datetime_schema(schema), schema, "datetime")

    def timedelta_schema(self, schema: core_schema.TimedeltaSchema) -> JsonSchemaValue:
        return self._with_core(super().timedelta_schema(schema), schema, "timedelta")

    def uuid_schema(self, schema: core_schema.UuidSchema) -> JsonSchemaValue:
        return self._with_core(super().uuid_schema(schema), schema, "uuid")

    def enum_schema(self, schema: core_schema.EnumSchema) -> JsonSchemaValue:
        if schema.get("missing") is not None:
            self.lossy.append(f"enum {schema['cls'].__name__} has a _missing_ hook")
        base = {k: v for k, v in schema.items() if k != "missing"}
        return self._with_core(super().enum_schema(schema), base, "enum", always=True)

    def union_schema(self, schema: core_schema.UnionSchema) -> JsonSchemaValue:
        out = super().union_schema(schema)
        mode = schema.get("mode")
        if mode and mode != "smart" and "anyOf" in out:
            out = {**out, "x-dvh-core": {"type": "union", "mode": mode}}
        return out

    def _lossy_function(self, what: str) -> None:
        self.lossy.append(f"a {what}-validator function (code cannot travel as JSON)")

    def function_before_schema(self, schema: core_schema.BeforeValidatorFunctionSchema
                               ) -> JsonSchemaValue:
        self._lossy_function("before")
        return super().function_before_schema(schema)

    def function_after_schema(self, schema: core_schema.AfterValidatorFunctionSchema
                              ) -> JsonSchemaValue:
        self._lossy_function("after")
        return super().function_after_schema(schema)

    def function_wrap_schema(self, schema: core_schema.WrapValidatorFunctionSchema
                             ) -> JsonSchemaValue:
        self._lossy_function("wrap")
        return super().function_wrap_schema(schema)

    def function_plain_schema(self, schema: core_schema.PlainValidatorFunctionSchema
                              ) -> JsonSchemaValue:
        self._lossy_function("plain")
        return super().function_plain_schema(schema)


def contract_schema(model: type[BaseModel]) -> tuple[dict[str, Any], list[str]]:
    """The model's JSON Schema with ``x-dvh-core`` details, and what could not be carried."""
    gen = DvhJsonSchema(by_alias=True)
    doc = gen.generate(model.__pydantic_core_schema__, mode="validation")
    lossy = list(dict.fromkeys(gen.lossy))
    props = doc.get("properties", {})
    for name, info in model.model_fields.items():
        alias = info.validation_alias if isinstance(info.validation_alias, str) else info.alias
        key = alias or name
        if key in props and key != name:
            props[key] = {**props[key], "x-dvh-name": name}
        if info.default_factory is not None and key in props:
            try:
                value = info.default_factory()  # type: ignore[call-arg]
                props[key] = {**props[key], "x-dvh-default-factory": to_jsonable_python(value)}
            except Exception:
                lossy.append(f"field {name!r}: its default factory has no JSON value")
    return doc, lossy


def _config_of(model: type[BaseModel]) -> dict[str, Any]:
    return {k: model.model_config[k] for k in CONFIG_KEYS  # type: ignore[literal-required]
            if k in model.model_config and _jsonable(model.model_config[k])}  # type: ignore


def _jsonable(value: Any) -> bool:
    try:
        json.dumps(value)
    except TypeError:
        return False
    return True


def export_document(entry: SchemaEntry) -> dict[str, Any]:
    """What ``dvh schema export`` prints and ``dvh schema add`` / ``PUT /schemas/{name}`` take."""
    model = entry.model
    doc, functions = contract_schema(model)
    decorators = model.__pydantic_decorators__
    lossy = []
    for kind in ("field_validators", "model_validators", "validators", "root_validators"):
        for dec in getattr(decorators, kind).values():
            lossy.append(f"{kind.replace('_', ' ')[:-1]} {dec.cls_var_name!r}")
    lossy += functions
    doc["x-dvh"] = {
        "name": entry.name, "version": entry.version, "fingerprint": entry.fingerprint,
        "rules": entry.rules.as_dict(), "config": _config_of(model),
    }
    if not lossy:
        lossy = _verify(entry, doc)
    if lossy:
        doc["x-dvh"]["lossy"] = list(dict.fromkeys(lossy))
    return doc


def _verify(entry: SchemaEntry, doc: dict[str, Any]) -> list[str]:
    """Rebuild the model from ``doc`` and name the fields whose checks would differ."""
    from hub.declarative import build_model
    from hub.errors import SchemaLoadError

    try:
        rebuilt, _ = build_model(copy.deepcopy(doc), entry.name)
    except SchemaLoadError as exc:
        return [str(exc)]
    out = []
    original = entry.model
    if _config_of(original) != _config_of(rebuilt):
        out.append("model configuration")
    if set(original.model_fields) != set(rebuilt.model_fields):
        return [*out, "field names"]
    for name, info in original.model_fields.items():
        other = rebuilt.model_fields[name]
        if _field_signature(original, info) != _field_signature(rebuilt, other):
            out.append(f"field {name!r}")
    return out


def _field_signature(model: type[BaseModel], info: Any) -> str:
    """Everything about a field that decides a verdict, as comparable text."""
    metadata = [m for m in info.metadata if not isinstance(m, Unique) and m is not Unique]
    annotation = Annotated[(info.annotation, *metadata)] if metadata else info.annotation
    schema = TypeAdapter(annotation).core_schema
    alias = info.validation_alias if isinstance(info.validation_alias, str) else info.alias
    default = info.default if info.default is not PydanticUndefined else "<required>"
    if info.default_factory is not None:
        default = "<factory>"
    return json.dumps([_normal(schema, {}), alias, _normal(default, {})], sort_keys=True,
                      default=repr)


def _normal(node: Any, defs: dict[str, Any]) -> Any:
    """A core schema as plain data: refs inlined, classes by name, bookkeeping keys dropped."""
    if isinstance(node, dict):
        if node.get("type") == "definitions":
            defs = {**defs, **{d["ref"]: d for d in node["definitions"]}}
            return _normal(node["schema"], defs)
        if node.get("type") == "definition-ref":
            return _normal(defs.get(node["schema_ref"], node["schema_ref"]), defs)
        return {k: _normal(v, defs) for k, v in node.items()
                if k not in ("ref", "metadata", "serialization")}
    if isinstance(node, list | tuple):
        return [_normal(v, defs) for v in node]
    if isinstance(node, Enum):
        return {"$enum": node.value}
    if isinstance(node, type):
        return {"$class": node.__name__}
    if isinstance(node, Decimal | date | time | timedelta):
        return {"$" + type(node).__name__: str(node)}
    return node
