"""What changed between two versions of a contract, and whether producers can still deliver.

A change is *breaking* when a file valid under the old contract may be rejected by the new one
(a new required column, a narrowed type or bound, a removed Literal/Enum value, a new
uniqueness rule...); otherwise it is *compatible*. Both sides are compared as documents
(``hub.export.export_document``: JSON Schema with the ``x-dvh`` details and dataset rules), so
Python modules and declarative JSON schemas diff the same way, and columns are named by what
producers see: the property (alias) name.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any

from hub.export import decode_value

_JSON_BOUNDS = {"minimum": ("lower", False), "exclusiveMinimum": ("lower", True),
                "maximum": ("upper", False), "exclusiveMaximum": ("upper", True)}
_CORE_BOUNDS = {"ge": ("lower", False), "gt": ("lower", True), "le": ("upper", False),
                "lt": ("upper", True)}
_LENGTHS = {"minLength": "min_length", "maxLength": "max_length", "minItems": "min_length",
            "maxItems": "max_length"}
_IGNORED = frozenset({"title", "description", "examples", "default", "deprecated", "$comment",
                      "readOnly", "writeOnly", "x-dvh-name", "x-dvh-default-factory", "type",
                      "format", "x-dvh-core", "enum", "const", "anyOf", "$ref"})
# A value of the first kind is accepted by the second (JSON Schema's view of instances).
_WIDER = {"integer": {"number", "decimal"}, "number": {"decimal"}}
# Config keys that cannot make a valid file invalid.
_HARMLESS_CONFIG = frozenset({"populate_by_name", "validate_by_name", "validate_by_alias",
                              "use_enum_values", "validate_default", "hide_input_in_errors"})


@dataclass(frozen=True)
class Change:
    """One difference; ``column`` is None for whole-schema changes."""

    column: str | None
    kind: str
    detail: str
    breaking: bool

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class _Branch:
    lower: tuple[Any, bool] | None = None
    upper: tuple[Any, bool] | None = None
    min_length: int | None = None
    max_length: int | None = None
    pattern: str | None = None
    multiple_of: Any = None
    values: list[Any] | None = None
    options: dict[str, Any] = field(default_factory=dict)
    other: str = ""  # keywords we do not interpret, compared as text


@dataclass
class _Column:
    nullable: bool = False
    branches: dict[str, _Branch] = field(default_factory=dict)


def _flatten(node: Any, defs: dict[str, Any], col: _Column) -> None:
    if not isinstance(node, dict):
        col.branches["any"] = _Branch(other=json.dumps(node))
        return
    core = node.get("x-dvh-core") or {}
    if core.get("type") == "decimal":
        col.branches["decimal"] = _branch(node, core)
        return
    if "$ref" in node:
        target = defs.get(str(node["$ref"]).rsplit("/", 1)[-1], {})
        if isinstance(target, dict) and "enum" in target:
            col.branches["enum"] = _Branch(values=list(target["enum"]),
                                           options=_core_options(target.get("x-dvh-core")))
        else:
            col.branches["ref"] = _Branch(other=json.dumps(target, sort_keys=True))
        return
    if "anyOf" in node:
        for member in node["anyOf"]:
            _flatten(member, defs, col)
        return
    if "enum" in node or "const" in node:
        values = node["enum"] if "enum" in node else [node["const"]]
        col.branches["literal"] = _Branch(values=list(values))
        return
    kinds = node.get("type")
    for kind in kinds if isinstance(kinds, list) else [kinds]:
        if kind == "null":
            col.nullable = True
        elif kind is None:
            col.branches["any"] = _Branch()
        else:
            name = f"{kind}:{node['format']}" if node.get("format") else str(kind)
            col.branches[name] = _branch(node, core)


def _core_options(core: Any) -> dict[str, Any]:
    return {k: v for k, v in (core or {}).items() if k not in ("type", *_CORE_BOUNDS)}


def _branch(node: dict[str, Any], core: dict[str, Any]) -> _Branch:
    b = _Branch(options=_core_options(core))
    if core.get("type") == "decimal":
        b.multiple_of = decode_value(b.options.pop("multiple_of", None))
    for key, (side, excl) in _CORE_BOUNDS.items():
        if key in core:
            setattr(b, side, (decode_value(core[key]), excl))
    if core.get("type") != "decimal":
        for key, (side, excl) in _JSON_BOUNDS.items():
            if key in node:
                setattr(b, side, (node[key], excl))
        b.multiple_of = node.get("multipleOf")
    for key, attr in _LENGTHS.items():
        if key in node:
            setattr(b, attr, node[key])
    b.pattern = node.get("pattern")
    rest = {k: v for k, v in node.items()
            if k not in _IGNORED and k not in _JSON_BOUNDS and k not in _LENGTHS
            and k not in ("pattern", "multipleOf")}
    b.other = json.dumps(rest, sort_keys=True) if rest else ""
    return b


def _column(node: Any, defs: dict[str, Any]) -> _Column:
    col = _Column()
    _flatten(node, defs, col)
    return col


def _num(v: Any) -> Any:
    return Decimal(str(v)) if isinstance(v, int | float) and not isinstance(v, bool) else v


def _stricter(old: tuple[Any, bool], new: tuple[Any, bool], side: str) -> bool | None:
    """True if ``new`` rejects something ``old`` accepted; None if they are the same."""
    (ov, oe), (nv, ne) = old, new
    try:
        a, b = _num(ov), _num(nv)
        if a == b:
            return None if oe == ne else (ne and not oe)
        return b > a if side == "lower" else b < a
    except TypeError:
        return True  # incomparable bounds: assume the worst


class _Diff:
    def __init__(self) -> None:
        self.changes: list[Change] = []

    def add(self, column: str | None, kind: str, detail: str, breaking: bool) -> None:
        self.changes.append(Change(column, kind, detail, breaking))

    def branch(self, col: str, kind: str, old: _Branch, new: _Branch) -> None:
        for side in ("lower", "upper"):
            o, n = getattr(old, side), getattr(new, side)
            word = "minimum" if side == "lower" else "maximum"
            if o is None and n is not None:
                self.add(col, "bound_added", f"{kind}: new {word} {_bound(n, side)}", True)
            elif o is not None and n is None:
                self.add(col, "bound_removed", f"{kind}: {word} {_bound(o, side)} removed", False)
            elif o is not None and n is not None:
                stricter = _stricter(o, n, side)
                if stricter is not None:
                    self.add(col, "bound_narrowed" if stricter else "bound_widened",
                             f"{kind}: {word} {_bound(o, side)} → {_bound(n, side)}", stricter)
        self._limit(col, kind, "min_length", old.min_length, new.min_length, tighter_is_bigger=True)
        self._limit(col, kind, "max_length", old.max_length, new.max_length,
                    tighter_is_bigger=False)
        self._exact(col, kind, "pattern", old.pattern, new.pattern)
        self._exact(col, kind, "multiple_of", old.multiple_of, new.multiple_of)
        if old.values is not None and new.values is not None:
            self.values(col, old.values, new.values)
        for key in sorted(set(old.options) | set(new.options)):
            self.option(col, kind, key, old.options.get(key), new.options.get(key))
        if old.other != new.other:
            self.add(col, "schema_changed", f"{kind}: other keywords changed "
                     f"({old.other or '{}'} → {new.other or '{}'})", True)

    def _limit(self, col: str, kind: str, name: str, old: Any, new: Any, *,
               tighter_is_bigger: bool) -> None:
        if old == new:
            return
        if new is None:
            self.add(col, f"{name}_removed", f"{kind}: {name} {old} removed", False)
            return
        tighter = old is None or (new > old if tighter_is_bigger else new < old)
        if name == "min_length" and old is None and new == 0:
            tighter = False
        verb = "narrowed" if tighter else "widened"
        self.add(col, f"{name}_{verb}", f"{kind}: {name} {_show(old)} → {new}", tighter)

    def _exact(self, col: str, kind: str, name: str, old: Any, new: Any) -> None:
        if old == new:
            return
        if new is None:
            self.add(col, f"{name}_removed", f"{kind}: {name} {old!r} removed", False)
        else:
            what = "added" if old is None else "changed"
            self.add(col, f"{name}_{what}", f"{kind}: {name} {_show(old)} → {new!r}", True)

    def values(self, col: str, old: list[Any], new: list[Any]) -> None:
        gone = [v for v in old if v not in new]
        added = [v for v in new if v not in old]
        if gone:
            self.add(col, "values_removed", f"values no longer allowed: {_few(gone)}", True)
        if added:
            self.add(col, "values_added", f"values now allowed: {_few(added)}", False)

    def option(self, col: str, kind: str, key: str, old: Any, new: Any) -> None:
        if old == new:
            return
        shown = f"{kind}: {key} {_show(old)} → {_show(new)}"
        if key in ("max_digits", "decimal_places"):
            breaking = new is not None and (old is None or new < old)
        elif key == "allow_inf_nan":
            breaking = new is False
        elif key == "strict":
            breaking = bool(new)
        else:
            breaking = True
        self.add(col, "option_changed", shown, breaking)


def _bound(b: tuple[Any, bool], side: str) -> str:
    value, excl = b
    op = (">" if excl else ">=") if side == "lower" else ("<" if excl else "<=")
    return f"{op} {value}"


def _show(v: Any) -> str:
    return "none" if v is None else repr(v) if isinstance(v, str) else str(v)


def _few(values: list[Any], n: int = 8) -> str:
    shown = ", ".join(repr(v) for v in values[:n])
    return shown + (f" … ({len(values)} in all)" if len(values) > n else "")


def _required(doc: dict[str, Any]) -> set[str]:
    return set(doc.get("required") or [])


def _forbids(doc: dict[str, Any]) -> bool:
    return doc.get("additionalProperties") is False


def diff_documents(old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    """Every change from ``old`` to ``new``, each classified for producers."""
    d = _Diff()
    oprops, nprops = old.get("properties") or {}, new.get("properties") or {}
    odefs, ndefs = old.get("$defs") or {}, new.get("$defs") or {}
    oreq, nreq = _required(old), _required(new)
    for key in nprops:
        if key not in oprops:
            if key in nreq:
                d.add(key, "column_added", "new required column", True)
            else:
                d.add(key, "column_added", "new optional column", False)
    for key in oprops:
        if key not in nprops:
            forbid = _forbids(new)
            d.add(key, "column_removed", "column removed; files that still carry it are "
                  "rejected (extra columns are forbidden)" if forbid else
                  "column removed (extra columns are ignored)", forbid)
    for key in (k for k in oprops if k in nprops):
        _column_changes(d, key, oprops[key], nprops[key], odefs, ndefs, key in oreq,
                        key in nreq)
    if _forbids(new) and not _forbids(old):
        d.add(None, "extra_forbidden", "columns not in the schema are now rejected", True)
    elif _forbids(old) and not _forbids(new):
        d.add(None, "extra_allowed", "columns not in the schema are now accepted", False)
    _config_changes(d, old, new)
    _rule_changes(d, old, new)
    return d.changes


def _column_changes(d: _Diff, key: str, onode: Any, nnode: Any, odefs: dict[str, Any],
                    ndefs: dict[str, Any], oreq: bool, nreq: bool) -> None:
    if nreq and not oreq:
        d.add(key, "now_required", "the column is now required", True)
    elif oreq and not nreq:
        d.add(key, "now_optional", "the column is now optional", False)
    ocol, ncol = _column(onode, odefs), _column(nnode, ndefs)
    if ocol.nullable and not ncol.nullable:
        d.add(key, "nullable_removed", "empty cells are no longer accepted", True)
    elif ncol.nullable and not ocol.nullable:
        d.add(key, "nullable_added", "empty cells are now accepted", False)
    ob, nb = ocol.branches, ncol.branches
    families = {"literal", "enum"}
    if ob.keys() & families and nb.keys() & families and not ob.keys() & nb.keys() & families:
        # Literal <-> Enum: the accepted values matter; the error type changes.
        (ok,), (nk,) = ob.keys() & families, nb.keys() & families
        d.add(key, "type_changed", f"{ok} → {nk} (the error type changes)", False)
        d.values(key, ob[ok].values or [], nb[nk].values or [])
        ob = {k: v for k, v in ob.items() if k != ok}
        nb = {k: v for k, v in nb.items() if k != nk}
    for kind in ob:
        if kind in nb:
            d.branch(key, kind, ob[kind], nb[kind])
            continue
        wider = [k for k in nb if k in _WIDER.get(kind, set()) or k == "any" or (
            k == "string" and kind.startswith("string:"))]
        if wider:
            d.add(key, "type_widened", f"{kind} → {wider[0]}", False)
        else:
            d.add(key, "type_changed", f"{kind} no longer accepted (now {_kinds(nb)})", True)
    for kind in nb:
        if kind in ob or kind == "any" or _covers(ob, kind) or any(
                o in _WIDER.get(kind, set()) or (o == "string" and kind.startswith("string:"))
                for o in ob):
            continue  # already there, widened above, or narrower than an old kind
        d.add(key, "type_widened", f"{kind} now accepted too", False)
    odef = onode.get("default") if isinstance(onode, dict) else None
    ndef = nnode.get("default") if isinstance(nnode, dict) else None
    if not nreq and not oreq and odef != ndef:
        d.add(key, "default_changed", f"default {odef!r} → {ndef!r}", False)


def _covers(old: dict[str, _Branch], kind: str) -> bool:
    """``kind`` is the wider type an old kind was already reported as widened to."""
    return any(kind in _WIDER.get(o, set()) or (kind == "string" and o.startswith("string:"))
               for o in old)


def _kinds(branches: dict[str, _Branch]) -> str:
    return ", ".join(branches) or "nothing"


def _config_changes(d: _Diff, old: dict[str, Any], new: dict[str, Any]) -> None:
    oc = (old.get("x-dvh") or {}).get("config") or {}
    nc = (new.get("x-dvh") or {}).get("config") or {}
    for key in sorted(set(oc) | set(nc)):
        if key == "extra" or oc.get(key) == nc.get(key):
            continue
        d.add(None, "config_changed", f"model_config {key}: {_show(oc.get(key))} → "
              f"{_show(nc.get(key))}", key not in _HARMLESS_CONFIG)


def _rule_changes(d: _Diff, old: dict[str, Any], new: dict[str, Any]) -> None:
    ox, nx = old.get("x-dvh") or {}, new.get("x-dvh") or {}
    orules, nrules = ox.get("rules") or {}, nx.get("rules") or {}
    ou, nu = list(orules.get("unique") or []), list(nrules.get("unique") or [])
    for name in nu:
        if name not in ou:
            d.add(name, "unique_added", "values must now be unique", True)
    for name in ou:
        if name not in nu:
            d.add(name, "unique_removed", "values no longer need to be unique", False)
    opk, npk = list(orules.get("primary_key") or []), list(nrules.get("primary_key") or [])
    if opk != npk:
        looser = (bool(opk) and set(opk) < set(npk)) or not npk
        d.add(None, "primary_key_changed", f"primary key {opk or 'none'} → {npk or 'none'}",
              not looser)
    for key, tighter in (("min_rows", lambda o, n: n > o), ("max_rows", lambda o, n: n < o)):
        o, n = orules.get(key), nrules.get(key)
        if o != n:
            breaking = n is not None and (o is None or tighter(o, n))
            d.add(None, f"{key}_changed", f"{key} {_show(o)} → {_show(n)}", breaking)
    if sorted(orules.get("null_tokens") or []) != sorted(nrules.get("null_tokens") or []):
        d.add(None, "null_tokens_changed", f"null tokens {orules.get('null_tokens') or []} → "
              f"{nrules.get('null_tokens') or []}", True)
    if ox.get("version") != nx.get("version"):
        d.add(None, "version_changed", f"version {_show(ox.get('version'))} → "
              f"{_show(nx.get('version'))}", False)
