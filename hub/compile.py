"""Compile a Pydantic model into a validation plan: one column check per field plus rules.

A plan is built once per schema fingerprint and reused for every file and batch. Per field it
settles the path (see ``dvh schema explain``):

- ``vectorised``: Arrow kernels accept what Pydantic provably accepts; the rest goes to
  Pydantic per distinct value (``hub.fastpath`` decides, from the field's core schema);
- ``distinct-value``: Pydantic (one TypeAdapter per field) checks each distinct value once;
- ``row``: validators run per row through Pydantic: a one-field model for field validators
  that only see their value, the whole model for validators that read ``info.data``.
"""

from __future__ import annotations

import functools
import inspect
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any

from pydantic import BaseModel, TypeAdapter, ValidationError, create_model, field_validator
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from hub.checks import SchemaChecks
from hub.fastpath import Analysis, analyse
from hub.kernels import Kernel, Spec, text_kernel
from hub.lean import keep_pandas_out
from hub.registry import SchemaEntry
from hub.report import ErrorItem
from hub.rules import DatasetRules, Unique

VECTORISED, DISTINCT, ROW = "vectorised", "distinct-value", "row"


@dataclass(frozen=True)
class FieldPlan:
    """How one field's column is checked."""

    name: str
    alias: str | None
    adapter: TypeAdapter[Any]
    nullable: bool  # the type admits None: an empty cell is None
    has_default: bool  # an empty cell takes the default
    required_column: bool  # a missing column is an error
    path: str = DISTINCT
    why: str = ""
    spec: Spec | None = None
    key_kind: str | None = None  # "int" / "str": uniqueness keys as Arrow arrays
    row_model: type[BaseModel] | None = None  # one-field model carrying the field validators
    _typed: dict[str, Kernel | None] = field(default_factory=dict, compare=False, repr=False)

    @property
    def header(self) -> str:
        """The column name the report uses: the alias when there is one."""
        return self.alias or self.name

    @property
    def key(self) -> str:
        """The key the field reads from a row dict."""
        return self.alias or self.name

    @functools.cached_property
    def text_kernel(self) -> Kernel | None:
        return text_kernel(self.spec) if self.spec is not None else None

    def typed_kernel(self, arrow_type: Any) -> Kernel | None:
        """The kernel for a typed (Parquet) column, cached per Arrow type."""
        if self.spec is None:
            return None
        name = str(arrow_type)
        if name not in self._typed:
            from hub.typed import typed_kernel

            self._typed[name] = typed_kernel(self.spec, arrow_type)
        return self._typed[name]


@dataclass(frozen=True)
class Plan:
    schema: SchemaEntry
    fields: tuple[FieldPlan, ...]
    rules: DatasetRules
    forbid_extra: bool
    whole_row: bool = False  # a before/wrap model validator: every field goes through the row
    row_fields: frozenset[str] = frozenset()  # validators that read info.data
    model_after: bool = False  # after-validators / post-init: run on rows whose fields pass
    user_code: threading.Lock = field(default_factory=threading.Lock, compare=False)
    # Each check's severity, when the schema declares a warning (None: every failure is an
    # error and items carry no severity, so such reports stay as they were).
    checks: SchemaChecks | None = None

    def stamp(self, items: list[ErrorItem]) -> list[ErrorItem]:
        """Set the declared severity on file-level items (header, row count), in place."""
        if self.checks is not None:
            for item in items:
                item.severity = self.checks.severity(item.loc, item.type)  # type: ignore[assignment]
        return items

    @property
    def row_validators(self) -> bool:
        """Some rows go through the whole model."""
        return self.whole_row or bool(self.row_fields) or self.model_after

    def field(self, name: str) -> FieldPlan:
        return next(f for f in self.fields if f.name == name)

    @property
    def headers(self) -> list[str]:
        """The fields' column names in order: a file without a header has these columns, by
        position (the careful reader and the Arrow pieces name them alike)."""
        return [fp.header for fp in self.fields]

    @property
    def key_columns(self) -> tuple[str, ...]:
        """The fields whose values identify a row in a report (primary key, else first unique)."""
        return tuple(self.rules.primary_key) or tuple(self.rules.unique[:1])


def _field_adapter(model: type[BaseModel], info: FieldInfo) -> tuple[TypeAdapter[Any], dict]:
    metadata = [m for m in info.metadata if not isinstance(m, Unique) and m is not Unique]
    annotation: Any = Annotated[(info.annotation, *metadata)] if metadata else info.annotation
    config = {k: v for k, v in model.model_config.items() if k in _FIELD_CONFIG_KEYS}
    return TypeAdapter(annotation, config=config or None), config  # type: ignore[arg-type]


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


def _takes_info(func: Callable[..., Any], mode: str) -> bool:
    """Whether a validator takes ``info`` (and so may read other fields through info.data)."""
    try:
        params = list(inspect.signature(func).parameters.values())
    except (TypeError, ValueError):
        return True
    if any(p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in params):
        return True
    return len(params) > (2 if mode == "wrap" else 1)


