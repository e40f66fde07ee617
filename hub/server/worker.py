"""The validation worker: a separate process that runs ``hub.validate.validate`` on one file.

Why a process: a file that crashes a native reader, loops forever or eats memory takes down this
process only; the hub answers that one request with a 503 and starts a fresh worker. The worker
caps its own address space (``RLIMIT_AS``), so a runaway allocation fails here with a
``MemoryError`` instead of pushing the machine into swap or the OOM killer.

Protocol on the pipe: the worker sends ``("ready", pid)`` once, then for each job dict it
receives it answers one tuple: ``("ok", report_json)``, ``("error", ErrorClassName, message)``
for dvh's own errors, ``("memory", message)`` or ``("internal", message)``. ``None`` stops it.
"""

from __future__ import annotations

import contextlib
import os
import resource
import signal
import tempfile
import threading
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from hub.errors import DvhError
from hub.inputs import ReadOptions
from hub.registry import Registry
from hub.validate import validate


def _limit_memory(limit: int) -> None:
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    cap = limit if hard == resource.RLIM_INFINITY else min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))


def _exit_with_parent(parent: int) -> None:
    """A SIGKILLed hub cannot stop its workers: each one leaves when its parent is gone."""

    def watch() -> None:
        while True:
            time.sleep(0.5)
            if os.getppid() != parent:
                os._exit(0)

    threading.Thread(target=watch, name="dvh-parent-watch", daemon=True).start()


def _warm_up(registry: Registry) -> None:
    """Pay the engine's one-time start-up costs (~0.4 s) before the first upload does."""
    entries, _ = registry.load_all()
    if not entries:
        return
    entry = next(iter(entries.values()))
    names = [info.alias or name for name, info in entry.model.model_fields.items()]
    fd, name = tempfile.mkstemp(prefix="dvh-warm-", suffix=".csv")
    path = Path(name)
    try:
        with os.fdopen(fd, "w") as out:
            out.write(",".join(names) + "\n" + ",".join("1" for _ in names) + "\n"
                      + ",".join("x" for _ in names) + "\n")
        with contextlib.suppress(Exception):
            validate(path, entry, max_errors=10)
    finally:
        path.unlink(missing_ok=True)


def run_job(registry: Registry, job: dict[str, Any]) -> tuple[Any, ...]:
    """One job, every outcome turned into a reply (nothing escapes to kill the loop)."""
    try:
        entry = registry.get(job["schema"])
        read = ReadOptions(**job.get("read", {}))
        report = validate(Path(job["path"]), entry, max_errors=job["max_errors"],
                          name=job["name"], fmt=None if job["fmt"] == "auto" else job["fmt"],
                          options=read)
        return ("ok", report.to_json_dict())
    except MemoryError:
        return ("memory", "validating this file needs more memory than the worker limit "
                f"({job['memory_limit'] >> 20} MiB)")
    except DvhError as exc:
        return ("error", type(exc).__name__, str(exc), exc.kind)
    except RecursionError:
        return ("internal", "the file nests too deeply to validate (RecursionError)")
    except Exception as exc:  # a bug: the hub reports it as internal, without rows or traceback
        return ("internal", f"{type(exc).__name__} while validating")


def main(conn: Connection, schemas_dir: str, memory_limit: int, nice: int = 10,
         schema_db: str | None = None) -> None:
    """Entry point of the worker process (started through the forkserver)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the hub's to handle
    # Below the hub's own priority: the event loop (health checks, uploads being received,
    # answers being sent) keeps a core even while every worker is busy with a large file.
    with contextlib.suppress(OSError):
        os.nice(nice)
    _exit_with_parent(os.getppid())
    _limit_memory(memory_limit)
    registry = Registry(Path(schemas_dir))
    if schema_db:  # declarative schemas stored by PUT /schemas/{name}
        from hub.schema_store import SchemaStore

        with contextlib.suppress(DvhError):
            registry.stored = SchemaStore(schema_db)
    _warm_up(registry)  # import schemas and warm the engine now, not on an upload's clock
    conn.send(("ready", os.getpid()))
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        reply = run_job(registry, {**job, "memory_limit": memory_limit})
        try:
            conn.send(reply)
        except (MemoryError, OSError):
            os._exit(3)
        if reply[0] == "memory":
            return  # leave a fragmented heap behind: the pool starts a fresh worker
