"""Decide, per field, whether a vectorised check can stand in for Pydantic, and say why.

The decision reads the field's pydantic-core schema (what Pydantic will actually run), not the
annotation: a key this module does not know, a validator function, strict mode or a config
option that changes parsing all mean "no fast path", and Pydantic decides every value.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any

from hub.kernels import Spec, exact_float, re2_compatible

# Keys that never change what a value validates to (only documentation or identity).
_INERT = frozenset({"metadata", "ref", "serialization"})
# Config keys that leave the acceptance of a text cell unchanged.
_INERT_CONFIG = frozenset({
    "ser_json_timedelta", "ser_json_inf_nan", "use_enum_values", "hide_input_in_errors",
    "arbitrary_types_allowed", "validate_default", "coerce_numbers_to_str", "val_temporal_unit",
    "title", "allow_inf_nan",  # only rejects inf/nan, which no kernel accepts
})
_TEXTUAL = frozenset({"str", "literal", "enum"})
# Config keys that change parsing only for some types (any other key: every type).
_CONFIG_KINDS = {
    "str_strip_whitespace": _TEXTUAL, "str_to_lower": _TEXTUAL, "str_to_upper": _TEXTUAL,
    "str_min_length": _TEXTUAL, "str_max_length": _TEXTUAL, "regex_engine": {"str"},
}
_KEYS = {
    "int": {"gt", "ge", "lt", "le", "multiple_of", "strict"},
    "float": {"gt", "ge", "lt", "le", "allow_inf_nan", "strict"},
    "decimal": {"gt", "ge", "lt", "le", "max_digits", "decimal_places", "allow_inf_nan",
                "strict"},
    "bool": {"strict"},
    "str": {"min_length", "max_length", "pattern", "strict", "regex_engine"},
    "literal": {"expected"},
    "enum": {"cls", "members", "sub_type", "missing", "strict"},
    "date": {"strict", "microseconds_precision"},
    "datetime": {"strict", "tz_constraint", "microseconds_precision"},
    "time": {"strict", "tz_constraint", "microseconds_precision"},
    "uuid": {"strict"},
}
# Field types whose validated values compare as Arrow int64 or strings (for uniqueness).
KEY_KINDS = {"int": "int", "str": "str", "choice": "str", "date": "str", "uuid": "str"}


@dataclass(frozen=True)
class Analysis:
    """The outcome for one field: a Spec for the vectorised path, or the reason there is none."""

    spec: Spec | None
    why: str
    key_kind: str | None = None  # "int" or "str" when keys can be built without Python objects


def _unwrap(schema: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """Strip ``definitions`` / ``nullable`` wrappers: (inner schema, admits None)."""
    defs: dict[str, Any] = {}
    nullable = False
    while True:
        kind = schema.get("type")
        if kind == "definitions":
            defs.update({d["ref"]: d for d in schema.get("definitions", []) if "ref" in d})
            schema = schema["schema"]
        elif kind == "definition-ref" and schema.get("schema_ref") in defs:
            schema = defs[schema["schema_ref"]]
        elif kind == "nullable" and set(schema) <= {"type", "schema"} | _INERT:
            nullable = True
            schema = schema["schema"]
        else:
            return schema, nullable


def analyse(core_schema: dict[str, Any], config: dict[str, Any] | None) -> Analysis:
    """A Spec when every value the fast path accepts is provably accepted by Pydantic."""
    inner, _ = _unwrap(core_schema)
    kind = inner.get("type", "?")
    odd_config = sorted(k for k in set(config or {}) - _INERT_CONFIG
                        if kind in _CONFIG_KINDS.get(k, (kind,)))
    if odd_config:
        return Analysis(None, f"config {', '.join(odd_config)} changes parsing: Pydantic "
                        "checks each distinct value")
    if kind.startswith("function-"):
        return Analysis(None, "an Annotated validator function: Pydantic checks each distinct "
                        "value")
    allowed = _KEYS.get(kind)
    if allowed is None:
        return Analysis(None, f"type {kind!r} has no vectorised check: Pydantic checks each "
                        "distinct value")
    extra = sorted(set(inner) - allowed - _INERT - {"type"})
    if extra:
        return Analysis(None, f"{kind} with {', '.join(extra)}: Pydantic checks each distinct "
                        "value")
    if inner.get("strict"):
        return Analysis(None, "strict mode rejects text: Pydantic checks each distinct value")
    builder = _SPECS[kind]
    spec, why = builder(inner)
    if spec is None:
        return Analysis(None, why)
    return Analysis(spec, why, KEY_KINDS.get(spec.kind))


def _bounds(schema: dict[str, Any], accept: Any) -> dict[str, Any] | None:
    out = {k: schema[k] for k in ("gt", "ge", "lt", "le") if k in schema}
    return out if all(accept(v) for v in out.values()) else None


def _is_int(v: Any) -> bool:
    """An int that fits int64 (so numpy compares it exactly)."""
    return isinstance(v, int) and not isinstance(v, bool) and -(2**63) <= v < 2**63


def _int(schema: dict[str, Any]) -> tuple[Spec | None, str]:
    bounds = _bounds(schema, _is_int)
    mult = schema.get("multiple_of")
    if bounds is None or (mult is not None and not (_is_int(mult) and mult > 0)):
        return None, "int with non-integer bounds: Pydantic checks each distinct value"
    why = "ASCII digits (and a leading -) cast to int64"
    if bounds or mult:
        why += f", then {_says(bounds, mult)} in Arrow"
    return Spec("int", multiple_of=mult, **bounds), why


def _float(schema: dict[str, Any]) -> tuple[Spec | None, str]:
    bounds = _bounds(schema, exact_float)
    if bounds is None:
        return None, "float bounds not exact in float64: Pydantic checks each distinct value"
    spec = Spec("float", allow_inf_nan=schema.get("allow_inf_nan", True), **bounds)
    return spec, "plain decimals cast to float64" + (
        f", then {_says(bounds)} in Arrow" if bounds else "")


def _decimal(schema: dict[str, Any]) -> tuple[Spec | None, str]:
    bounds = _bounds(schema, lambda v: exact_float(v) or (_is_int(v) and abs(v) < 2**1000))
    if bounds is None:
        return None, "Decimal bounds too large for float64: Pydantic checks each distinct value"
    places = {k: schema[k] for k in ("max_digits", "decimal_places") if k in schema}
    spec = Spec("decimal", **bounds, **places)
    return spec, "plain decimals, digits counted as Pydantic does" + (
        f", {_says({**bounds, **places})}" if bounds or places else "")


def _bool(schema: dict[str, Any]) -> tuple[Spec | None, str]:
    return Spec("bool"), "Pydantic's true/false tokens matched in Arrow"


def _str(schema: dict[str, Any]) -> tuple[Spec | None, str]:
    pattern = schema.get("pattern")
    engine = schema.get("regex_engine", "rust-regex")
    if pattern is not None and (engine != "rust-regex" or not re2_compatible(pattern)):
        return None, ("pattern uses syntax where RE2 and Rust's regex may differ: Pydantic "
                      "checks each distinct value")
    lengths = {k: schema[k] for k in ("min_length", "max_length") if k in schema}
    spec = Spec("str", pattern=pattern, **lengths)
    parts = [_says(lengths)] if lengths else []
    if pattern is not None:
        parts.append("pattern by RE2 on ASCII text")
    return spec, "any text is a str" + (f"; {', '.join(parts)} in Arrow" if parts else "")


def _literal(schema: dict[str, Any]) -> tuple[Spec | None, str]:
    choices = tuple(v for v in schema["expected"] if type(v) is str)
    if not choices:
        return None, "Literal without string values: Pydantic checks each distinct value"
    return Spec("choice", choices=choices), f"membership in {len(choices)} literal strings"


def _enum(schema: dict[str, Any]) -> tuple[Spec | None, str]:
    members: list[Enum] = schema["members"]
    choices = tuple(m.value for m in members if type(m.value) is str)
    if not choices:
        return None, "Enum without string values: Pydantic checks each distinct value"
    return Spec("choice", choices=choices), f"membership in {len(choices)} enum values"


def _temporal(kind: str) -> Any:
    def build(schema: dict[str, Any]) -> tuple[Spec | None, str]:
        tz = schema.get("tz_constraint")
        if tz not in (None, "aware", "naive"):
            return None, f"{kind} with a fixed offset: Pydantic checks each distinct value"
        return Spec(kind, tz=tz), f"fixed-width ISO {kind} shapes checked byte-wise, " \
            "calendar and clock included"
    return build


def _uuid(schema: dict[str, Any]) -> tuple[Spec | None, str]:
    return Spec("uuid"), "hyphenated hex shape checked byte-wise"


def _says(constraints: dict[str, Any], mult: Any = None) -> str:
    parts = [f"{k}={v}" for k, v in constraints.items()]
    if mult is not None:
        parts.append(f"multiple_of={mult}")
    return " ".join(parts)


_SPECS = {
    "int": _int, "float": _float, "decimal": _decimal, "bool": _bool, "str": _str,
    "literal": _literal, "enum": _enum, "date": _temporal("date"),
    "datetime": _temporal("datetime"), "time": _temporal("time"), "uuid": _uuid,
}
