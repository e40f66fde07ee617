"""Register declarative schemas over HTTP: ``PUT /schemas/{name}`` (an admin's job).

The body is a JSON Schema document as ``dvh schema export`` prints it. It is built into a model
without running any code (``hub.declarative``); only then is it stored, as a new revision in
the hub's database, and enforced from the next request on. File-based schemas keep priority:
a name that exists as a file cannot be shadowed from the network.

The router brings its own lifespan (merged by FastAPI into the app's): it opens the schema store
on the hub's database and hands it to the registry, so stored schemas are listed by
``GET /schemas`` with the file-based ones.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import APIRouter, Body, FastAPI, Request, Response
from fastapi.concurrency import run_in_threadpool

from hub.errors import SchemaLoadError
from hub.registry import Registry, load_schema_document
from hub.schema_store import SchemaStore, VersionConflict, sqlite_path
from hub.server.problems import HubProblem, ProblemBody


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    path = sqlite_path(app.state.settings.db)
    store = SchemaStore(path) if path is not None else None
    app.state.schema_store = store
    if store is not None:
        app.state.registry.stored = store
    try:
        yield
    finally:
        if store is not None:
            store.close()


router = APIRouter(prefix="/schemas", tags=["schemas"], lifespan=_lifespan)

_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ProblemBody, "description": "The document is not a usable schema."},
    409: {"model": ProblemBody, "description": "The name is a file-based schema, or the "
          "declared version already names a different contract."},
}


def _put(registry: Registry, store: SchemaStore, name: str, doc: dict[str, Any]
         ) -> tuple[dict[str, Any], bool]:
    if not (name.isascii() and name.isidentifier()):  # it goes into paths and headers
        raise HubProblem(400, "invalid_schema_name",
                         f"{name!r} is not a valid schema name (ASCII letters, digits, _)",
                         ["path", "name"])
    if name in registry.file_names():
        raise HubProblem(409, "schema_conflict", f"schema {name!r} is defined by a file in the "
                         "hub's schemas folder; it cannot be replaced over HTTP",
                         ["path", "name"])
    try:
        entry = load_schema_document(name, doc)
    except SchemaLoadError as exc:
        raise HubProblem(400, "invalid_schema", str(exc), ["body"]) from None
    try:
        rev, created = store.put(name, doc, entry.fingerprint, entry.version)
    except VersionConflict as exc:
        raise HubProblem(409, "version_conflict", str(exc), ["body", "x-dvh", "version"]
                         ) from None
    registry.forget(name)
    body = {"name": name, "revision": rev.revision, "version": entry.version or str(rev.revision),
            "fingerprint": entry.fingerprint, "created": created}
    return body, created


def _store(request: Request) -> SchemaStore:
    store: SchemaStore | None = request.app.state.schema_store
    if store is None:
        raise HubProblem(501, "not_supported", "declarative schemas are stored in a SQLite hub "
                         "database; this hub's --db is another database", ["path", "name"])
    return store


@router.put("/{name}", responses=_ERRORS, status_code=200)
async def put_schema(name: str, doc: Annotated[dict[str, Any], Body()], request: Request,
                     response: Response) -> dict[str, Any]:
    """Register (or revise) a declarative schema. 201 for a new revision, 200 if unchanged."""
    state = request.app.state
    body, created = await run_in_threadpool(_put, state.registry, _store(request), name, doc)
    if created:
        response.status_code = 201
        response.headers["location"] = f"/schemas/{name}"
    return body


@router.get("/{name}/revisions", responses={404: {"model": ProblemBody}})
async def list_revisions(name: str, request: Request) -> dict[str, Any]:
    """Every stored revision of a declarative schema, oldest first."""
    store = _store(request)
    revisions = await run_in_threadpool(store.revisions, name)
    if not revisions:
        raise HubProblem(404, "schema_not_found", f"no stored revisions of schema {name!r}",
                         ["path", "name"])
    return {"name": name, "revisions": [r.as_dict() for r in revisions]}
