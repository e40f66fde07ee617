"""Report history: newest first, filtered and paginated; one report by id, as JSON or a page.

``GET /reports/{id}`` answers 200 with a finished report, 202 while its job is pending or
running, and what the upload would have answered for a job that failed. With
``Accept: text/html`` (a browser) or at ``/reports/{id}/view`` it renders the report page;
``GET /`` (or ``/reports`` from a browser) lists recent reports.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse, Response

from hub.report import Report
from hub.server import pages
from hub.server.deps import StoreDep, api_key_of
from hub.server.problems import HubProblem, ProblemBody
from hub.store import Record, ReportStore

router = APIRouter(tags=["reports"])

View = Annotated[Literal["json", "html"] | None, Query(
    description="Force a representation instead of negotiating on Accept.")]
_HTML = {"text/html": {"schema": {"type": "string"}}}


def wants_html(request: Request, view: str | None) -> bool:
    """HTML when asked by ``view``, else when Accept prefers text/html over JSON."""
    if view is not None:
        return view == "html"
    best: dict[str, float] = {}
    for part in request.headers.get("accept", "").split(","):
        media, *params = (p.strip() for p in part.split(";"))
        q = 1.0
        for p in params:
            if p.startswith("q="):
                try:
                    q = float(p[2:])
                except ValueError:
                    q = 0.0
        best[media.lower()] = max(q, best.get(media.lower(), 0.0))
    html = best.get("text/html", 0.0)
    return html > 0 and html >= best.get("application/json", 0.0)


def _scoped(request: Request, schema: str | None) -> tuple[str | None, str | None]:
    """A schema-bound key sees its schema only; a validate key only the reports it uploaded."""
    key = api_key_of(request)
    if key is None:
        return schema, None
    if key.schema:
        if schema is not None and schema != key.schema:
            raise HubProblem(403, "forbidden", f"key {key.name!r} is limited to schema "
                             f"{key.schema!r}", ["query", "schema"])
        schema = key.schema
    return schema, key.id if key.scope == "validate" else None


async def _page(store: ReportStore, request: Request, limit: int, offset: int,
                schema: str | None, valid: bool | None, since: datetime | None,
                ) -> dict[str, Any]:
    schema, owner = _scoped(request, schema)
    items, total = await run_in_threadpool(lambda: store.list(
        limit=limit, offset=offset, schema=schema, valid=valid, since=since, key_id=owner))
    nxt = offset + limit if offset + limit < total else None
    return {"items": [i.as_dict() for i in items], "total": total, "limit": limit,
            "offset": offset, "next_offset": nxt}


Limit = Annotated[int, Query(ge=1, le=500)]
Offset = Annotated[int, Query(ge=0, le=10**9)]
Since = Annotated[datetime | None, Query(description="Only reports created at or after this "
                                         "ISO 8601 time (UTC if no offset).")]


@router.get("/reports", responses={200: {"content": _HTML}, 403: {"model": ProblemBody}})
async def list_reports(
    request: Request,
    store: StoreDep,
    limit: Limit = 50,
    offset: Offset = 0,
    schema: str | None = None,
    valid: bool | None = None,
    since: Since = None,
    view: View = None,
) -> Response:
    """Stored reports, newest first: filter by schema, verdict and time; page with offset."""
    page = await _page(store, request, limit, offset, schema, valid, since)
    if wants_html(request, view):
        return pages.index_page(page, {"schema": schema, "valid": valid,
                                       "since": since.isoformat() if since else None})
    return JSONResponse(page)


@router.get("/", response_class=HTMLResponse, responses={200: {"content": _HTML}})
async def index(request: Request, store: StoreDep, limit: Limit = 50, offset: Offset = 0,
                schema: str | None = None, valid: bool | None = None,
                since: Since = None) -> Response:
    """The report index page (what a browser opens)."""
    page = await _page(store, request, limit, offset, schema or None, valid, since)
    return pages.index_page(page, {"schema": schema, "valid": valid,
                                   "since": since.isoformat() if since else None})


async def _record(store: ReportStore, request: Request, report_id: str) -> Record:
    rec = await run_in_threadpool(store.record, report_id)
    missing = HubProblem(404, "report_not_found", f"no report with id {report_id!r}",
                         ["path", "report_id"])
    if rec is None:
        raise missing
    key = api_key_of(request)
    if key is not None:
        if key.scope == "validate" and rec.key_id != key.id:
            raise missing  # a validate key sees only its own uploads; do not confirm others
        if key.schema and rec.schema != key.schema:
            raise HubProblem(403, "forbidden", f"key {key.name!r} is limited to schema "
                             f"{key.schema!r}", ["path", "report_id"])
    return rec


def _respond(rec: Record, html: bool) -> Response:
    location = {"Location": f"/reports/{rec.id}"}
    if rec.status in ("pending", "running"):
        if html:
            return pages.pending_page(rec.id, rec.status)
        return JSONResponse({"id": rec.id, "status": rec.status, "schema": rec.schema,
                             "source": rec.source, "created_at": rec.created_at},
                            status_code=202, headers={**location, "Retry-After": "1"})
    if rec.status == "failed":
        problem = rec.problem or {"detail": []}
        status = rec.http_status or 500
        return pages.failed_page(rec.id, status, problem) if html else JSONResponse(
            problem, status_code=status)
    body = rec.body or {}
    return pages.report_page(body) if html else JSONResponse(body)


_ONE = {
    200: {"model": Report, "content": _HTML,
          "description": "The finished report (JSON, or the page for Accept: text/html)."},
    202: {"description": "The job is pending or running; retry after Retry-After."},
    404: {"model": ProblemBody},
}


@router.get("/reports/{report_id}", response_model=Report, responses=_ONE)
async def get_report(report_id: str, request: Request, store: StoreDep,
                     view: View = None) -> Response:
    """One report: 200 when done, 202 while pending or running."""
    rec = await _record(store, request, report_id)
    return _respond(rec, wants_html(request, view))


@router.get("/reports/{report_id}/view", response_class=HTMLResponse, responses=_ONE)
async def view_report(report_id: str, request: Request, store: StoreDep) -> Response:
    """The report page, whatever the Accept header says."""
    rec = await _record(store, request, report_id)
    return _respond(rec, True)
