"""Schema discovery: a folder of Python modules, one Pydantic model each, named by file stem.

Modules are loaded by file path (never installed), one at a time, so a broken module is
reported by name and the others still load. Declarative schemas sit next to them as
``NAME.json`` (JSON Schema, built without running code, see ``hub.declarative``), and a hub
adds the ones stored in its database through a ``SchemaSource``. Python modules win: a name
may exist in one form only.
"""

from __future__ import annotations

import hashlib
import importlib.util
import inspect
import json
import sys
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, Protocol

from pydantic import BaseModel

from hub.errors import SchemaLoadError, SchemaNotFound
from hub.rules import DatasetRules, Unique, Warn


@dataclass(frozen=True)
class SchemaEntry:
    """A loaded schema: its model, its dataset rules and the fingerprint that names its version."""

    name: str
    model: type[BaseModel]
    rules: DatasetRules
    fingerprint: str
    path: Path | None = None
    version: str | None = None

    def describe(self) -> dict[str, Any]:
        """JSON Schema plus dataset rules: what ``GET /schemas/{name}`` answers."""
        return {
            "name": self.name,
            "version": self.version,
            "fingerprint": self.fingerprint,
            "json_schema": self.model.model_json_schema(),
            "rules": self.rules.as_dict(),
            # field name -> the column name reports use (alias first), for clients that gate
            "headers": headers_of(self.model),
        }


def _unique_columns(model: type[BaseModel], marker: type = Unique) -> tuple[str, ...]:
    return tuple(
        name
        for name, info in model.model_fields.items()
        if any(isinstance(m, marker) or m is marker for m in info.metadata)
    )


def headers_of(model: type[BaseModel]) -> dict[str, str]:
    """Field name -> report column name: the alias when there is one (as the engine names it)."""
    out = {}
    for name, info in model.model_fields.items():
        alias = info.validation_alias if isinstance(info.validation_alias, str) else info.alias
        out[name] = alias or name
    return out


def rules_of(model: type[BaseModel]) -> DatasetRules:
    """Merge the class-level ``dvh_rules`` with ``Unique()`` and ``Warn()`` markers on fields."""
    declared = getattr(model, "dvh_rules", None) or DatasetRules()
    if not isinstance(declared, DatasetRules):
        raise SchemaLoadError(f"{model.__name__}.dvh_rules must be a hub.rules.DatasetRules")
    marked = _unique_columns(model)
    unique = tuple(dict.fromkeys((*declared.unique, *marked)))
    warn_columns = tuple(dict.fromkeys((*declared.warn_columns, *_unique_columns(model, Warn))))
    unknown = [n for n in warn_columns if n not in model.model_fields]
    if unknown:
        raise SchemaLoadError(f"{model.__name__}: warn_columns names unknown fields {unknown}")
    return DatasetRules(
        primary_key=tuple(declared.primary_key),
        unique=unique,
        min_rows=declared.min_rows,
        max_rows=declared.max_rows,
        null_tokens=tuple(declared.null_tokens),
        warn=tuple(declared.warn),
        warn_columns=warn_columns,
    )


def fingerprint(model: type[BaseModel], rules: DatasetRules) -> str:
    """A hash of what the contract *says* (JSON Schema plus rules), not of how the file looks."""
    payload = {"json_schema": model.model_json_schema(), "rules": rules.as_dict()}
    blob = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return "sha256:" + hashlib.sha256(blob.encode()).hexdigest()


def entry_for(name: str, model: type[BaseModel], *, path: Path | None = None,
              version: str | None = None) -> SchemaEntry:
    rules = rules_of(model)
    return SchemaEntry(name=name, model=model, rules=rules,
                       fingerprint=fingerprint(model, rules), path=path, version=version)


def _pick_model(module: ModuleType, name: str) -> type[BaseModel]:
    chosen = getattr(module, "__schema__", None)
    if chosen is not None:
        if isinstance(chosen, str):
            chosen = getattr(module, chosen, None)
        if inspect.isclass(chosen) and issubclass(chosen, BaseModel):
            return chosen
        raise SchemaLoadError(f"schema {name!r}: __schema__ does not name a Pydantic model")
    models = [
        obj for obj in vars(module).values()
        if inspect.isclass(obj) and issubclass(obj, BaseModel) and obj is not BaseModel
        and obj.__module__ == module.__name__
    ]
    if len(models) == 1:
        return models[0]
    if not models:
        raise SchemaLoadError(f"schema {name!r}: the module defines no Pydantic model")
    names = ", ".join(sorted(m.__name__ for m in models))
    raise SchemaLoadError(
        f"schema {name!r}: the module defines several models ({names}); "
        "set __schema__ to the one to enforce"
    )


def _import_path(name: str, path: Path) -> ModuleType:
    module_name = f"dvh_schema_{name}_{hashlib.sha1(str(path).encode()).hexdigest()[:8]}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise SchemaLoadError(f"schema {name!r}: cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module  # needed for dataclasses/pydantic forward refs
    try:
        spec.loader.exec_module(module)
    except Exception as exc:  # a user's module may raise anything; report it, don't crash
        sys.modules.pop(module_name, None)
        frame = traceback.extract_tb(exc.__traceback__)[-1]
        where = f"{Path(frame.filename).name}:{frame.lineno}" if frame else str(path)
        raise SchemaLoadError(
            f"schema {name!r} failed to import ({where}): {type(exc).__name__}: {exc}"
        ) from None
    return module


