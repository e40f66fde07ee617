"""Run an upload through the worker pool and the store: now (200/422) or later (202).

Synchronous: validate, commit the report, then answer; if the store fails, the client still
gets its report, marked ``"stored": false``, with 507 (disk full) or 503 and the reason.
Asynchronous (``?wait=false``): the job's row is committed as ``pending`` before the 202 goes
out; it moves to ``running`` when a worker takes it and to ``done`` (or ``failed``) after.
The upload's temp file is removed when the job ends, whatever the outcome.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response

from hub.db import StoreError
from hub.errors import DvhError
from hub.report import Report
from hub.server.pool import Job, JobFailed, WorkerPool
from hub.server.problems import domain_problem
from hub.server.uploads import Upload
from hub.store import ReportStore

log = logging.getLogger("dvh.jobs")

Judge = Callable[[dict[str, Any]], dict[str, Any]]  # the gate, applied before the report is stored


def passes(report: Report) -> bool:
    """200 or 422: the gate's verdict when it ran, else the engine's ``valid``."""
    return report.verdict.passed if report.verdict is not None else report.valid

LOST = {"detail": [{"type": "job_lost", "loc": [],
                    "msg": "the hub stopped before this job finished; upload the file again"}]}


def _problem(kind: str, msg: str) -> dict[str, Any]:
    return {"detail": [{"type": kind, "loc": [], "msg": msg}]}


def not_stored(report: Report, exc: StoreError) -> JSONResponse:
    body = report.to_json_dict()
    body["stored"] = False
    body["store_error"] = f"the report was not stored: {exc}"
    return JSONResponse(body, status_code=exc.status, headers={"X-Dvh-Stored": "false"})


class Validations:
    """The hub's validation service: pool + store + the background jobs in flight."""

    def __init__(self, pool: WorkerPool, store: ReportStore) -> None:
        self.pool = pool
        self.store = store
        self._tasks: set[asyncio.Task[None]] = set()

    async def run_now(self, job: Job, upload: Upload, key_id: str | None,
                      judge: Judge | None = None) -> Response:
        try:
            body = await self.pool.run(job)
        finally:
            upload.discard()
        if judge is None:  # the common case: the worker's wire form, stored and sent as is
            try:
                report_id, text = await run_in_threadpool(
                    lambda: self.store.add_body(body, key_id=key_id))
            except StoreError as exc:
                log.error("report not stored: %s", exc)
                return not_stored(Report.model_validate(body), exc)
            return Response(text.encode(), status_code=200 if body["valid"] else 422,
                            media_type="application/json",
                            headers={"Location": f"/reports/{report_id}"})
        report = Report.model_validate(judge(body))
        try:
            stored = await run_in_threadpool(lambda: self.store.add(report, key_id=key_id))
        except StoreError as exc:
            log.error("report not stored: %s", exc)
            return not_stored(report, exc)
        return JSONResponse(stored.to_json_dict(), status_code=200 if passes(stored) else 422,
                            headers={"Location": f"/reports/{stored.id}"})

    async def submit(self, job: Job, upload: Upload, key_id: str | None,
                     judge: Judge | None = None) -> JSONResponse:
        try:
            report_id = await run_in_threadpool(
                lambda: self.store.create_pending(job.schema, upload.name, key_id=key_id))
        except BaseException:
            upload.discard()
            raise
        task = asyncio.create_task(self._background(report_id, job, upload, judge))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        location = f"/reports/{report_id}"
        return JSONResponse({"id": report_id, "status": "pending", "schema": job.schema,
                             "source": upload.name, "location": location},
                            status_code=202, headers={"Location": location, "Retry-After": "1"})

    async def _background(self, report_id: str, job: Job, upload: Upload,
                          judge: Judge | None = None) -> None:
        async def running() -> None:
            await run_in_threadpool(self.store.mark_running, report_id)

        try:
            body = await self.pool.run(job, on_start=running)
            if judge:
                body = judge(body)
            await run_in_threadpool(self.store.finish, report_id, Report.model_validate(body))
        except JobFailed as exc:
            await self._fail(report_id, exc.status, _problem(exc.kind, exc.msg))
        except StoreError as exc:
            log.error("job %s: %s", report_id, exc)
            await self._fail(report_id, exc.status, _problem(exc.kind, str(exc)))
        except DvhError as exc:
            await self._fail(report_id, *domain_problem(exc))
        except Exception as exc:  # a bug: record it rather than leave the job pending forever
            log.exception("job %s failed", report_id)
            await self._fail(report_id, 500, _problem("internal_error",
                                                      f"internal error ({type(exc).__name__})"))
        finally:
            upload.discard()

    async def _fail(self, report_id: str, status: int, problem: dict[str, Any]) -> None:
        try:
            await run_in_threadpool(self.store.fail, report_id, status, problem)
        except StoreError as exc:
            log.error("job %s: could not record its failure: %s", report_id, exc)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
