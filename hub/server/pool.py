"""A bounded pool of validation worker processes, with a time and a memory limit per job.

Why not ``concurrent.futures.ProcessPoolExecutor``: one dead worker breaks that whole executor
(every pending job fails) and a single job cannot be stopped. Here each worker has its own pipe;
a job that runs past ``job_timeout_s`` gets its worker SIGKILLed, a worker that dies is
replaced, and only that job's request fails (503 with a clear ``type``).

Memory is bounded by construction: at most ``workers`` validations run at once (the global
cap), each in a process whose address space is capped at ``job_memory_bytes``. Peak RSS of the
hub is therefore at most ``base + workers x job_memory_bytes`` (base: the hub process itself,
~120 MiB; uploads are spooled to disk, not memory). Measured with the current engine, a job
costs about 6x its CSV's size above the worker's ~130 MiB idle RSS (40 MiB -> +228 MiB).

Two lanes: ``workers - small_workers`` workers take large uploads (``>= large_upload_bytes``)
and run at a low CPU priority (nice 15); ``small_workers`` (default 2) are kept for small
files and run at nice 0, so a small file never waits behind a big one, and takes the CPU from
it when both run. A small file also uses an idle large-lane worker. The small lane is not
niced at all: at nice 5 it weighed a third of each nice-0 process (the hub's event loop, the
clients on the same machine), and under 16 busy clients it was starved to a quarter of a core
while it had work queued.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import signal
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

from hub import errors

log = logging.getLogger("dvh.pool")

_START_TIMEOUT_S = 60.0
_NICE = {"small": 0, "large": 15}


class JobFailed(Exception):
    """A job that could not produce a report for a reason other than the file's content."""

    def __init__(self, status: int, kind: str, msg: str, retry_after: int | None = None) -> None:
        super().__init__(msg)
        self.status, self.kind, self.msg, self.retry_after = status, kind, msg, retry_after


@dataclass
class Job:
    schema: str
    path: Path
    name: str
    fmt: str
    max_errors: int
    size: int
    read: dict[str, Any] | None = None  # hub.inputs.ReadOptions fields the client set

    def message(self) -> dict[str, Any]:
        return {"schema": self.schema, "path": str(self.path), "name": self.name,
                "fmt": self.fmt, "max_errors": self.max_errors, "read": self.read or {}}


@dataclass
class _Worker:
    process: BaseProcess
    conn: Connection
    lane: str  # "small" or "large"

    @property
    def pid(self) -> int | None:
        return self.process.pid


def _context() -> Any:
    ctx = multiprocessing.get_context("forkserver")
    # The forkserver imports the engine once; each worker is a cheap fork of it.
    ctx.set_forkserver_preload(["hub.server.worker"])
    return ctx


def _describe_exit(code: int | None) -> str:
    if code is None:
        return "stopped answering"
    if code < 0:
        with contextlib.suppress(ValueError):
            return f"was killed by {signal.Signals(-code).name}"
        return f"was killed by signal {-code}"
    return f"exited with code {code}"


