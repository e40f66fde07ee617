"""Declarative schemas: a JSON Schema document turned back into a Pydantic model, no code run.

The input is what ``dvh schema export`` prints (Pydantic's JSON Schema plus ``x-dvh``; see
``hub.export``), or a hand-written JSON Schema in the same subset. The model is built with
``pydantic.create_model`` from the same Python-level pieces a person would write
(``Annotated[int, Field(gt=0)]``, ``Literal[...]``, a ``StrEnum``...), so the engine, ``schema
show`` and the verdicts (error ``type``, ``msg`` and ``ctx``) are those of the original model.

Pydantic's conventions decide the traps: an inline ``enum`` is a ``Literal`` and a ``$ref`` to
an ``enum`` definition is an ``Enum`` (their errors differ: ``literal_error`` vs ``enum``);
property names are aliases; ``anyOf`` with ``null`` is ``X | None``; ``additionalProperties:
false`` is ``extra="forbid"``. Anything outside the subset is a ``SchemaLoadError`` that names
the property and the keyword, never a crash.
"""

from __future__ import annotations

import copy
import keyword
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from enum import Enum, IntEnum, StrEnum
from typing import Annotated, Any, Literal, Union
from uuid import UUID

import pydantic.types as ptypes
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, TypeAdapter, create_model

from hub.errors import SchemaLoadError
from hub.export import CONFIG_KEYS, decode_value
from hub.rules import DatasetRules

_ANNOTATIONS = frozenset({"title", "description", "examples", "default", "deprecated",
                          "$comment", "readOnly", "writeOnly", "x-dvh-name",
                          "x-dvh-default-factory"})
_TOP_LEVEL = frozenset({"type", "properties", "required", "title", "description", "$defs",
                        "additionalProperties", "x-dvh", "$schema", "$id", "$comment",
                        "examples"})
_NUMBER_KEYS = {"minimum": "ge", "maximum": "le", "exclusiveMinimum": "gt",
                "exclusiveMaximum": "lt", "multipleOf": "multiple_of"}
_STRING_KEYS = {"minLength": "min_length", "maxLength": "max_length", "pattern": "pattern"}
_ARRAY_KEYS = {"minItems": "min_length", "maxItems": "max_length"}
_FORMATS: dict[str, tuple[type, str]] = {
    "date": (date, "date"), "date-time": (datetime, "datetime"), "time": (time, "time"),
    "uuid": (UUID, "uuid"), "duration": (timedelta, "timedelta"), "binary": (bytes, "bytes"),
    **{f"uuid{v}": (UUID, "uuid") for v in (1, 3, 4, 5, 6, 7, 8)},
}
_SCALARS: dict[str, tuple[Any, str, dict[str, str]]] = {
    "integer": (int, "int", _NUMBER_KEYS), "number": (float, "float", _NUMBER_KEYS),
    "boolean": (bool, "bool", {}), "string": (str, "str", _STRING_KEYS),
}
_TEMPORAL_BOUNDS = ("gt", "ge", "lt", "le")


class _Unsupported(Exception):
    """Raised inside the builder; becomes a SchemaLoadError naming the property."""


def _why(msg: str) -> _Unsupported:
    return _Unsupported(msg)


