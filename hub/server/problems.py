"""Every error the hub answers has FastAPI's shape: ``{"detail": [{"type", "loc", "msg"}]}``.

Domain errors are translated here, once, by exception handlers installed in the app factory.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from hub.db import StoreError
from hub.errors import (
    ConfigError,
    DvhError,
    SchemaLoadError,
    SchemaNotFound,
    UnreadableInput,
    UnsupportedFormat,
)


class Problem(BaseModel):
    type: str
    loc: list[str | int]
    msg: str


class ProblemBody(BaseModel):
    """The body of every non-report error response."""

    detail: list[Problem]


class HubProblem(Exception):
    """Raised by routes for an HTTP-level problem with a stable ``type`` slug."""

    def __init__(self, status: int, kind: str, msg: str, loc: list[str | int] | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(msg)
        self.status, self.kind, self.msg = status, kind, msg
        self.loc = loc or []
        self.headers = headers


def problem_response(status: int, kind: str, msg: str, loc: list[str | int] | None = None,
                     headers: dict[str, str] | None = None) -> JSONResponse:
    body: dict[str, Any] = {"detail": [{"type": kind, "loc": loc or [], "msg": msg}]}
    return JSONResponse(body, status_code=status, headers=headers)


_DOMAIN: list[tuple[type[DvhError], int, str]] = [
    (SchemaNotFound, 404, "schema_not_found"),
    (UnsupportedFormat, 415, "unsupported_format"),
    (UnreadableInput, 400, "unreadable_input"),
    (SchemaLoadError, 500, "schema_load_error"),
    (ConfigError, 400, "config_error"),
]


def domain_problem(exc: DvhError) -> tuple[int, dict[str, Any]]:
    """The status and body a domain error answers (also stored for a failed async job)."""
    if isinstance(exc, StoreError):
        status, kind, loc = exc.status, exc.kind, []
    else:
        status, kind, loc = 500, "dvh_error", []
        for cls, code, _slug in _DOMAIN:
            if isinstance(exc, cls):
                status, kind = code, exc.kind  # the precise slug (empty_file, ...) if any
                loc = ["path", "name"] if isinstance(exc, SchemaNotFound) else []
                break
    return status, {"detail": [{"type": kind, "loc": loc, "msg": str(exc)}]}


def _domain(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DvhError)
    status, body = domain_problem(exc)
    return JSONResponse(body, status_code=status)


def _hub(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HubProblem)
    return problem_response(exc.status, exc.kind, exc.msg, exc.loc, exc.headers)


def _job(_: Request, exc: Exception) -> JSONResponse:
    from hub.server.pool import JobFailed

    assert isinstance(exc, JobFailed)
    headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after else None
    return problem_response(exc.status, exc.kind, exc.msg, [], headers)


def _http(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    kind = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
    return problem_response(exc.status_code, kind, str(exc.detail), headers=exc.headers)


def _invalid_request(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    detail = [
        {"type": e["type"], "loc": list(e["loc"]), "msg": e["msg"]} for e in exc.errors()
    ]
    return JSONResponse({"detail": detail}, status_code=400)


def _unexpected(_: Request, exc: Exception) -> JSONResponse:
    # A bug must never look like invalid data, nor leak a traceback (or rows) to a client.
    return problem_response(500, "internal_error", f"internal error ({type(exc).__name__})")


def install(app: FastAPI) -> None:
    app.add_exception_handler(DvhError, _domain)
    from hub.server.pool import JobFailed

    app.add_exception_handler(HubProblem, _hub)
    app.add_exception_handler(JobFailed, _job)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_exception_handler(Exception, _unexpected)
