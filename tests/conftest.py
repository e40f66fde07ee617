"""Shared fixtures: real files, a real SQLite store, a real uvicorn process on 127.0.0.1."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "sample_data"
SCHEMAS = ROOT / "schemas"


@pytest.fixture(scope="session")
def registry():
    from hub.registry import Registry

    return Registry(SCHEMAS)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(base: str, proc: subprocess.Popen[bytes], deadline_s: float = 30.0) -> None:
    """Poll /health until it answers or the deadline passes (never a fixed sleep)."""
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited early with code {proc.returncode}")
        try:
            if httpx.get(f"{base}/health", timeout=1.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    raise TimeoutError(f"{base}/health did not answer within {deadline_s}s")


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[dict[str, Any]]:
    """``dvh serve`` as a real process on a free port, with its own SQLite file."""
    port = free_port()
    db = tmp_path / "hub.db"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    cmd = [sys.executable, "-m", "cli.main", "serve", "--host", "127.0.0.1", "--port", str(port),
           "--schemas-dir", str(SCHEMAS), "--db", str(db)]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(base, proc)
        yield {"url": base, "db": db, "proc": proc}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture
def client(tmp_path: Path) -> Iterator[Any]:
    """An in-process hub (TestClient runs the lifespan) on the sample schemas."""
    from fastapi.testclient import TestClient

    from hub.server.app import create_app
    from hub.server.settings import Settings

    app = create_app(Settings(schemas_dir=SCHEMAS, db=tmp_path / "hub.db"))
    with TestClient(app) as c:
        yield c


def assert_problem(response: httpx.Response, status: int, error_type: str,
                   loc: list[Any] | None = None) -> dict[str, Any]:
    """The one shape every non-report API error has: {"detail": [{type, loc, msg}]}."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"detail"}, body
    assert isinstance(body["detail"], list) and body["detail"], body
    first = body["detail"][0]
    assert {"type", "loc", "msg"} <= set(first), first
    assert first["type"] == error_type, first
    assert isinstance(first["msg"], str) and first["msg"]
    if loc is not None:
        assert first["loc"] == loc, first
    return body


def triples(report: dict[str, Any]) -> set[tuple[Any, ...]]:
    """(row-or-"col", column, type) for each detail item: what tests compare, not prose."""
    out = set()
    for item in report["detail"]:
        loc = item["loc"]
        if loc[0] == "rows" and len(loc) > 2:
            out.add((loc[1], loc[2], item["type"]))
        else:
            out.add((tuple(loc), item["type"]))
    return out