class _Builder:
    def __init__(self, defs: dict[str, Any], *, plain: bool) -> None:
        self.defs = defs
        self.enums: dict[str, type[Enum]] = {}
        self.plain = plain  # not a dvh export: recognise Pydantic's shapes without x-dvh-core

    # -- one node -------------------------------------------------------------------------
    def annotation(self, node: Any) -> Any:
        if not isinstance(node, dict):
            raise _why("a schema must be a JSON object")
        core = node.get("x-dvh-core")
        if core is not None and not isinstance(core, dict):
            raise _why("x-dvh-core must be an object")
        if core and core.get("type") == "decimal":
            return self._decimal(core)
        if "$ref" in node:
            self._only(node, {"$ref"})
            return self._ref(node["$ref"])
        if "anyOf" in node:
            if self.plain and _decimal_shape(node["anyOf"]):
                return self._decimal(_decimal_core(node["anyOf"][0]))
            return self._union(node, core)
        if "enum" in node or "const" in node:
            return self._literal(node)
        kind = node.get("type")
        if isinstance(kind, list):
            self._only(node, {"type"})
            return self._members([{"type": k} for k in kind])
        if kind is None:
            self._only(node, set())
            return Any
        if kind == "null":
            self._only(node, {"type"})
            return None
        if kind == "array":
            return self._array(node)
        if kind in _SCALARS:
            return self._scalar(node, kind, core or {})
        raise _why(f"unsupported type {kind!r}")

    def _only(self, node: dict[str, Any], allowed: set[str]) -> None:
        extra = sorted(set(node) - allowed - _ANNOTATIONS - {"x-dvh-core"})
        if extra:
            raise _why(f"unsupported keyword {extra[0]!r}")

    def _scalar(self, node: dict[str, Any], kind: str, core: dict[str, Any]) -> Any:
        py_type, core_kind, keys = _SCALARS[kind]
        fmt = node.get("format")
        if fmt is not None:
            if kind != "string" or fmt not in _FORMATS:
                raise _why(f"unsupported format {fmt!r}")
            py_type, core_kind = _FORMATS[fmt]
            keys = _STRING_KEYS if py_type is bytes else {}
        self._only(node, {"type", "format", *keys})
        kw = {keys[k]: v for k, v in node.items() if k in keys}
        if core and core.get("type") != core_kind:
            raise _why(f"x-dvh-core says {core.get('type')!r} but the schema says {core_kind!r}")
        if fmt and fmt != "uuid" and fmt.startswith("uuid"):
            core = {"version": int(fmt[4:]), **core}
        py_type, metadata = self._core_options(py_type, core_kind, core, kw)
        return _annotated(py_type, kw, metadata)

    def _core_options(self, py_type: Any, kind: str, core: dict[str, Any],
                      kw: dict[str, Any]) -> tuple[Any, list[Any]]:
        """Apply what only the core schema knew; anything unknown is refused."""
        metadata: list[Any] = []
        strings: dict[str, Any] = {}
        options = {k: v for k, v in core.items() if k != "type"}
        if kind in ("date", "datetime", "time", "timedelta"):
            py_type = _temporal_type(py_type, kind, options)
            for key in _TEMPORAL_BOUNDS:
                if key in options:
                    kw[key] = decode_value(options.pop(key))
        if kind == "uuid" and "version" in options:
            py_type = getattr(ptypes, f"UUID{options.pop('version')}", None)
            if py_type is None:
                raise _why("unsupported UUID version")
        for key, value in options.items():
            if key in ("strict", "coerce_numbers_to_str") or (
                    key == "allow_inf_nan" and kind in ("float", "decimal")):
                kw[key] = value
            elif kind == "str" and key in ("strip_whitespace", "to_lower", "to_upper"):
                strings[key] = value
            else:
                raise _why(f"unsupported {kind} option {key!r}")
        if strings:
            metadata.append(StringConstraints(**strings))
        return py_type, metadata

    def _decimal(self, core: dict[str, Any]) -> Any:
        kw: dict[str, Any] = {}
        for key, value in core.items():
            if key == "type":
                continue
            if key not in ("gt", "ge", "lt", "le", "multiple_of", "max_digits",
                           "decimal_places", "allow_inf_nan", "strict"):
                raise _why(f"unsupported decimal option {key!r}")
            kw[key] = decode_value(value)
        return _annotated(Decimal, kw, [])

    def _array(self, node: dict[str, Any]) -> Any:
        self._only(node, {"type", "items", "uniqueItems", *_ARRAY_KEYS})
        item = self.annotation(node["items"]) if "items" in node else Any
        container = set if node.get("uniqueItems") else list
        kw = {_ARRAY_KEYS[k]: v for k, v in node.items() if k in _ARRAY_KEYS}
        return _annotated(container[item], kw, [])  # type: ignore[index]

    def _literal(self, node: dict[str, Any]) -> Any:
        self._only(node, {"enum", "const", "type"})
        values = node["enum"] if "enum" in node else [node["const"]]
        if not isinstance(values, list) or not values:
            raise _why("enum must be a non-empty list")
        if any(isinstance(v, dict | list) for v in values):
            raise _why("enum values must be scalars")
        return Literal[tuple(values)]  # type: ignore[valid-type]

    def _union(self, node: dict[str, Any], core: dict[str, Any] | None) -> Any:
        self._only(node, {"anyOf"})
        branches = node["anyOf"]
        if not isinstance(branches, list) or not branches:
            raise _why("anyOf must be a non-empty list")
        union = self._members(branches)
        if core:
            if core.get("type") != "union" or set(core) - {"type", "mode"}:
                raise _why("unsupported x-dvh-core on anyOf")
            return Annotated[union, Field(union_mode=core["mode"])]
        return union

    def _members(self, branches: list[Any]) -> Any:
        members = [self.annotation(b) for b in branches]
        nullable = None in members
        members = [m for m in members if m is not None]
        if not members:
            return None
        inner = members[0] if len(members) == 1 else Union[tuple(members)]  # noqa: UP007
        return Union[inner, None] if nullable else inner  # noqa: UP007

    # -- $defs ----------------------------------------------------------------------------
    def _ref(self, ref: Any) -> Any:
        prefix = "#/$defs/"
        if not isinstance(ref, str) or not ref.startswith(prefix):
            raise _why(f"unsupported $ref {ref!r} (only #/$defs/...)")
        key = ref[len(prefix):]
        if key in self.enums:
            return self.enums[key]
        target = self.defs.get(key)
        if not isinstance(target, dict):
            raise _why(f"$ref {ref!r} names no definition")
        if "enum" not in target:
            raise _why(f"$ref {ref!r}: nested objects are not supported (a cell is one value)")
        self.enums[key] = _make_enum(key, target)
        return self.enums[key]


