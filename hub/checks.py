"""What a schema checks, and how each check fared in a report, with its severity.

A report counts failures per column (``errors_by_column``, exact) and lists the first ones
(``detail``, capped). This module reads both back against the schema's checks (one per column,
one per dataset rule). ``SchemaChecks.severity`` is the one rule that says whether a failure is
an error or a warning (``Warn()``, ``DatasetRules(warn=...)``): the engine stamps it on every
item as it creates it and counts warning rows exactly (``hub.partial``); ``classify`` uses it
again only for reports of older hubs, whose items carry no severity.

Exactness: the per-check counts, ``warning_count`` and (from the engine) ``warning_rows`` are
exact whatever the detail cap.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hub.registry import SchemaEntry

ERROR, WARNING = "error", "warning"
DUPLICATE_TYPES = ("duplicate_value", "duplicate_key")


@dataclass(frozen=True)
class SchemaChecks:
    """The checks of one schema, named as reports name columns (alias first)."""

    columns: tuple[str, ...]
    unique: tuple[str, ...] = ()
    primary_key: str | None = None  # "a,b": the label the engine files key duplicates under
    row_count: bool = False  # min_rows or max_rows declared
    warn_columns: frozenset[str] = frozenset()
    warn_rules: frozenset[str] = frozenset()

    @property
    def declares_warnings(self) -> bool:
        return bool(self.warn_columns or self.warn_rules)

    @classmethod
    def from_rules(cls, headers: Mapping[str, str], rules: Mapping[str, Any]) -> SchemaChecks:
        """From field name -> column name and a ``DatasetRules.as_dict()``."""

        def col(name: str) -> str:
            return headers.get(name, name)

        pk = rules.get("primary_key") or []
        return cls(
            columns=tuple(headers.values()),
            unique=tuple(col(n) for n in rules.get("unique") or []),
            primary_key=",".join(col(n) for n in pk) or None,
            row_count=rules.get("min_rows") is not None or rules.get("max_rows") is not None,
            warn_columns=frozenset(col(n) for n in rules.get("warn_columns") or []),
            warn_rules=frozenset(rules.get("warn") or []),
        )

    @classmethod
    def from_entry(cls, entry: SchemaEntry) -> SchemaChecks:
        from hub.registry import headers_of

        return cls.from_rules(headers_of(entry.model), entry.rules.as_dict())

    @classmethod
    def from_description(cls, desc: Mapping[str, Any]) -> SchemaChecks:
        """From ``GET /schemas/{name}``; a hub without ``headers`` gets the JSON Schema's keys."""
        headers = desc.get("headers")
        if not isinstance(headers, Mapping):
            props = (desc.get("json_schema") or {}).get("properties") or {}
            headers = {name: name for name in props}
        return cls.from_rules(headers, desc.get("rules") or {})

    def column_severity(self, column: str) -> str:
        return WARNING if column in self.warn_columns else ERROR

    def rule_severity(self, rule: str) -> str:
        return WARNING if rule in self.warn_rules else ERROR

    def cell_severity(self, column: str, kind: str) -> str:
        """A failure of ``kind`` in a cell of ``column`` (or under a key label)."""
        if kind == "duplicate_key":
            return self.rule_severity("primary_key")
        if kind == "duplicate_value" and self.rule_severity("unique") == WARNING:
            return WARNING
        return self.column_severity(column)

    def severity(self, loc: Sequence[Any], kind: str) -> str:
        """The declared severity of a failure at ``loc``, consistent with ``checks_of``: a
        header item is the column's (missing, nested) or the ``columns`` rule's (a forbidden
        extra); the row count is ``row_count``'s; a cell is its column's or its key rule's."""
        loc = list(loc)
        if loc[:1] == ["columns"] and len(loc) > 1:
            if kind == "extra_forbidden":
                return self.rule_severity("columns")
            return self.column_severity(str(loc[1]))
        if loc == ["rows"]:
            return self.rule_severity("row_count")
        if loc[:1] == ["rows"] and len(loc) > 2:
            return self.cell_severity(str(loc[2]), kind)
        return ERROR


def severity_of(item: Mapping[str, Any], schema: SchemaChecks) -> str:
    """The declared severity of one detail item, from its ``loc`` and ``type``."""
    return schema.severity(item.get("loc") or [], str(item.get("type")))


def _check(kind: str, name: str, errors: int, warnings: int, by_type: Mapping[str, int],
           note: str | None = None, skipped: bool = False) -> dict[str, Any]:
    if errors:
        status = "failed"
    elif warnings:
        status = "warning"
    else:
        status = "skipped" if skipped else "passed"
    return {"kind": kind, "name": name, "status": status, "errors": errors,
            "warnings": warnings, "by_type": {k: v for k, v in by_type.items() if v > 0},
            "note": note}


