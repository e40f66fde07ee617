"""The app factory: state (registry, store) is built in ``lifespan``, never at import."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from hub import __version__
from hub.registry import Registry
from hub.server import problems
from hub.server.routes import health, reports, schema_admin, schemas, validate
from hub.server.settings import Settings
from hub.store import ReportStore


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build a hub; ``settings`` defaults to what the ``DVH_*`` environment says."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.settings = settings
        app.state.registry = Registry(settings.schemas_dir.resolve())
        app.state.registry.load_all()
        app.state.store = ReportStore(settings.db)
        try:
            yield
        finally:
            app.state.store.close()

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
    return app