def _decimal_shape(branches: Any) -> bool:
    """Pydantic writes ``Decimal`` as ``anyOf: [number, string]`` (a ``float | str`` union
    looks the same; a dvh export tells them apart with ``x-dvh-core``)."""
    if not isinstance(branches, list) or len(branches) != 2:
        return False
    number, text = branches
    return (isinstance(number, dict) and number.get("type") == "number"
            and set(number) <= {"type", *_NUMBER_KEYS} and isinstance(text, dict)
            and text.get("type") == "string" and set(text) <= {"type", "pattern"})


def _decimal_core(number: dict[str, Any]) -> dict[str, Any]:
    """Bounds of the number branch as Decimals (their text, so 0.1 stays 0.1)."""
    return {_NUMBER_KEYS[k]: Decimal(str(v)) for k, v in number.items() if k in _NUMBER_KEYS}


def _annotated(py_type: Any, kw: dict[str, Any], metadata: list[Any]) -> Any:
    extra = [Field(**kw)] if kw else []
    extra += metadata
    return Annotated[(py_type, *extra)] if extra else py_type


def _temporal_type(py_type: Any, kind: str, options: dict[str, Any]) -> Any:
    tz = options.pop("tz_constraint", None)
    now = options.pop("now_op", None)
    if options.pop("now_utc_offset", None) is not None:
        raise _why(f"unsupported {kind} option 'now_utc_offset'")
    if tz is not None:
        names = {"aware": "AwareDatetime", "naive": "NaiveDatetime"}
        if kind != "datetime" or tz not in names or now is not None:
            raise _why(f"unsupported {kind} option 'tz_constraint'")
        return getattr(ptypes, names[tz])
    if now is not None:
        if kind not in ("date", "datetime") or now not in ("past", "future"):
            raise _why(f"unsupported {kind} option 'now_op'")
        return getattr(ptypes, f"{now.title()}{'Date' if kind == 'date' else 'Datetime'}")
    return py_type


