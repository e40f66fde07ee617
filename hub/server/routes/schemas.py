"""Schemas the hub enforces, and the ones that failed to load (with why)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool

from hub.server.deps import RegistryDep
from hub.server.problems import ProblemBody

router = APIRouter(prefix="/schemas", tags=["schemas"])


@router.get("")
async def list_schemas(registry: RegistryDep) -> dict[str, Any]:
    entries, errors = await run_in_threadpool(registry.load_all)
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