def _single(kind: str, name: str, severity: str, by_type: Mapping[str, int],
            note: str | None = None, skipped: bool = False) -> dict[str, Any]:
    """A check whose failures all share one severity."""
    n = sum(v for v in by_type.values() if v > 0)
    errors, warnings = (n, 0) if severity == ERROR else (0, n)
    return _check(kind, name, errors, warnings, by_type, note, skipped)


def _header_check(schema: SchemaChecks, ebc: Mapping[str, Any], missing: list[str],
                  used: set[str]) -> dict[str, Any]:
    """Required columns present, no forbidden extras: the ``columns`` rule."""
    errors = warnings = 0
    by_type: dict[str, int] = {}
    for column in missing:
        by_type["missing"] = by_type.get("missing", 0) + 1
        if schema.column_severity(column) == WARNING:
            warnings += 1
        else:
            errors += 1
    extras = []
    for key, info in ebc.items():
        types = set(info["by_type"])
        if key in schema.columns or key == schema.primary_key or not key:
            continue
        if types and types <= {"extra_forbidden"}:
            used.add(key)
            extras.append(key)
            n = info["by_type"]["extra_forbidden"]
            by_type["extra_forbidden"] = by_type.get("extra_forbidden", 0) + n
            if schema.rule_severity("columns") == WARNING:
                warnings += n
            else:
                errors += n
    parts = []
    if missing:
        parts.append("missing: " + ", ".join(missing))
    if extras:
        parts.append("not allowed: " + ", ".join(extras))
    return _check("columns", "columns", errors, warnings, by_type, "; ".join(parts) or None)


def checks_of(report: Mapping[str, Any], schema: SchemaChecks) -> list[dict[str, Any]]:
    """One entry per check of the schema (and per unexpected failure group), exact counts."""
    ebc: Mapping[str, Any] = report.get("errors_by_column") or {}
    detail = report.get("detail") or []
    missing = [str(it["loc"][1]) for it in detail
               if list(it["loc"][:1]) == ["columns"] and it["type"] == "missing"]
    used: set[str] = set()
    checks = [_header_check(schema, ebc, missing, used)]
    dupes: dict[tuple[str, str], int] = {}
    for column in schema.columns:
        used.add(column)
        by_type = dict((ebc.get(column) or {}).get("by_type") or {})
        for dup in DUPLICATE_TYPES:
            if dup in by_type and (column in schema.unique or column == schema.primary_key):
                dupes[(column, dup)] = by_type.pop(dup)
        absent = column in missing
        if absent:
            by_type["missing"] = by_type.get("missing", 0) - 1
        checks.append(_single("column", column, schema.column_severity(column), by_type,
                             "column absent from the file" if absent else None, skipped=absent))
    for column in schema.unique:
        sev = WARNING if WARNING in (schema.rule_severity("unique"),
                                     schema.column_severity(column)) else ERROR
        n = dupes.get((column, "duplicate_value"), 0)
        checks.append(_single("unique", column, sev, {"duplicate_value": n}))
    if schema.primary_key:
        label = schema.primary_key
        n = dupes.get((label, "duplicate_key"))
        if n is None:
            used.add(label)
            n = ((ebc.get(label) or {}).get("by_type") or {}).get("duplicate_key", 0)
        checks.append(_single("primary_key", label, schema.rule_severity("primary_key"),
                             {"duplicate_key": n}))
    counted = sum(info["errors"] for info in ebc.values())
    rest = max(int(report.get("error_count", 0)) - counted, 0)
    if schema.row_count or rest:
        kinds = [it["type"] for it in detail if list(it["loc"]) == ["rows"]]
        by_type = {kinds[0] if kinds else "row_count": rest} if rest else {}
        checks.append(_single("row_count", "rows", schema.rule_severity("row_count"), by_type))
    for key, info in ebc.items():
        if key in used:
            continue
        kind = "model" if not key else "other"
        checks.append(_single(kind, key or "(row validators)", ERROR, dict(info["by_type"])))
    return checks


def classify(report: Mapping[str, Any], schema: SchemaChecks) -> dict[str, Any]:
    """A copy of the report with ``checks`` and ``warning_count``, every item's severity set.

    A report from this engine already carries both (stamped where each failure was found);
    one from an older hub is tagged here, from the same rule. Checks that declare no warning
    leave items as they are (a schema without warnings has no severity on its items)."""
    out = dict(report)
    detail = []
    for item in report.get("detail") or []:
        item = dict(item)
        if schema.declares_warnings:
            item["severity"] = severity_of(item, schema)
        detail.append(item)
    out["detail"] = detail
    checks = checks_of(report, schema)
    out["checks"] = checks
    if report.get("warning_count") is None:
        out["warning_count"] = sum(c["warnings"] for c in checks)
    return out