def _make_enum(key: str, target: dict[str, Any]) -> type[Enum]:
    values = target["enum"]
    if not isinstance(values, list) or not values:
        raise _why(f"definition {key!r}: enum must be a non-empty list")
    core = target.get("x-dvh-core") or {}
    extra = set(target) - {"enum", "type", "title", "description", "x-dvh-core", "const"}
    if extra or set(core) - {"type", "sub_type"}:
        raise _why(f"definition {key!r}: unsupported keyword {sorted(extra or set(core))[0]!r}")
    sub = core.get("sub_type")
    if sub is None and "x-dvh-core" not in target:  # hand-written: go by the values
        kinds = {type(v) for v in values}
        sub = "str" if kinds == {str} else "int" if kinds == {int} else None
    members, taken = [], set()
    for i, v in enumerate(values):
        name = v if isinstance(v, str) and v.isidentifier() and not v.startswith("_") else f"V{i}"
        while name in taken:
            name += "_"
        taken.add(name)
        members.append((name, v))
    title = str(target.get("title") or key)
    bases: dict[Any, Any] = {"str": StrEnum, "int": IntEnum, None: Enum}
    if sub == "float":
        cls = Enum(title, members, type=float)  # type: ignore[misc]
    elif sub in bases:
        cls = bases[sub](title, members)
    else:
        raise _why(f"definition {key!r}: unsupported enum kind {sub!r}")
    cls.__doc__ = target.get("description")
    return cls


def _field_name(key: str, node: dict[str, Any], taken: set[str]) -> str:
    wanted = node.get("x-dvh-name")
    if wanted is not None:
        if not isinstance(wanted, str) or not wanted.isidentifier() or wanted.startswith("_"):
            raise _why(f"x-dvh-name {wanted!r} is not a Python identifier")
        if wanted in taken:
            raise _why(f"x-dvh-name {wanted!r} is used twice")
        taken.add(wanted)
        return wanted
    if key.isidentifier() and not keyword.iskeyword(key) and not key.startswith(
            ("_", "model_")) and key not in taken:
        taken.add(key)
        return key
    from hub.pycode import field_name

    return field_name(key, taken)


def _default_kwargs(node: dict[str, Any], annotation: Any, required: bool) -> dict[str, Any]:
    if "default" in node:
        return {"default": _typed_default(node["default"], annotation)}
    if "x-dvh-default-factory" in node:
        value = _typed_default(node["x-dvh-default-factory"], annotation)
        return {"default_factory": lambda: copy.deepcopy(value)}
    return {} if required else {"default": None}


def _typed_default(value: Any, annotation: Any) -> Any:
    """JSON defaults are plain data; give them their Python type (a date, not its string)
    where Pydantic agrees, and keep them as written where it does not (``x: int = None``)."""
    if value is None:
        return None
    try:
        return TypeAdapter(annotation).validate_python(value)
    except Exception:  # any refusal means: keep what the document says
        return value


def _field(builder: _Builder, key: str, node: Any, required: bool, taken: set[str]
           ) -> tuple[str, tuple[Any, Any]]:
    if not isinstance(node, dict):
        raise _why("a property schema must be a JSON object")
    name = _field_name(key, node, taken)
    annotation = builder.annotation(node)
    kw: dict[str, Any] = _default_kwargs(node, annotation, required)
    if name != key:
        kw["alias"] = key
    for src, dst in (("title", "title"), ("description", "description"),
                     ("examples", "examples"), ("deprecated", "deprecated")):
        if src in node:
            kw[dst] = node[src]
    extra = {k: node[k] for k in ("$comment", "readOnly", "writeOnly") if k in node}
    if extra:
        kw["json_schema_extra"] = extra
    return name, (annotation, Field(**kw))


