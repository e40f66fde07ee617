"""``POST /schemas/{name}/validate``: 200 when the report passes, 422 when it fails, 202 with
``Location`` for ``?wait=false``.

"Passes" is the gate's verdict (``hub.gate``) under the policy in the query (``fail_on``,
``max_error_rate``, ``max_errors_total``), exactly as ``dvh validate`` decides its exit code:
warnings alone pass unless ``fail_on=warning``. The verdict is stored with the report. A schema
without warnings under the default policy gets no gate fields: its report is the engine's, and
200/422 is its ``valid``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from hub.checks import SchemaChecks
from hub.gate import Policy, gate
from hub.registry import SchemaEntry
from hub.report import Report
from hub.server.deps import RegistryDep, SettingsDep, ValidationsDep, api_key_of
from hub.server.pool import Job
from hub.server.problems import ProblemBody
from hub.server.settings import Settings
from hub.server.uploads import receive_upload

router = APIRouter(tags=["validate"])

_BINARY = {"schema": {"type": "string", "format": "binary"}}
_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {"type": "object", "required": ["file"],
                           "properties": {"file": {"type": "string", "format": "binary"}}},
            },
            "text/csv": _BINARY,
            "application/vnd.apache.parquet": _BINARY,
        },
    }
}
_ACCEPTED: dict[str, Any] = {
    "description": "?wait=false: the job is queued; poll the Location.",
    "content": {"application/json": {"schema": {
        "type": "object", "required": ["id", "status", "location"],
        "properties": {"id": {"type": "string"}, "status": {"type": "string"},
                       "schema": {"type": "string"}, "source": {"type": "string"},
                       "location": {"type": "string"}}}}},
}
_NOT_STORED = {"model": Report, "description": "The report, marked \"stored\": false, because "
               "the database refused it (507: disk full; 503: database unavailable)."}


def _read_options(settings: Settings, delimiter: str | None, encoding: str | None,
                  header: bool, null_token: list[str] | None, inflate: int | None
                  ) -> dict[str, object]:
    """What the client said of its file, for the worker's ``ReadOptions`` (the decompressed
    cap can only be lowered, never raised past the hub's)."""
    read: dict[str, object] = {"max_decompressed_bytes": min(
        inflate or settings.max_decompressed_bytes, settings.max_decompressed_bytes)}
    if delimiter:
        read["delimiter"] = delimiter
    if encoding:
        read["encoding"] = encoding
    if not header:
        read["header"] = False
    if null_token:
        read["null_tokens"] = tuple(null_token)
    return read


def _judge(entry: SchemaEntry, policy: Policy) -> Callable[[dict[str, Any]], dict[str, Any]] | None:
    """The gate to apply to the worker's report before it is stored (None: nothing to add)."""
    checks = SchemaChecks.from_entry(entry)
    if policy.is_default and not checks.declares_warnings:
        return None
    return lambda body: gate(body, checks, policy)


@router.post(
    "/schemas/{name}/validate",
    response_model=Report,
    responses={
        200: {"model": Report, "description": "The verdict passes (the data is valid, or "
              "only warns, or stays within the thresholds); the stored report."},
        202: _ACCEPTED,
        422: {"model": Report, "description": "The verdict fails; the stored report."},
        400: {"model": ProblemBody, "description": "The file cannot be read."},
        401: {"model": ProblemBody, "description": "No API key, or an unknown one."},
        403: {"model": ProblemBody, "description": "The key may not upload to this schema."},
        404: {"model": ProblemBody, "description": "No schema by that name."},
        413: {"model": ProblemBody, "description": "The upload is too large."},
        415: {"model": ProblemBody, "description": "Not CSV or Parquet."},
        429: {"model": ProblemBody, "description": "Per-key limit reached; see Retry-After."},
        503: {"model": ProblemBody, "description": "The job died, ran out of time or memory, "
              "or the hub is busy; or (with a report body) the report was not stored."},
        507: _NOT_STORED,
    },
    openapi_extra=_BODY,
)
async def validate_upload(
    name: str,
    request: Request,
    registry: RegistryDep,
    settings: SettingsDep,
    validations: ValidationsDep,
    max_errors: Annotated[int | None, Query(ge=0, description="0: no cap")] = None,
    wait: Annotated[bool, Query(description="false: answer 202 at once and validate in "
                                "the background")] = True,
    filename: Annotated[str | None, Query(max_length=255, description="Name (and format hint) "
                                          "of a raw-body upload")] = None,
    delimiter: Annotated[str | None, Query(min_length=1, max_length=1, description="CSV "
                                           "delimiter [default: detected]")] = None,
    encoding: Annotated[str | None, Query(max_length=40, pattern=r"^[A-Za-z0-9_.:-]+$",
                                          description="Text encoding [default: UTF-8 or "
                                          "the byte-order mark's]")] = None,
    header: Annotated[bool, Query(description="false: columns map to fields by "
                                  "position")] = True,
    null_token: Annotated[list[str] | None, Query(max_length=20, description="Cell values "
                                                  "that mean missing (repeatable)")] = None,
    max_decompressed_bytes: Annotated[int | None, Query(ge=1, description="Lower the hub's "
                                                        "cap on a compressed file's size")] = None,
    fail_on: Annotated[Literal["error", "warning"], Query(description="warning: warnings fail "
                                                          "the verdict too")] = "error",
    max_error_rate: Annotated[float | None, Query(ge=0, le=1, description="Fraction of rows "
                                                  "with a counted failure tolerated")] = None,
    max_errors_total: Annotated[int | None, Query(ge=0, description="Number of counted "
                                                  "failures tolerated")] = None,
) -> Response:
    """Validate an uploaded CSV or Parquet file, gate it on the policy in the query; the report
    and its verdict are stored before they are returned."""
    entry = await run_in_threadpool(registry.get, name)  # 404 before reading a large body
    judge = _judge(entry, Policy(fail_on, max_error_rate, max_errors_total))
    upload = await receive_upload(request, settings)
    cap = settings.max_errors if max_errors is None else max_errors
    read = _read_options(settings, delimiter, encoding, header, null_token,
                         max_decompressed_bytes)
    job = Job(schema=name, path=upload.path, name=upload.name, fmt=upload.fmt, max_errors=cap,
              size=upload.size, read=read)
    key = api_key_of(request)
    key_id = key.id if key is not None else None
    if wait:
        return await validations.run_now(job, upload, key_id, judge)
    return await validations.submit(job, upload, key_id, judge)
