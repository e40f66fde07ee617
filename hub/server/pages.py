"""HTML views of reports: one report (summary, chart, filterable error table) and an index.

Pure functions of the data, like every renderer. Every value from a report (file names, cell
values, messages, schema names) goes through ``html.escape``; the chart's data is embedded as
JSON with ``<``, ``>`` and ``&`` escaped, and the script sets it with ``textContent`` only.
CSS and JS ship inside the package (``hub/server/static``), inlined under a per-response CSP
nonce: no CDN, no other origin, nothing to fetch.
"""

from __future__ import annotations

import json
import secrets
from functools import lru_cache
from html import escape
from importlib.resources import files
from typing import Any
from urllib.parse import quote, urlencode

from fastapi.responses import HTMLResponse

_ROW_CAP = 5000  # error rows rendered in the table (the JSON has them all)


@lru_cache(maxsize=4)
def asset(name: str) -> str:
    return (files("hub.server") / "static" / name).read_text(encoding="utf-8")


def _e(value: Any) -> str:
    return escape("" if value is None else str(value), quote=True)


def _json_for_script(data: Any) -> str:
    text = json.dumps(data, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _page(title: str, body: str, *, script: bool = True, refresh: int | None = None,
          status: int = 200) -> HTMLResponse:
    nonce = secrets.token_urlsafe(16)
    js = f'<script nonce="{nonce}">{asset("report.js")}</script>' if script else ""
    meta = f'<meta http-equiv="refresh" content="{refresh}">' if refresh else ""
    html = (f'<!doctype html><html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">{meta}'
            '<link rel="icon" href="data:,">'
            f"<title>{_e(title)}</title>"
            f'<style nonce="{nonce}">{asset("report.css")}</style>{js}</head>'
            f"<body>{body}</body></html>")
    csp = (f"default-src 'none'; style-src 'nonce-{nonce}'; script-src 'nonce-{nonce}'; "
           "img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
    return HTMLResponse(html, status_code=status, headers={
        "Content-Security-Policy": csp, "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer", "Cache-Control": "no-store"})


def _nav() -> str:
    return '<nav><a href="/">Recent reports</a><a href="/docs">API docs</a></nav>'


def _loc_column(item: dict[str, Any]) -> str:
    loc = item.get("loc") or []
    if len(loc) >= 3 and loc[0] == "rows":
        return str(loc[2])
    if len(loc) == 2 and loc[0] == "columns":
        return str(loc[1])
    return "(rows)" if loc == ["rows"] else ".".join(str(p) for p in loc)


def _loc_row(item: dict[str, Any]) -> str:
    loc = item.get("loc") or []
    return str(loc[1]) if len(loc) >= 3 and loc[0] == "rows" else ""


def _input(value: Any) -> str:
    if value is None:
        return ""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 200 else text[:199] + "…"


def _verdict_badge(body: dict[str, Any]) -> str:
    """The gate's verdict when the report carries one (a policy or warnings were in play: a
    report can be valid and still fail ``fail_on=warning``), else valid/invalid."""
    gate = body.get("verdict")
    if isinstance(gate, dict) and "passed" in gate:
        word, css = ("✓ passed", "ok") if gate["passed"] else ("✗ failed", "bad")
        reason = f' <small class="muted">({_e(gate.get("reason"))})</small>' if gate.get(
            "reason") else ""
        return f'<span class="{css}">{word}</span>{reason}'
    if body.get("valid"):
        return '<span class="ok">✓ valid</span>'
    return '<span class="bad">✗ invalid</span>'


def report_page(body: dict[str, Any]) -> HTMLResponse:
    """One finished report."""
    rid = body.get("id") or ""
    src, schema = body.get("source") or {}, body.get("schema") or {}
    verdict = _verdict_badge(body)
    rows, invalid = body.get("rows") or 0, body.get("invalid_rows") or 0
    share = f" ({invalid / rows:.1%})" if rows else ""
    by_col = body.get("errors_by_column") or {}
    columns = sorted(({"name": name, "errors": c.get("errors", 0),
                       "by_type": c.get("by_type", {})} for name, c in by_col.items()),
                     key=lambda c: (-c["errors"], c["name"]))
    detail = body.get("detail") or []
    shown = detail[:_ROW_CAP]
    kinds = sorted({str(i.get("type")) for i in detail})
    cols = sorted({_loc_column(i) for i in detail})
    trs = "".join(
        f'<tr data-column="{_e(_loc_column(i))}" data-type="{_e(i.get("type"))}">'
        f'<td class="num">{_e(_loc_row(i))}</td><td class="num">{_e(i.get("line"))}</td>'
        f"<td>{_e(_loc_column(i))}</td><td><code>{_e(i.get('type'))}</code></td>"
        f'<td class="input mono">{_e(_input(i.get("input")))}</td><td>{_e(i.get("msg"))}</td>'
        "</tr>"
        for i in shown)
    note = ""
    if body.get("truncated"):
        note = (f'<p class="muted">Showing {len(detail):,} of {body.get("error_count", 0):,} '
                "errors (detail capped by max_errors; counts are exact).</p>")
    if len(detail) > _ROW_CAP:
        note += f'<p class="muted">The table shows the first {_ROW_CAP:,}; the JSON has all.</p>'
    options = "".join(f'<option value="{_e(c)}">{_e(c)}</option>' for c in cols)
    type_options = "".join(f'<option value="{_e(k)}">{_e(k)}</option>' for k in kinds)
    json_link = f"/reports/{quote(rid)}?view=json"
    html = f"""
<header>{_nav()}
<h1>{verdict} {_e(src.get("name"))}</h1>
<div class="summary">
<div><b>{rows:,}</b>rows</div><div><b>{invalid:,}{_e(share)}</b>invalid rows</div>
<div><b>{body.get("error_count", 0):,}</b>errors</div>
<div><b>{_e(src.get("format"))}</b>{_e(src.get("bytes"))} bytes</div>
<div><b>{_e(schema.get("name"))}</b>schema</div></div>
<p class="muted">schema fingerprint
<code class="fp" id="fingerprint">{_e(schema.get("fingerprint"))}</code>
· report <code>{_e(rid)}</code> · <a id="json-link" href="{_e(json_link)}">JSON</a></p>
</header><main>
<h2>Errors per column</h2><div id="chart"></div>
<script type="application/json" id="report-data">{_json_for_script({"columns": columns})}</script>
<h2>Errors</h2>{note}
<div class="filters">
<input id="f-text" type="search" placeholder="filter text…" aria-label="filter text">
<select id="f-column" aria-label="column"><option value="">all columns</option>{options}</select>
<select id="f-type" aria-label="type"><option value="">all types</option>{type_options}</select>
<span id="f-count" class="muted"></span></div>
<table id="errors"><thead><tr><th class="num">row</th><th class="num">line</th><th>column</th>
<th>type</th><th>input</th><th>message</th></tr></thead><tbody>{trs}</tbody></table>
</main>"""
    return _page(f"dvh report {src.get('name', '')}", html)


def pending_page(rid: str, status: str) -> HTMLResponse:
    html = (f"<header>{_nav()}<h1>Report {_e(rid)}</h1></header><main>"
            f'<p class="pending">This validation is <b>{_e(status)}</b>; the page refreshes '
            "every 2 seconds.</p></main>")
    return _page(f"dvh report {rid} ({status})", html, script=False, refresh=2, status=202)


def failed_page(rid: str, status: int, problem: dict[str, Any]) -> HTMLResponse:
    items = "".join(f"<li><code>{_e(p.get('type'))}</code> {_e(p.get('msg'))}</li>"
                    for p in problem.get("detail", []))
    html = (f"<header>{_nav()}<h1 class=\"bad\">Report {_e(rid)}: failed</h1></header>"
            f"<main><ul>{items}</ul></main>")
    return _page(f"dvh report {rid} (failed)", html, script=False, status=status)


def index_page(page: dict[str, Any], filters: dict[str, Any]) -> HTMLResponse:
    """Recent reports, newest first, with the list filters as a plain GET form."""
    def row(i: dict[str, Any]) -> str:
        rid = quote(str(i["id"]))
        verdict = {True: '<span class="ok">✓</span>', False: '<span class="bad">✗</span>'}.get(
            i.get("valid"), _e(i.get("status")))
        return (f'<tr><td><a href="/reports/{rid}/view" class="mono">{_e(i["id"])}</a></td>'
                f"<td>{_e(str(i['created_at'])[:19])}</td><td>{_e(i['schema'])}</td>"
                f"<td>{_e(i['source'])}</td><td>{verdict}</td>"
                f'<td class="num">{_e(i.get("rows"))}</td>'
                f'<td class="num">{_e(i.get("error_count"))}</td></tr>')

    limit, offset, total = page["limit"], page["offset"], page["total"]
    keep = {k: v for k, v in filters.items() if v not in (None, "")}
    links = []
    if offset > 0:
        links.append(f'<a href="/?{_e(urlencode({**keep, "offset": max(0, offset - limit)}))}">'
                     "← newer</a>")
    if offset + limit < total:
        links.append(f'<a href="/?{_e(urlencode({**keep, "offset": offset + limit}))}">older →'
                     "</a>")
    sel = {str(k): "selected" for k in [filters.get("valid")]}
    html = f"""<header>{_nav()}<h1>Recent reports</h1>
<form class="filters" method="get" action="/">
<input name="schema" placeholder="schema" value="{_e(filters.get("schema") or "")}"
 aria-label="schema">
<select name="valid" aria-label="verdict"><option value="">any verdict</option>
<option value="true" {sel.get("True", "")}>valid</option>
<option value="false" {sel.get("False", "")}>invalid</option></select>
<input name="since" placeholder="since (ISO date)" value="{_e(filters.get("since") or "")}"
 aria-label="since">
<button type="submit">filter</button></form></header><main>
<p class="muted">{total:,} reports</p>
<table id="reports"><thead><tr><th>id</th><th>created (UTC)</th><th>schema</th><th>source</th>
<th>valid</th><th class="num">rows</th><th class="num">errors</th></tr></thead>
<tbody>{"".join(row(i) for i in page["items"])}</tbody></table>
<p>{" ".join(links)}</p></main>"""
    return _page("dvh reports", html, script=False)