def _rules(raw: Any) -> DatasetRules:
    if raw is None:
        return DatasetRules()
    if not isinstance(raw, dict) or set(raw) - {"primary_key", "unique", "min_rows",
                                                 "max_rows", "null_tokens"}:
        raise SchemaLoadError("x-dvh.rules: expected primary_key, unique, min_rows, max_rows, "
                              "null_tokens")
    out: dict[str, Any] = {}
    for key in ("primary_key", "unique", "null_tokens"):
        value = raw.get(key) or []
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise SchemaLoadError(f"x-dvh.rules.{key}: expected a list of strings")
        out[key] = tuple(value)
    for key in ("min_rows", "max_rows"):
        value = raw.get(key)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
            raise SchemaLoadError(f"x-dvh.rules.{key}: expected an integer or null")
        out[key] = value
    return DatasetRules(**out)


def _config(doc: dict[str, Any], xdvh: dict[str, Any]) -> dict[str, Any]:
    config = xdvh.get("config") or {}
    if not isinstance(config, dict):
        raise SchemaLoadError("x-dvh.config must be an object")
    unknown = sorted(set(config) - set(CONFIG_KEYS))
    if unknown:
        raise SchemaLoadError(f"x-dvh.config: unsupported key {unknown[0]!r}")
    config = dict(config)
    extra = doc.get("additionalProperties")
    if extra is False:
        config["extra"] = "forbid"
    elif extra is True:
        config.setdefault("extra", "allow")
    elif extra is not None:
        raise SchemaLoadError("additionalProperties: only true or false are supported")
    return config


def build_model(doc: Any, name: str) -> tuple[type[BaseModel], str | None]:
    """The model a JSON Schema document describes, and its declared version.

    Raises ``SchemaLoadError`` (naming the property and keyword) for anything unsupported.
    """
    try:
        return _build(doc, name)
    except SchemaLoadError as exc:
        raise SchemaLoadError(f"schema {name!r}: {exc}") from None
    except Exception as exc:  # pydantic refusing a pattern, a bad config value...
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        raise SchemaLoadError(f"schema {name!r}: {type(exc).__name__}: {first}") from None


def _build(doc: Any, name: str) -> tuple[type[BaseModel], str | None]:
    if not isinstance(doc, dict):
        raise SchemaLoadError("a JSON Schema document must be a JSON object")
    unknown = sorted(set(doc) - _TOP_LEVEL)
    if unknown:
        raise SchemaLoadError(f"unsupported top-level keyword {unknown[0]!r}")
    if doc.get("type", "object") != "object":
        raise SchemaLoadError("the top level must be an object schema (one row)")
    xdvh = doc.get("x-dvh") or {}
    if not isinstance(xdvh, dict):
        raise SchemaLoadError("x-dvh must be an object")
    if xdvh.get("lossy"):
        raise SchemaLoadError("the export could not carry everything the model checks ("
                              + "; ".join(map(str, xdvh["lossy"])) + "); keep it as Python")
    props = doc.get("properties") or {}
    required = doc.get("required") or []
    defs = doc.get("$defs") or {}
    if not isinstance(props, dict) or not isinstance(required, list) or not isinstance(
            defs, dict):
        raise SchemaLoadError("properties and $defs must be objects, required a list")
    builder = _Builder(defs, plain="x-dvh" not in doc)
    fields: dict[str, Any] = {}
    taken: set[str] = set()
    for key, node in props.items():
        try:
            field_name, spec = _field(builder, key, node, key in required, taken)
        except _Unsupported as exc:
            raise SchemaLoadError(f"property {key!r}: {exc}") from None
        fields[field_name] = spec
    title = doc.get("title") or name
    model = create_model(str(title), __config__=ConfigDict(**_config(doc, xdvh)),
                         __doc__=doc.get("description"), **fields)
    model.dvh_rules = _rules(xdvh.get("rules"))  # type: ignore[attr-defined]
    version = xdvh.get("version")
    return model, str(version) if version is not None else None
