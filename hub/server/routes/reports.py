"""Report history: newest first, paginated; one report by id."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from hub.report import Report
from hub.server.deps import StoreDep
from hub.server.problems import HubProblem, ProblemBody

router = APIRouter(prefix="/reports", tags=["reports"])


@router.get("")
async def list_reports(
    store: StoreDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
    schema: str | None = None,
    valid: bool | None = None,
) -> dict[str, Any]:
    items, total = await run_in_threadpool(
        lambda: store.list(limit=limit, offset=offset, schema=schema, valid=valid))
    return {"items": [i.as_dict() for i in items], "total": total, "limit": limit,
            "offset": offset}


@router.get("/{report_id}", response_model=Report,
            responses={404: {"model": ProblemBody}})
async def get_report(report_id: str, store: StoreDep) -> Any:
    body = await run_in_threadpool(store.get, report_id)
    if body is None:
        raise HubProblem(404, "report_not_found", f"no report with id {report_id!r}",
                         ["path", "report_id"])
    return JSONResponse(body)
