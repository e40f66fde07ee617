"""Report history: one row per report, the report itself as JSON, committed before it is returned.

A synchronous upload stores its finished report with ``add``. An asynchronous one (``?wait=false``)
gets its id first: ``create_pending`` -> ``mark_running`` -> ``finish`` (or ``fail``), so
``GET /reports/{id}`` can say where the job is. Database failures raise ``StoreError`` (or
``StoreFull`` for a full disk) with one clear line; the caller decides what the client sees.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from hub.db import StoreError, StoreFull, classify, open_engine, reports
from hub.ids import new_id
from hub.report import Report

__all__ = ["Record", "ReportStore", "ReportSummary", "StoreError", "StoreFull"]

STATUSES = ("pending", "running", "done", "failed")


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


@dataclass(frozen=True)
class ReportSummary:
    id: str
    created_at: str
    schema: str
    source: str
    valid: bool | None
    rows: int | None
    error_count: int | None
    status: str = "done"

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "created_at": self.created_at, "schema": self.schema,
            "source": self.source, "valid": self.valid, "rows": self.rows,
            "error_count": self.error_count, "status": self.status,
        }


@dataclass(frozen=True)
class Record:
    """A stored row: the report once ``done``, the problem once ``failed``."""

    id: str
    status: str
    schema: str
    source: str
    created_at: str
    key_id: str | None
    body: dict[str, Any] | None
    http_status: int | None
    problem: dict[str, Any] | None


class ReportStore:
    """A thread-safe handle on the report history (SQLAlchemy pools the connections)."""

    def __init__(self, db: Path | str | Engine) -> None:
        self.engine = db if isinstance(db, Engine) else open_engine(db)
        self._owns_engine = not isinstance(db, Engine)
        self.path = Path(self.engine.url.database or "") if self.engine.url.get_backend_name() \
            == "sqlite" else None

    def close(self) -> None:
        if self._owns_engine:
            self.engine.dispose()

    def _write(self, action: str, statement: Any) -> None:
        try:
            with self.engine.begin() as conn:
                conn.execute(statement)
        except SQLAlchemyError as exc:
            raise classify(exc, action) from None

    def add(self, report: Report, *, key_id: str | None = None) -> Report:
        """Store a finished report under a new id and return it carrying that id."""
        stored = report.model_copy(update={"id": new_id()})
        self._write("store the report", reports.insert().values(
            id=stored.id, created_at=now_iso(), schema_name=stored.schema_.name,
            source_name=stored.source.name, valid=int(stored.valid), rows=stored.rows,
            error_count=stored.error_count, body=_dumps(stored.to_json_dict()), status="done",
            key_id=key_id))
        return stored

    def add_body(self, body: dict[str, Any], *, key_id: str | None = None) -> tuple[str, str]:
        """Store a finished report given in its wire form (``Report.to_json_dict()``); return
        its new id and the JSON text stored, which is also the answer to send. Why: under
        load the hub's event loop was the bottleneck, and half its work per small upload was
        turning the worker's dict into a model, back into a dict twice, and into JSON twice."""
        report_id = new_id()
        stored = {**body, "id": report_id}  # "id" leads the wire form: it keeps its place
        text = _dumps(stored)
        self._write("store the report", reports.insert().values(
            id=report_id, created_at=now_iso(), schema_name=stored["schema"]["name"],
            source_name=stored["source"]["name"], valid=int(bool(stored["valid"])),
            rows=stored["rows"], error_count=stored["error_count"], body=text, status="done",
            key_id=key_id))
        return report_id, text

    def create_pending(self, schema: str, source: str, *, key_id: str | None = None) -> str:
        """Reserve an id for a job that has not started; committed before the 202 goes out."""
        report_id = new_id()
        self._write("record the job", reports.insert().values(
            id=report_id, created_at=now_iso(), schema_name=schema, source_name=source,
            status="pending", key_id=key_id))
        return report_id

    def mark_running(self, report_id: str) -> None:
        self._write("update the job", update(reports).where(reports.c.id == report_id)
                    .values(status="running"))

    def finish(self, report_id: str, report: Report) -> Report:
        stored = report.model_copy(update={"id": report_id})
        self._write("store the report", update(reports).where(reports.c.id == report_id).values(
            status="done", valid=int(stored.valid), rows=stored.rows,
            error_count=stored.error_count, body=_dumps(stored.to_json_dict())))
        return stored

    def fail(self, report_id: str, http_status: int, problem: dict[str, Any]) -> None:
        self._write("record the failure", update(reports).where(reports.c.id == report_id)
                    .values(status="failed", http_status=http_status, problem=_dumps(problem)))

    def fail_unfinished(self, problem: dict[str, Any]) -> int:
        """At start-up: jobs a previous hub process left pending or running can never finish."""
        try:
            with self.engine.begin() as conn:
                result = conn.execute(update(reports)
                                      .where(reports.c.status.in_(("pending", "running")))
                                      .values(status="failed", http_status=503,
                                              problem=_dumps(problem)))
        except SQLAlchemyError as exc:
            raise classify(exc, "clean up unfinished jobs") from None
        return result.rowcount or 0

    def record(self, report_id: str) -> Record | None:
        try:
            with self.engine.connect() as conn:
                row = conn.execute(select(reports).where(reports.c.id == report_id)).first()
        except SQLAlchemyError as exc:
            raise classify(exc, "read the report") from None
        if row is None:
            return None
        m = row._mapping
        return Record(id=m["id"], status=m["status"], schema=m["schema_name"],
                      source=m["source_name"], created_at=m["created_at"], key_id=m["key_id"],
                      body=json.loads(m["body"]) if m["body"] else None,
                      http_status=m["http_status"],
                      problem=json.loads(m["problem"]) if m["problem"] else None)

    def get(self, report_id: str) -> dict[str, Any] | None:
        """The finished report body, or None (unknown id, or not done)."""
        rec = self.record(report_id)
        return rec.body if rec is not None and rec.status == "done" else None

    def list(self, *, limit: int = 50, offset: int = 0, schema: str | None = None,
             valid: bool | None = None, since: datetime | None = None,
             key_id: str | None = None) -> tuple[list[ReportSummary], int]:
        """Newest first (ids sort by time), with the total number that match."""
        conds = []
        if schema is not None:
            conds.append(reports.c.schema_name == schema)
        if valid is not None:
            conds.append(reports.c.valid == int(valid))
        if since is not None:
            stamp = since if since.tzinfo else since.replace(tzinfo=UTC)
            conds.append(reports.c.created_at >= stamp.astimezone(UTC).isoformat(
                timespec="milliseconds"))
        if key_id is not None:
            conds.append(reports.c.key_id == key_id)
        cols = (reports.c.id, reports.c.created_at, reports.c.schema_name, reports.c.source_name,
                reports.c.valid, reports.c.rows, reports.c.error_count, reports.c.status)
        try:
            with self.engine.connect() as conn:
                total = conn.execute(select(func.count()).select_from(reports).where(*conds)
                                     ).scalar_one()
                rows = conn.execute(select(*cols).where(*conds).order_by(reports.c.id.desc())
                                    .limit(limit).offset(offset)).all()
        except SQLAlchemyError as exc:
            raise classify(exc, "list reports") from None
        items = [ReportSummary(r[0], r[1], r[2], r[3], None if r[4] is None else bool(r[4]),
                               r[5], r[6], r[7]) for r in rows]
        return items, total


def _dumps(body: dict[str, Any]) -> str:
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False)
