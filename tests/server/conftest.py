"""Fixtures for the hub's hardening tests: an in-process hub with chosen settings."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import SCHEMAS

HOSTILE = '''
"""A schema whose validator misbehaves on purpose, to stand for a hostile file."""
import os, signal, time
from pydantic import BaseModel, field_validator

class Row(BaseModel):
    id: int
    action: str

    @field_validator("action")
    @classmethod
    def act(cls, value: str) -> str:
        if value == "crash":
            os.kill(os.getpid(), signal.SIGSEGV)
        if value == "spin":
            while True:
                pass
        if value == "hog":
            blocks = [bytearray(64 << 20) for _ in range(64)]  # 4 GiB
            return str(len(blocks))
        if value == "nap":
            time.sleep(1.5)
        return value
'''


@pytest.fixture(autouse=True)
def _one_worker_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two shared cores: hubs under test start one validation worker unless a test asks for
    more (the pool's behaviour with several is tested explicitly)."""
    monkeypatch.setenv("DVH_WORKERS", "1")


@pytest.fixture
def hostile_schemas(tmp_path: Path) -> Path:
    """The sample schemas plus ``hostile`` (crash / spin / hog / nap on a cell value)."""
    folder = tmp_path / "schemas"
    folder.mkdir()
    for src in SCHEMAS.glob("*.py"):
        (folder / src.name).write_text(src.read_text())
    (folder / "hostile.py").write_text(HOSTILE)
    return folder


@pytest.fixture
def make_client(tmp_path: Path) -> Callable[..., Any]:
    """``with make_client(**settings) as client``: a TestClient on a fresh hub."""
    from fastapi.testclient import TestClient

    from hub.server.app import create_app
    from hub.server.settings import Settings

    @contextmanager
    def build(**overrides: Any) -> Iterator[Any]:
        options = {"schemas_dir": SCHEMAS, "db": tmp_path / "hub.db",
                   **overrides}
        with TestClient(create_app(Settings(**options))) as client:
            client.portal.call(client.app.state.pool.ready)
            yield client

    return build


def hostile_csv(action: str) -> bytes:
    return f"id,action\n1,ok\n2,{action}\n".encode()