def _guarded_entry(name: str, model: type[BaseModel], path: Path | None,
                   version: str | None) -> SchemaEntry:
    """``entry_for``, with Pydantic's refusals (an undefined forward reference, a type with no
    JSON Schema) turned into a load error instead of a crash."""
    try:
        return entry_for(name, model, path=path, version=version)
    except SchemaLoadError:
        raise
    except Exception as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        raise SchemaLoadError(
            f"schema {name!r}: model {model.__name__} cannot be used: {type(exc).__name__}: "
            f"{first}"
        ) from None


def load_schema_document(name: str, doc: Any, *, path: Path | None = None,
                         version: str | None = None) -> SchemaEntry:
    """A declarative schema (JSON Schema as ``dvh schema export`` prints it) as an entry;
    ``version`` is used when the document declares none."""
    from hub.declarative import build_model

    model, declared = build_model(doc, name)
    return _guarded_entry(name, model, path, declared or version)


def load_schema_file(path: Path) -> SchemaEntry:
    """Load one schema by path (a ``.py`` module or a ``.json`` document); named by file stem."""
    name = path.stem
    if path.suffix == ".json":
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            raise SchemaLoadError(f"schema {name!r}: cannot read {path.name}: {exc}") from None
        except json.JSONDecodeError as exc:
            raise SchemaLoadError(
                f"schema {name!r}: {path.name} is not JSON (line {exc.lineno}: {exc.msg})"
            ) from None
        return load_schema_document(name, doc, path=path)
    module = _import_path(name, path)
    model = _pick_model(module, name)
    version = getattr(module, "__version__", None)
    return _guarded_entry(name, model, path, str(version) if version else None)


class SchemaSource(Protocol):
    """Declarative schemas kept elsewhere (the hub's database): names and documents."""

    def names(self) -> list[str]: ...

    def document(self, name: str) -> tuple[dict[str, Any], str, int] | None:
        """The latest document for ``name``, a version to show when it declares none, and its
        revision number."""
        ...

    def revision(self, name: str) -> int | None:
        """The latest revision number of ``name`` (cheap: checked on every use)."""
        ...


@dataclass
class Registry:
    """The schemas of one folder, loaded on demand and cached per process."""

    root: Path
    stored: SchemaSource | None = None
    _entries: dict[str, SchemaEntry] = field(default_factory=dict)
    _errors: dict[str, str] = field(default_factory=dict)
    _revisions: dict[str, int] = field(default_factory=dict)  # stored entries: cached revision

    def file_names(self) -> list[str]:
        """Schemas in the folder: ``NAME.py`` and ``NAME.json`` (names starting ``_`` skipped)."""
        if not self.root.is_dir():
            return []
        return sorted({p.stem for pattern in ("*.py", "*.json") for p in self.root.glob(pattern)
                       if not p.name.startswith("_") and p.is_file()})

    def names(self) -> list[str]:
        stored = self.stored.names() if self.stored is not None else []
        return sorted({*self.file_names(), *stored})

    def forget(self, name: str) -> None:
        """Drop a cached entry (its source changed: a new stored revision, say)."""
        self._entries.pop(name, None)
        self._errors.pop(name, None)
        self._revisions.pop(name, None)

    def get(self, name: str) -> SchemaEntry:
        if name in self._entries and not self._stale(name):
            return self._entries[name]
        entry = self._load(name)
        self._entries[name] = entry
        return entry

    def _stale(self, name: str) -> bool:
        """A stored schema revised since it was cached (by another worker, say)."""
        if name not in self._revisions or self.stored is None:
            return False
        return self.stored.revision(name) != self._revisions[name]

    def _load(self, name: str) -> SchemaEntry:
        py, js = self.root / f"{name}.py", self.root / f"{name}.json"
        found = name.isidentifier() and [p for p in (py, js) if p.is_file()]
        if found and len(found) == 2:
            raise SchemaLoadError(f"schema {name!r}: both {py.name} and {js.name} exist; "
                                  "keep one")
        if found:
            return load_schema_file(found[0])
        doc = self.stored.document(name) if self.stored is not None and (
            name.isidentifier()) else None
        if doc is not None:
            entry = load_schema_document(name, doc[0], version=doc[1])
            self._revisions[name] = doc[2]
            return entry
        known = ", ".join(self.names()) or "none"
        raise SchemaNotFound(f"unknown schema {name!r} in {self.root} (known: {known})")

    def load_all(self) -> tuple[dict[str, SchemaEntry], dict[str, str]]:
        """Every schema that loads, and a one-line error for each that does not."""
        for name in self.names():
            if name in self._entries or name in self._errors:
                continue
            try:
                self.get(name)
            except SchemaLoadError as exc:
                self._errors[name] = str(exc)
        return dict(self._entries), dict(self._errors)
