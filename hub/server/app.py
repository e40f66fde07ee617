"""The app factory: state (registry, database, keys, worker pool) is built in ``lifespan``."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from hub import __version__
from hub.db import StoreError, open_engine
from hub.keys import KeyStore
from hub.registry import Registry
from hub.server import problems
from hub.server.auth import AuthMiddleware, rule_for
from hub.server.jobs import LOST, Validations
from hub.server.pool import WorkerPool
from hub.server.routes import health, reports, schema_admin, schemas, validate
from hub.server.settings import Settings
from hub.store import ReportStore

log = logging.getLogger("dvh.hub")

BEARER = "bearerAuth"


def _openapi(app: FastAPI) -> dict[str, Any]:
    """FastAPI's schema plus the bearer scheme the auth middleware enforces."""
    if app.openapi_schema:
        return app.openapi_schema
    spec = get_openapi(title=app.title, version=app.version, description=app.description,
                       routes=app.routes)
    spec.setdefault("components", {})["securitySchemes"] = {
        BEARER: {"type": "http", "scheme": "bearer",
                 "description": "An API key from `dvh keys create`. Needed once any key exists "
                 "(or with --require-auth); /health never needs one."}}
    for path, ops in spec.get("paths", {}).items():
        for method, op in ops.items():
            public = rule_for(method, path).scope == "public"
            op["security"] = [] if public else [{BEARER: []}]
    app.openapi_schema = spec
    return spec


def _schema_db(settings: Settings) -> str | None:
    """Declarative schemas PUT on the hub live in its SQLite file; workers read them there."""
    from hub.schema_store import sqlite_path

    path = sqlite_path(settings.db)
    return None if path is None else str(path.resolve())


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build a hub; ``settings`` defaults to what the ``DVH_*`` environment says."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.settings = settings
        app.state.registry = Registry(settings.schemas_dir.resolve())
        app.state.registry.load_all()
        engine = open_engine(settings.db, sync=settings.db_sync)
        app.state.store = ReportStore(engine)
        app.state.keys = KeyStore(engine)
        try:
            lost = app.state.store.fail_unfinished(LOST)
            if lost:
                log.warning("%d unfinished jobs from a previous run marked failed", lost)
        except StoreError as exc:
            log.error("%s", exc)
        pool = WorkerPool(workers=settings.workers, schemas_dir=settings.schemas_dir.resolve(),
                          job_timeout_s=settings.job_timeout_s,
                          job_memory_bytes=settings.job_memory_bytes,
                          large_upload_bytes=settings.large_upload_bytes,
                          max_queued=settings.max_queued_jobs,
                          schema_db=_schema_db(settings),
                          small_workers=settings.small_workers)
        await pool.start()
        app.state.pool = pool
        app.state.validations = Validations(pool, app.state.store)
        try:
            yield
        finally:
            await app.state.validations.close()
            await pool.close()
            engine.dispose()

    app = FastAPI(
        title="dvh — data validation hub",
        version=__version__,
        description="Validate CSV and Parquet uploads against Pydantic schemas. 200 carries a "
        "valid report, 422 an invalid one, in FastAPI's own error shape.",
        lifespan=lifespan,
    )
    problems.install(app)
    for module in (health, schemas, schema_admin, validate, reports):
        app.include_router(module.router)
    app.add_middleware(AuthMiddleware)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app
