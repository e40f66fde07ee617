"""Start ``dvh serve`` as a real process on 127.0.0.1 with chosen flags (tests and bench)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.conftest import ROOT, SCHEMAS, free_port, wait_healthy


def spawn(db: Path | str, *args: str, schemas: Path = SCHEMAS, port: int | None = None,
          env: dict[str, str] | None = None) -> tuple[subprocess.Popen[bytes], str]:
    port = port or free_port()
    cmd = [sys.executable, "-m", "cli.main", "serve", "--host", "127.0.0.1", "--port",
           str(port), "--schemas-dir", str(schemas), "--db", str(db), *args]
    proc = subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, "PYTHONUNBUFFERED": "1",
                                                **(env or {})},
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return proc, f"http://127.0.0.1:{port}"


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
    if proc.stderr is not None:
        proc.stderr.close()


@contextmanager
def hub(tmp_path: Path, *args: str, schemas: Path = SCHEMAS,
        env: dict[str, str] | None = None) -> Iterator[dict[str, Any]]:
    db = tmp_path / "hub.db"
    proc, base = spawn(db, *args, schemas=schemas, env=env)
    try:
        wait_healthy(base, proc)
        yield {"url": base, "db": db, "proc": proc, "port": int(base.rsplit(":", 1)[1])}
    finally:
        stop(proc)
