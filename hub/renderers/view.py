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