class WorkerPool:
    """``await pool.run(job)`` -> the report JSON; raises ``JobFailed`` or a ``DvhError``."""

    def __init__(self, *, workers: int, schemas_dir: Path, job_timeout_s: float,
                 job_memory_bytes: int, large_upload_bytes: int, max_queued: int,
                 schema_db: str | None = None, small_workers: int = 2) -> None:
        self.size = workers
        self.schemas_dir = schemas_dir
        self.schema_db = schema_db
        self.job_timeout_s = job_timeout_s
        self.job_memory_bytes = job_memory_bytes
        self.large_upload_bytes = large_upload_bytes
        self.max_queued = max_queued
        self._ctx = _context()
        self._idle = {"small": asyncio.Queue[_Worker](), "large": asyncio.Queue[_Worker]()}
        small = max(1, min(small_workers, workers - 1)) if workers > 1 else 1
        self.lanes = {"small": small, "large": workers - small}
        self._all: dict[int, _Worker] = {}
        self._busy: set[int] = set()
        self._waiting = 0
        self._starting: set[asyncio.Task[None]] = set()
        self._closed = False
        self.crashes = 0

    # life cycle -----------------------------------------------------------------------------
    def _spawn(self, lane: str) -> _Worker:
        """Start one worker and wait for its ``ready`` (blocking: call it in a thread)."""
        from hub.server import worker

        parent, child = self._ctx.Pipe(duplex=True)
        process = self._ctx.Process(
            target=worker.main, name="dvh-worker",
            args=(child, str(self.schemas_dir), self.job_memory_bytes, _NICE[lane],
                  self.schema_db), daemon=True)
        process.start()
        child.close()
        if not parent.poll(_START_TIMEOUT_S):
            process.kill()
            raise RuntimeError("a validation worker did not start in time")
        parent.recv()
        return _Worker(process, parent, lane)

    async def start(self) -> None:
        """Start the workers in the background: the hub answers /health at once, and the
        first jobs wait in the queue until a worker is ready."""
        for lane, count in self.lanes.items():
            for _ in range(count):
                self._start_one(lane)

    def _start_one(self, lane: str, delay: float = 0.0) -> None:
        task = asyncio.get_running_loop().create_task(self._add_worker(lane, delay))
        self._starting.add(task)
        task.add_done_callback(self._starting.discard)

    async def _add_worker(self, lane: str, delay: float) -> None:
        if delay:
            await asyncio.sleep(delay)
        try:
            worker = await asyncio.to_thread(self._spawn, lane)
        except Exception as exc:  # keep trying: a pool that shrinks to nothing hangs every job
            log.error("could not start a validation worker (retrying): %s", exc)
            if not self._closed:
                self._start_one(lane, min(30.0, 2 * delay or 0.5))
            return
        if self._closed:
            await asyncio.to_thread(self._stop_all, [worker])
            return
        self._all[worker.pid or 0] = worker
        self._idle[lane].put_nowait(worker)

    async def ready(self, timeout: float = _START_TIMEOUT_S) -> None:
        """Wait until every worker has started (tests and the load script use it)."""
        deadline = asyncio.get_running_loop().time() + timeout
        while len(self._all) < self.size:
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError("validation workers did not start")
            await asyncio.sleep(0.02)

    async def close(self) -> None:
        self._closed = True
        for task in list(self._starting):
            task.cancel()
        await asyncio.gather(*self._starting, return_exceptions=True)
        workers = list(self._all.values())
        self._all.clear()
        await asyncio.to_thread(self._stop_all, workers)

    def _stop_all(self, workers: list[_Worker]) -> None:
        for w in workers:
            with contextlib.suppress(OSError, ValueError):
                w.conn.send(None)
        for w in workers:
            w.process.join(timeout=2)
            if w.process.is_alive():
                w.process.kill()
                w.process.join(timeout=2)
            w.conn.close()

    def pids(self) -> list[int]:
        """Worker pids (idle and busy): for RSS accounting in the load script and tests."""
        return sorted(self._all)

    # jobs ----------------------------------------------------------------------------------
    async def run(self, job: Job, on_start: Any = None) -> dict[str, Any]:
        if self._waiting >= self.max_queued:
            raise JobFailed(503, "hub_busy", f"{self._waiting} validations are already waiting "
                            "for a worker; try again shortly", retry_after=5)
        large = job.size >= self.large_upload_bytes and self.lanes["large"] > 0
        self._waiting += 1
        queued = True
        try:
            worker = await self._take(large)  # the global cap: one job per worker
            self._waiting -= 1
            queued = False
            if on_start is not None:
                try:
                    await on_start()
                except BaseException:
                    self._idle[worker.lane].put_nowait(worker)
                    raise
            return await self._run_on(worker, job)
        finally:
            if queued:
                self._waiting -= 1

    async def _take(self, large: bool) -> _Worker:
        if large:
            return await self._idle["large"].get()
        small, spare = self._idle["small"], self._idle["large"]
        if small.empty() and not spare.empty():
            return spare.get_nowait()  # an idle large-lane worker: no reason to wait
        return await small.get()

    async def _run_on(self, worker: _Worker, job: Job) -> dict[str, Any]:
        loop = asyncio.get_running_loop()
        ready = loop.create_future()
        fd = worker.conn.fileno()
        self._busy.add(worker.pid or 0)
        keep = False
        try:
            loop.add_reader(fd, lambda: ready.done() or ready.set_result(None))
            try:
                worker.conn.send(job.message())
                await asyncio.wait_for(ready, self.job_timeout_s)
            finally:
                loop.remove_reader(fd)
            try:
                reply = await asyncio.to_thread(worker.conn.recv)
            except (EOFError, OSError):
                reply = None
            keep = reply is not None and reply[0] != "memory"
        except TimeoutError:
            raise JobFailed(503, "validation_timeout",
                            f"validation took longer than the limit of {self.job_timeout_s:g} s "
                            "and was stopped; the file may be too large or too complex for this "
                            "hub") from None
        finally:
            self._busy.discard(worker.pid or 0)
            if keep:
                self._idle[worker.lane].put_nowait(worker)
            else:
                await self._retire(worker)
        return self._outcome(reply, worker)

    def _outcome(self, reply: tuple[Any, ...] | None, worker: _Worker) -> dict[str, Any]:
        if reply is None:
            self.crashes += 1
            raise JobFailed(503, "worker_crashed",
                            f"the validation worker {_describe_exit(worker.process.exitcode)} "
                            "while checking this file; the hub is still serving")
        kind = reply[0]
        if kind == "ok":
            return reply[1]
        if kind == "error":
            cls = getattr(errors, reply[1], errors.DvhError)
            if not (isinstance(cls, type) and issubclass(cls, errors.DvhError)):
                cls = errors.DvhError
            raise cls(reply[2], kind=reply[3] if len(reply) > 3 else None)
        if kind == "memory":
            raise JobFailed(503, "memory_limit_exceeded", reply[1])
        raise JobFailed(500, "internal_error", f"internal error in the worker ({reply[1]})")

    async def _retire(self, worker: _Worker) -> None:
        """Kill a worker that timed out, died or asked to go, and start a fresh one."""
        self._all.pop(worker.pid or 0, None)

        def stop() -> None:
            if worker.process.is_alive():
                worker.process.kill()
            worker.process.join(timeout=5)
            worker.conn.close()

        await asyncio.to_thread(stop)
        if not self._closed:
            self._start_one(worker.lane)
