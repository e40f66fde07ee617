"""What every renderer reads off a report: checks, which check a failure belongs to, where."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hub.checks import WARNING, SchemaChecks, classify


def checked(report: Mapping[str, Any]) -> Mapping[str, Any]:
    """The report with ``checks`` (a plain engine report is classified by its own columns)."""
    if report.get("checks") is not None:
        return report
    columns = tuple(k for k in report.get("errors_by_column") or {} if k)
    return classify(report, SchemaChecks(columns=columns))


def check_key(item: Mapping[str, Any]) -> tuple[str, str]:
    """(kind, name) of the check a detail item failed."""
    loc = list(item.get("loc") or [])
    kind = item.get("type")
    if loc[:1] == ["columns"]:
        return "columns", "columns"
    if loc == ["rows"]:
        return "row_count", "rows"
    if loc[:1] == ["rows"] and len(loc) > 2:
        column = str(loc[2])
        if kind == "duplicate_value":
            return "unique", column
        if kind == "duplicate_key":
            return "primary_key", column
        return "column", column
    return "model", "(row validators)"


def items_by_check(report: Mapping[str, Any]) -> dict[tuple[str, str], list[Mapping[str, Any]]]:
    """Detail items grouped under the checks of the report (unknown columns under "other")."""
    known = {(c["kind"], c["name"]) for c in report.get("checks") or []}
    out: dict[tuple[str, str], list[Mapping[str, Any]]] = {}
    for item in report.get("detail") or []:
        key = check_key(item)
        if key not in known and ("other", key[1]) in known:
            key = ("other", key[1])
        out.setdefault(key, []).append(item)
    return out


def is_warning(item: Mapping[str, Any]) -> bool:
    return item.get("severity") == WARNING


def counts_against(check: Mapping[str, Any], report: Mapping[str, Any]) -> bool:
    """Whether a check's failures fail the run's policy (warnings do only with fail_on)."""
    verdict = report.get("verdict") or {}
    return bool(check["errors"] or (check["warnings"] and verdict.get("fail_on") == "warning"))


def where(item: Mapping[str, Any]) -> str:
    """"row 17 (line 19)", "column coupon", "row count"."""
    loc = list(item.get("loc") or [])
    if loc[:1] == ["rows"] and len(loc) > 1:
        text = f"row {loc[1]}"
        return text + (f" (line {item['line']})" if item.get("line") else "")
    if loc[:1] == ["columns"] and len(loc) > 1:
        return f"column {loc[1]}"
    return "row count" if loc == ["rows"] else "/".join(str(p) for p in loc)


def column_of(item: Mapping[str, Any]) -> str:
    loc = list(item.get("loc") or [])
    if loc[:1] == ["rows"] and len(loc) > 2:
        return ".".join(str(p) for p in loc[2:])
    if loc[:1] == ["columns"] and len(loc) > 1:
        return str(loc[1])
    return ""


def check_label(check: Mapping[str, Any]) -> str:
    kind, name = check["kind"], check["name"]
    if kind in ("columns", "row_count"):
        return kind
    return f"{kind} {name}" if name else kind


def by_type_text(by_type: Mapping[str, int], limit: int = 4) -> str:
    parts = [f"{t} {n:,}" for t, n in list(by_type.items())[:limit]]
    if len(by_type) > limit:
        parts.append(f"+{len(by_type) - limit} more")
    return ", ".join(parts)


def source_label(report: Mapping[str, Any], path: str | None = None) -> str:
    return path or report["source"]["name"]



# --- datasets: one report per file ------------------------------------------------------------

def is_dataset(report: Mapping[str, Any]) -> bool:
    """A dataset report (``files`` lists its files) rather than one file's."""
    return report.get("files") is not None


