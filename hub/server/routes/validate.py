"""``POST /schemas/{name}/validate``: 200 with a valid report, 422 with an invalid one."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from hub.registry import Registry
from hub.report import Report
from hub.server.deps import RegistryDep, SettingsDep, StoreDep
from hub.server.problems import ProblemBody
from hub.server.uploads import receive_upload
from hub.store import ReportStore
from hub.validate import validate

router = APIRouter(tags=["validate"])

_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {"type": "object", "required": ["file"],
                           "properties": {"file": {"type": "string", "format": "binary"}}},
            },
            "text/csv": {"schema": {"type": "string", "format": "binary"}},
            "application/vnd.apache.parquet": {"schema": {"type": "string", "format": "binary"}},
        },
    }
}


def _run(registry: Registry, store: ReportStore, name: str, path: Path, label: str, fmt: str,
         max_errors: int) -> Report:
    entry = registry.get(name)
    report = validate(path, entry, max_errors=max_errors, name=label, fmt=fmt)
    return store.add(report)


@router.post(
    "/schemas/{name}/validate",
    response_model=Report,
    responses={
        200: {"model": Report, "description": "The data is valid; the stored report."},
        422: {"model": Report, "description": "The data is invalid; the stored report."},
        400: {"model": ProblemBody, "description": "The file cannot be read."},
        404: {"model": ProblemBody, "description": "No schema by that name."},
        413: {"model": ProblemBody, "description": "The upload is too large."},
        415: {"model": ProblemBody, "description": "Not CSV or Parquet."},
    },
    openapi_extra=_BODY,
)
async def validate_upload(
    name: str,
    request: Request,
    registry: RegistryDep,
    store: StoreDep,
    settings: SettingsDep,
    max_errors: Annotated[int | None, Query(ge=0, description="0: no cap")] = None,
) -> JSONResponse:
    """Validate an uploaded CSV or Parquet file; the report is stored before it is returned."""
    await run_in_threadpool(registry.get, name)  # 404 before reading a large body
    upload = await receive_upload(request, settings.max_upload_bytes, settings.upload_dir)
    try:
        cap = settings.max_errors if max_errors is None else max_errors
        report = await run_in_threadpool(_run, registry, store, name, upload.path, upload.name,
                                         upload.fmt, cap)
    finally:
        upload.path.unlink(missing_ok=True)
    return JSONResponse(report.to_json_dict(), status_code=200 if report.valid else 422,
                        headers={"Location": f"/reports/{report.id}"})
