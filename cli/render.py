"""The terminal view of a report (the only module that draws with rich).

Every value from the data is markup-escaped and cut to a sane width before it is drawn.
"""

from __future__ import annotations

from typing import Any

from rich import box
from rich.console import Console
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from hub.renderers.escape import one_line

VALUE_WIDTH = 40
MSG_WIDTH = 80


def cut(value: Any, width: int = VALUE_WIDTH) -> str:
    """One line, control characters (ESC included: no terminal injection) as visible escapes."""
    text = "∅" if value is None else value if isinstance(value, str) else repr(value)
    text = one_line(text)
    return text if len(text) <= width else text[: width - 1] + "…"


def _quoted(value: Any) -> str:
    # cut() already shows control characters as escapes: quote, do not repr (no doubling)
    return "∅" if value is None else f"'{cut(value)}'" if isinstance(value, str) else cut(value)


def _passed(report: dict[str, Any]) -> bool:
    verdict = report.get("verdict")
    return bool(verdict["passed"]) if verdict else bool(report["valid"])


def summary_line(report: dict[str, Any]) -> Text:
    ok = _passed(report)
    rows = report["rows"]
    bad = report["invalid_rows"]
    pct = f" ({bad / rows:.1%})" if rows else ""
    fp = report["schema"]["fingerprint"].split(":")[-1][:8]
    warnings = report.get("warning_count") or 0
    text = Text()
    text.append(" ✓ " if ok else " ✗ ", style="bold green" if ok else "bold red")
    text.append(cut(report["source"]["name"], 60), style="bold")
    state = "valid" if report["valid"] else "passed" if ok else "invalid"
    text.append(f"  {state} · {rows:,} rows · {bad:,} invalid rows{pct}"
                f" · {report['error_count']:,} errors")
    if warnings:
        text.append(f" ({warnings:,} warnings)", style="yellow")
    text.append(f" · schema {report['schema']['name']} (sha256:{fp}…)")
    return text


def verdict_line(report: dict[str, Any]) -> Text | None:
    """The gate's decision, when a policy or a warning severity made it differ from ``valid``."""
    verdict = report.get("verdict")
    if not verdict or (verdict["decided_by"] in ("errors", "no_errors")
                       and not verdict["warnings"]):
        return None
    ok = verdict["passed"]
    text = Text(" gate: ", style="bold")
    text.append("passed" if ok else "failed", style="green" if ok else "red")
    text.append(f" · decided by {verdict['decided_by']}: {cut(verdict['reason'], 200)}")
    return text


def _columns_table(report: dict[str, Any], width: int) -> Table:
    ranked = sorted(report["errors_by_column"].items(), key=lambda kv: -kv[1]["errors"])
    rows = []
    for column, info in ranked:
        types = [f"{t} {n:,}" for t, n in info["by_type"].items()]
        tops = []
        for tv in info["top_values"][:3]:
            files = tv.get("first_files") or [None] * len(tv["first_rows"])
            first = ", ".join(f"{f}:{r}" if f else str(r)  # a dataset's rows name their file
                              for f, r in zip(files, tv["first_rows"], strict=True))
            more = "…" if tv["count"] > len(tv["first_rows"]) else ""
            tops.append(f"{_quoted(tv['input'])} ×{tv['count']:,} (rows {first}{more})")
        rows.append((cut(column, 60) or "(row)", f"{info['errors']:,}", types, tops))
    # Rich drops no-wrap columns when space runs out, so widths are settled here.
    w_col = min(max([6, *(len(r[0]) for r in rows)]), 24)
    w_err = max([6, *(len(r[1]) for r in rows)])
    w_type = min(max([7, *(len(t) for r in rows for t in r[2])]), 30)
    w_vals = max(width - w_col - w_err - w_type - 12, 12)
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    table.add_column("column", style="cyan", no_wrap=True, overflow="ellipsis", width=w_col)
    table.add_column("errors", justify="right", no_wrap=True, width=w_err)
    table.add_column("by type", no_wrap=True, overflow="ellipsis", width=w_type)
    table.add_column("top failing values", no_wrap=True, overflow="ellipsis",
                     width=w_vals)
    for column, count, types, tops in rows:
        table.add_row(escape(column), count, escape("\n".join(types)), escape("\n".join(tops)))
    return table


def _detail_lines(console: Console, report: dict[str, Any], limit: int) -> None:
    for item in report["detail"][:limit]:
        loc = item["loc"]
        is_cell = bool(loc) and loc[0] == "rows" and len(loc) > 1
        line = Text("   ")
        if item.get("file"):  # a dataset's item: which file first
            line.append(f"{cut(str(item['file']), 30)} ", style="dim")
        if is_cell:
            where = f"row {loc[1]}"
            if item.get("line"):
                where += f" (line {item['line']})"
            line.append(f"{where:<22}", style="dim")
            line.append(f"{cut('.'.join(str(p) for p in loc[2:]), 20):<20} ", style="cyan")
        else:
            line.append(f"{cut('/'.join(str(p) for p in loc), 43):<43}", style="cyan")
        line.append(f"{_quoted(item.get('input')):<14} ", style="yellow")
        if item.get("severity") == "warning":
            line.append("warning ", style="yellow")
        line.append(cut(item["msg"], MSG_WIDTH))
        console.print(line, no_wrap=True, overflow="ellipsis", crop=True)


def render_report(console: Console, report: dict[str, Any], *, show: int = 10,
                  exit_code: int | None = None) -> None:
    """Summary, errors by column (the aggregate users act on), then the first errors."""
    console.print(summary_line(report))
    gate = verdict_line(report)
    if gate is not None:
        console.print(gate)
    if report["valid"]:
        return
    if report["errors_by_column"]:
        console.print(Panel(_columns_table(report, console.width), title="errors by column",
                            title_align="left", expand=False))
    shown = min(show, len(report["detail"]))
    if shown:
        console.print(" first errors", style="bold")
        _detail_lines(console, report, shown)
    tail = f" {shown:,} of {report['error_count']:,} errors shown"
    if report.get("truncated") or shown < report["error_count"]:
        tail += "; --max-errors 0 keeps all in the report"
    if exit_code is not None:
        tail += f" · exit {exit_code}"
    console.print(Text(tail, style="dim"))


def render_schema(console: Console, info: dict[str, Any]) -> None:
    table = Table(title=f"schema {info['name']}", box=box.SIMPLE_HEAD, title_justify="left")
    for name in ("field", "column", "type", "required", "nullable", "default", "constraints"):
        table.add_column(name, overflow="fold", min_width=8 if name in ("field", "column",
                                                                         "type") else None)
    for f in info["fields"]:
        table.add_row(escape(f["name"]), escape(f["column"]), escape(f["type"]),
                      "yes" if f["required"] else "no", "yes" if f["nullable"] else "no",
                      escape(f["default"]), escape(f["constraints"]))
    console.print(table)
    rules = info["rules"]
    parts = [f"{k}={v}" for k, v in rules.items() if v not in (None, [], ())]
    console.print(f" dataset rules: {escape(', '.join(parts)) or 'none'}")
    console.print(f" extra columns: {info['extra']}  ·  version: {info.get('version') or '-'}"
                  f"  ·  fingerprint: {info['fingerprint']}")


def make_console(*, stderr: bool = False, width: int | None = None) -> Console:
    return Console(stderr=stderr, width=width, highlight=False, soft_wrap=False)
