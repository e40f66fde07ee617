"""Schemas the hub enforces, and the ones that failed to load (with why)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool

from hub.server.deps import RegistryDep, api_key_of
from hub.server.problems import ProblemBody

router = APIRouter(prefix="/schemas", tags=["schemas"])


@router.get("")
async def list_schemas(request: Request, registry: RegistryDep) -> dict[str, Any]:
    entries, errors = await run_in_threadpool(registry.load_all)
    key = api_key_of(request)
    if key is not None and key.schema:  # a key bound to one schema sees that one only
        entries = {n: e for n, e in entries.items() if n == key.schema}
        errors = {n: e for n, e in errors.items() if n == key.schema}
    return {
        "schemas": [
            {"name": e.name, "version": e.version, "fingerprint": e.fingerprint,
             "fields": list(e.model.model_fields)}
            for e in entries.values()
        ],
        "errors": errors,
    }


@router.get("/{name}", responses={404: {"model": ProblemBody}})
async def get_schema(name: str, registry: RegistryDep) -> dict[str, Any]:
    entry = await run_in_threadpool(registry.get, name)
    return entry.describe()