def _has_info_function(schema: Any) -> bool:
    """An Annotated validator function that takes ``info`` somewhere in the core schema."""
    if isinstance(schema, dict):
        fn = schema.get("function")
        if schema.get("type", "").startswith("function-") and isinstance(fn, dict) \
                and fn.get("type") == "with-info":
            return True
        return any(_has_info_function(v) for v in schema.values())
    if isinstance(schema, list | tuple):
        return any(_has_info_function(v) for v in schema)
    return False


def _rebound(bound: Callable[..., Any], name: str, mode: str) -> Any:
    """The model's validator, still bound to the model, declared on a one-field model."""
    if mode == "wrap":
        def wrap(cls: Any, value: Any, handler: Any) -> Any:
            return bound(value, handler)
        return field_validator(name, mode="wrap", check_fields=False)(wrap)

    def plain(cls: Any, value: Any) -> Any:
        return bound(value)
    return field_validator(name, mode=mode, check_fields=False)(plain)  # type: ignore[call-overload]


@dataclass
class _Validators:
    by_field: dict[str, list[Any]]  # no-info decorators per field, in declaration order
    info_fields: set[str]
    names: dict[str, list[str]]  # validator names per field, for explain


def _validators(model: type[BaseModel]) -> _Validators:
    out = _Validators({}, set(), {})
    for vname, dec in model.__pydantic_decorators__.field_validators.items():
        targets = model.model_fields if "*" in dec.info.fields else dec.info.fields
        for fname in targets:
            if fname not in model.model_fields:
                continue
            out.names.setdefault(fname, []).append(vname)
            if _takes_info(dec.func, dec.info.mode):
                out.info_fields.add(fname)
            else:
                out.by_field.setdefault(fname, []).append(dec)
    return out


def _row_model(model: type[BaseModel], name: str, info: FieldInfo, decs: list[Any]
               ) -> type[BaseModel]:
    validators = {f"v{i}": _rebound(d.func, name, d.info.mode) for i, d in enumerate(decs)}
    config = {k: v for k, v in model.model_config.items() if k != "extra"}
    return create_model(  # type: ignore[call-overload,no-any-return]
        f"{model.__name__}_{name}", __config__=config or None, __validators__=validators,
        **{name: (info.annotation, info)},
    )


def _path(fname: str, analysis: Analysis, unique: bool, validators: _Validators,
          whole_row: bool, info_fn: bool) -> tuple[str, str]:
    names = ", ".join(validators.names.get(fname, []))
    if whole_row:
        return ROW, "a model validator (before/wrap) sees the raw row: whole row through Pydantic"
    if fname in validators.info_fields or info_fn:
        what = f"validator {names}" if names else "an Annotated validator"
        return ROW, f"{what} reads info: whole row through Pydantic, this field's errors kept"
    if fname in validators.by_field:
        return ROW, f"field validator {names} runs per row, on this column only"
    if analysis.spec is None:
        return DISTINCT, analysis.why
    if unique and analysis.key_kind is None:
        return DISTINCT, (f"unique {analysis.spec.kind} column: uniqueness compares Pydantic's "
                          "values, so Pydantic checks each distinct value")
    return VECTORISED, analysis.why


def _compile(schema: SchemaEntry) -> Plan:
    model = schema.model
    dec = model.__pydantic_decorators__
    modes = {d.info.mode for d in dec.model_validators.values()}
    whole_row = bool(modes - {"after"} or dec.validators or dec.root_validators)
    model_after = "after" in modes or getattr(model, "__pydantic_post_init__", None) is not None
    validators = _validators(model)
    keyed = set(schema.rules.unique) | set(schema.rules.primary_key)
    fields, row_fields = [], set()
    for name, info in model.model_fields.items():
        adapter, config = _field_adapter(model, info)
        has_default = info.default is not PydanticUndefined or info.default_factory is not None
        alias = info.validation_alias if isinstance(info.validation_alias, str) else info.alias
        analysis = analyse(adapter.core_schema, config)
        info_fn = _has_info_function(adapter.core_schema)
        path, why = _path(name, analysis, name in keyed, validators, whole_row, info_fn)
        if path == ROW and (name in validators.info_fields or info_fn):
            row_fields.add(name)
        row_model = None
        if path == ROW and name in validators.by_field and name not in row_fields:
            row_model = _row_model(model, name, info, validators.by_field[name])
        fields.append(FieldPlan(
            name=name, alias=alias, adapter=adapter, nullable=_admits_none(adapter),
            has_default=has_default, required_column=not has_default, path=path, why=why,
            spec=analysis.spec if path == VECTORISED else None,
            key_kind=analysis.key_kind if path == VECTORISED else None, row_model=row_model,
        ))
    checks = SchemaChecks.from_entry(schema)
    return Plan(
        schema=schema, fields=tuple(fields), rules=schema.rules,
        forbid_extra=model.model_config.get("extra") == "forbid",
        whole_row=whole_row, row_fields=frozenset(row_fields), model_after=model_after,
        checks=checks if checks.declares_warnings else None,
    )


@functools.lru_cache(maxsize=64)
def _compile_cached(fingerprint: str, schema: SchemaEntry) -> Plan:
    return _compile(schema)


def compile_plan(schema: SchemaEntry) -> Plan:
    """The plan for a schema, cached per fingerprint (and model identity)."""
    keep_pandas_out()
    return _compile_cached(schema.fingerprint, schema)
