"""Markdown for ``$GITHUB_STEP_SUMMARY`` and merge-request comments: a verdict, a table of the
checks that did not pass, and the first errors in a collapsible block.

Every value from the data goes through ``md_code`` (a code span: nothing inside renders) or
``md_text`` (markup and HTML escaped); both escape ``|`` so a cell cannot add table columns, and
both defuse spreadsheet formulas in case the table is pasted into one.

A dataset (a directory, a glob) gets a row per file it holds (that file's own counts), and its
first failures say which file each is in.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from hub.gate import passed
from hub.renderers.escape import cut, md_code, md_text, one_line, show_value
from hub.renderers.view import (
    by_type_text,
    check_label,
    checked,
    column_of,
    counts_against,
    file_reports,
    is_dataset,
    source_label,
    where,
)

FIRST_ERRORS = 10
MSG_WIDTH = 120
_ICON = {"failed": "❌", "warning": "⚠️", "skipped": "⏭️", "passed": "✅"}


def _row(*cells: str) -> str:
    return "| " + " | ".join(cells) + " |"


def _top_values(report: Mapping[str, Any], check: Mapping[str, Any]) -> str:
    info = (report.get("errors_by_column") or {}).get(check["name"])
    if not info or check["kind"] not in ("column", "other", "model"):
        return md_text(one_line(check.get("note") or ""))
    parts = []
    for tv in (info.get("top_values") or [])[:3]:
        files = tv.get("first_files") or []  # a dataset's: which file each row is in
        rows = ", ".join(f"{r} of {md_text(files[i])}" if i < len(files) else str(r)
                         for i, r in enumerate(tv["first_rows"]))
        parts.append(f"{md_code(show_value(tv['input'], 40))} ×{tv['count']:,} (rows {rows})")
    return "<br>".join(parts)


def _headline(report: Mapping[str, Any], label: str) -> list[str]:
    ok = passed(report)
    verdict = report.get("verdict") or {}
    rows, bad = report["rows"], report["invalid_rows"]
    pct = f" ({bad / rows:.1%})" if rows else ""
    warnings = report.get("warning_count") or 0
    status = "passed" if ok else "failed"
    lines = [f"### {'✅' if ok else '❌'} {md_text(label)}: {status}", ""]
    facts = [f"schema {md_text(report['schema']['name'])}", f"{rows:,} rows",
             f"{bad:,} invalid rows{pct}", f"{report['error_count']:,} failures"]
    if warnings:
        facts.append(f"{warnings:,} of them warnings")
    lines.append(" · ".join(facts))
    if verdict:
        lines += ["", f"**Verdict:** {status}, decided by {md_text(verdict['decided_by'])}: "
                      f"{md_text(verdict['reason'])}"]
    return lines


def markdown_section(report: Mapping[str, Any], *, path: str | None = None,
                     show: int = FIRST_ERRORS) -> str:
    """One file: headline, the checks that did not pass, the first errors."""
    report = checked(report)
    label = source_label(report, path)
    lines = _headline(report, label)
    checks = report.get("checks") or []
    shown = [c for c in checks if c["status"] != "passed"]
    if shown:
        lines += ["", _row("check", "status", "errors", "warnings", "by type",
                           "top failing values"),
                  _row("---", "---", "---:", "---:", "---", "---")]
        for c in shown:
            status = "failed" if counts_against(c, report) else c["status"]
            lines.append(_row(md_text(check_label(c)), f"{_ICON[status]} {status}",
                              f"{c['errors']:,}", f"{c['warnings']:,}",
                              md_text(by_type_text(c["by_type"])), _top_values(report, c)))
    passing = len(checks) - len(shown)
    if checks:
        lines += ["", f"{passing} of {len(checks)} checks passed."]
    dataset = is_dataset(report)
    if dataset:
        lines += _file_rows(report)
    detail = report.get("detail") or []
    if detail and show:
        n = min(show, len(detail))
        head = ["file"] if dataset else []
        lines += ["", f"<details><summary>First {n} of {report['error_count']:,} failures"
                      "</summary>", "",
                  _row(*head, "where", "column", "value", "type", "message"),
                  _row(*["---"] * (len(head) + 5))]
        for item in detail[:n]:
            kind = item["type"] + (" (warning)" if item.get("severity") == "warning" else "")
            first = [md_text(item.get("file") or "(dataset)")] if dataset else []
            lines.append(_row(*first, md_text(where(item)), md_text(column_of(item)),
                              md_code(show_value(item.get("input"), 40)), md_text(kind),
                              md_text(cut(one_line(str(item["msg"])), MSG_WIDTH))))
        lines += ["", "</details>"]
    return "\n".join(lines) + "\n"


def _file_rows(report: Mapping[str, Any]) -> list[str]:
    """A dataset's files, one row each, with their own counts."""
    policy = {"verdict": {"fail_on": (report.get("verdict") or {}).get("fail_on", "error")}}
    subs = file_reports(report)
    lines = ["", f"{len(subs):,} files:", "",
             _row("file", "status", "rows", "invalid rows", "failures"),
             _row("---", "---", "---:", "---:", "---:")]
    for sub in subs:
        checks = checked(sub).get("checks") or []
        if any(counts_against(c, policy) for c in checks):
            status = "failed"
        elif sub["error_count"]:
            status = "warning"
        else:
            status = "passed"
        lines.append(_row(md_text(sub["file"]), f"{_ICON[status]} {status}",
                          f"{sub['rows']:,}", f"{sub['invalid_rows']:,}",
                          f"{sub['error_count']:,}"))
    return lines


def render_markdown(reports: Sequence[Mapping[str, Any]], *, paths: Sequence[str | None] = (),
                    show: int = FIRST_ERRORS) -> str:
    """One section per report, after an overview table when there are several."""
    def label(i: int) -> str:
        return source_label(reports[i], paths[i] if i < len(paths) else None)

    parts = []
    if len(reports) > 1:
        ok = sum(1 for r in reports if passed(r))
        table = [f"## dvh: {ok} of {len(reports)} files passed", "",
                 _row("file", "schema", "verdict", "rows", "invalid rows", "failures"),
                 _row("---", "---", "---", "---:", "---:", "---:")]
        for i, r in enumerate(reports):
            table.append(_row(md_text(label(i)), md_text(r["schema"]["name"]),
                              "✅ passed" if passed(r) else "❌ failed", f"{r['rows']:,}",
                              f"{r['invalid_rows']:,}", f"{r['error_count']:,}"))
        parts.append("\n".join(table) + "\n")
    for i, report in enumerate(reports):
        parts.append(markdown_section(report, path=label(i), show=show))
    return "\n".join(parts)