def _checks_of_schema(report: Mapping[str, Any]) -> SchemaChecks:
    """The schema's checks as a gated dataset report shows them (names and severities), so
    that a file's part is classified as the whole was. A check with no failure has no visible
    severity; it has none in any file either, so the guess cannot matter."""
    checks = report.get("checks") or []
    by_kind: dict[str, list[Mapping[str, Any]]] = {}
    for c in checks:
        by_kind.setdefault(c["kind"], []).append(c)

    def warns(c: Mapping[str, Any]) -> bool:
        return bool(c["warnings"]) and not c["errors"]

    column_errors = {c["name"] for c in by_kind.get("column", []) if c["errors"]}
    warn_columns = {c["name"] for c in by_kind.get("column", []) if warns(c)}
    warn_rules = {c["kind"] for c in checks if c["kind"] in ("primary_key", "row_count")
                  and warns(c)}
    for c in by_kind.get("unique", []):
        if warns(c):  # the unique rule, or the column, is a warning
            if c["name"] in column_errors:
                warn_rules.add("unique")
            else:
                warn_columns.add(c["name"])
    missing_warned = [str(it["loc"][1]) for it in report.get("detail") or []
                      if list(it["loc"][:1]) == ["columns"] and it["type"] == "missing"
                      and is_warning(it)]
    warn_columns.update(missing_warned)
    for c in by_kind.get("columns", []):
        if c["warnings"] > len(missing_warned):  # extra columns tolerated as warnings
            warn_rules.add("columns")
    pk = by_kind.get("primary_key", [])
    return SchemaChecks(
        columns=tuple(c["name"] for c in by_kind.get("column", [])),
        unique=tuple(c["name"] for c in by_kind.get("unique", [])),
        primary_key=pk[0]["name"] if pk else None,
        row_count=False,  # a dataset-wide rule: not a file's
        warn_columns=frozenset(warn_columns), warn_rules=frozenset(warn_rules))


def file_reports(report: Mapping[str, Any]) -> list[dict[str, Any]]:
    """A dataset report cut into one report per file, in dataset order: the file's own exact
    counts (``files``), its detail items, and (when the report is gated) its checks, classified
    as the dataset's were. ``source.name`` is the file's path as it was read; ``top_values``
    are left out (the report keeps them dataset-wide only). The dataset-wide rules (row
    count) and the verdict stay with the dataset: see ``dataset_part``."""
    from hub.checks import checks_of

    schema = _checks_of_schema(report) if report.get("checks") is not None else None
    out = []
    for f in report.get("files") or []:
        sub: dict[str, Any] = {
            "schema": report["schema"],
            "source": {"name": f["path"], "format": f["format"], "bytes": f.get("bytes")},
            "file": f["name"],
            "valid": f["error_count"] == 0,
            "rows": f["rows"], "invalid_rows": f["invalid_rows"],
            "error_count": f["error_count"], "truncated": bool(report.get("truncated")),
            "errors_by_column": {c: {"errors": sum(t.values()), "by_type": dict(t),
                                     "top_values": []}
                                 for c, t in (f.get("by_column") or {}).items()},
            "detail": [it for it in report.get("detail") or [] if it.get("file") == f["name"]],
        }
        if schema is not None:
            sub["checks"] = checks_of(sub, schema)
            sub["warning_count"] = sum(c["warnings"] for c in sub["checks"])
        out.append(sub)
    return out


def dataset_part(report: Mapping[str, Any]) -> dict[str, Any]:
    """What belongs to no file of a dataset: its totals, its row count rule, its verdict."""
    part = dict(report)
    part.pop("files", None)
    part["detail"] = [it for it in report.get("detail") or [] if not it.get("file")]
    part["errors_by_column"] = {}
    checks = report.get("checks")
    if checks is not None:
        part["checks"] = [c for c in checks if c["kind"] == "row_count"]
        return part
    # a plain engine report: its row count failures are what no column counts
    rest = int(report["error_count"]) - sum(
        int(info["errors"]) for info in (report.get("errors_by_column") or {}).values())
    kinds = [it["type"] for it in part["detail"] if list(it["loc"]) == ["rows"]]
    part["checks"] = [{"kind": "row_count", "name": "rows", "status": "failed", "errors": rest,
                       "warnings": 0, "by_type": {kinds[0] if kinds else "row_count": rest},
                       "note": None}] if rest > 0 else []
    return part
