"""Validate a dataset on a Dask cluster, with the report a single-machine run gives.

Nothing is deployed but dvh itself: the tasks are functions of this module, the schema travels
with them as its source text (``SchemaShipment``), and workers read the files themselves (a
shared path or an fsspec URL). The graph, per partition ``k`` of the plan
(``hub.dataset_files``) and bucket ``b``:

1. ``check-k``: the engine over the partition (``hub.dataset_check``); the outcome stays on
   the worker, the client gathers only its row and line counts (and whether a CSV range must
   be redone as a whole file, which the client then resubmits);
2. if the schema has unique columns or a primary key, a hash-partitioned shuffle:
   ``split-k`` cuts the partition's validated keys into buckets, ``dups-b`` finds the repeats
   among every occurrence of its keys (fed in dataset order, so "first" means what it means
   on one machine), and each partition receives the duplicates of its own rows. Keys move
   between workers only; the client sees which partitions have duplicates, not the keys;
3. ``fold-k``: outcomes and duplicates placed in the file, a ``Partial`` per partition;
   the partials merge in dataset order in a tree on the workers, and the client builds the
   report from the last one (``hub.dataset.finish``).

Every task is a pure function of its inputs, so when a worker dies the scheduler reruns what
it lost (the tasks it was running, and results others still need) and the report is the same.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import math
import operator
import os
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hub.compile import Plan, compile_plan
from hub.dataset import (
    DatasetOptions,
    file_summaries,
    fold_partition,
    places,
    replan,
    tally,
    tokens_for,
    wanted,
)
from hub.dataset_check import Checked, check_partition
from hub.dataset_files import Dataset, Partition, list_dataset, plan_partitions
from hub.dataset_keys import DupTable, bucket_duplicates, split_keys
from hub.errors import ConfigError, DvhError, SchemaLoadError
from hub.lean import collector_paused, keep_pandas_out
from hub.partial import Partial
from hub.registry import SchemaEntry, load_schema_file
from hub.report import FileSummary, Report
from hub.runner import key_rules


class ClusterError(DvhError):
    """The cluster could not finish the run (a task killed its worker too often, the
    scheduler went away): not a verdict on the data."""

    exit_code = 2
    kind = "cluster_error"


MERGE_FANIN = 8


@dataclass(frozen=True)
class SchemaShipment:
    """A schema as its source (a ``.py`` module or a ``.json`` document), loadable anywhere."""

    name: str
    suffix: str
    text: str
    fingerprint: str

    @classmethod
    def of(cls, entry: SchemaEntry) -> SchemaShipment:
        if entry.path is None or entry.path.suffix not in (".py", ".json"):
            raise ConfigError(f"schema {entry.name!r} has no source file to send to the workers")
        try:
            text = entry.path.read_text(encoding="utf-8")
        except OSError as exc:
            raise SchemaLoadError(f"schema {entry.name!r}: cannot read {entry.path}: {exc}"
                                  ) from None
        return cls(entry.name, entry.path.suffix, text, entry.fingerprint)

    @property
    def token(self) -> str:
        return hashlib.sha256(self.text.encode()).hexdigest()[:16]


_plans: dict[str, Plan] = {}  # per worker process: each schema is loaded and compiled once


def plan_of(ship: SchemaShipment) -> Plan:
    """The compiled plan of a shipped schema (on a worker), checked against the client's
    fingerprint: a worker with another dvh or Pydantic could read the contract otherwise."""
    plan = _plans.get(ship.token)
    if plan is None:
        folder = Path(tempfile.mkdtemp(prefix="dvh-schema-"))
        path = folder / f"{ship.name}{ship.suffix}"
        path.write_text(ship.text, encoding="utf-8")
        entry = load_schema_file(path)
        if entry.fingerprint != ship.fingerprint:
            raise ConfigError(f"schema {ship.name!r} reads differently on worker "
                              f"{os.uname().nodename} (fingerprint {entry.fingerprint[:19]} "
                              f"vs {ship.fingerprint[:19]}): install the same dvh and pydantic "
                              "on the workers")
        plan = _plans[ship.token] = compile_plan(entry)
    return plan


# --- tasks (module functions, so workers import them from the installed dvh) -----------------

def task_check(part: Partition, ship: SchemaShipment, opts: DatasetOptions) -> Checked:
    keep_pandas_out()  # as on one machine (see hub.lean)
    plan = plan_of(ship)
    with collector_paused():  # and no GC sweeps over the worker's heap mid-task
        return check_partition(part, plan, wanted(plan), tokens_for(plan, opts), 1,
                               opts.piece_bytes, opts.read)


def task_meta(checked: Checked) -> tuple[int, int, bool]:
    return checked.rows, checked.newlines, checked.fallback


def task_split(checked: Checked, ship: SchemaShipment, buckets: int) -> list[Any]:
    with collector_paused():
        return split_keys(key_rules(plan_of(ship)), checked.keyed, buckets)


def task_dups(ship: SchemaShipment, where: list[tuple[int, int]], *pieces: Any
              ) -> dict[int, DupTable]:
    with collector_paused():
        return bucket_duplicates(key_rules(plan_of(ship)), list(pieces), where)


def task_owners(found: dict[int, DupTable]) -> list[int]:
    return sorted(found)


def task_fold(checked: Checked, ship: SchemaShipment, row_offset: int, line_offset: int,
              names: list[str], cap: int | None, *tables: DupTable) -> Partial:
    dups = None
    if tables:
        dups = DupTable()
        for t in tables:
            dups.extend(t)
    with collector_paused():
        return fold_partition(checked, dups, plan_of(ship), row_offset, line_offset, names, cap)


def task_merge(*partials: Partial) -> Partial:
    total = Partial(cap=partials[0].cap)
    for p in partials:
        total.merge(p)
    return total


# --- the client's side ------------------------------------------------------------------------

@contextlib.contextmanager
def connect(scheduler: str, workers: int | None = None) -> Iterator[Any]:
    """A ``distributed.Client``: ``local`` starts a LocalCluster of worker processes on this
    machine (one per core, one thread each); anything else is a scheduler address."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise ConfigError("--dask needs dask and distributed: pip install 'dvh[dask]'") from None
    if scheduler == "local":
        n = workers or os.cpu_count() or 1
        with LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                          host="127.0.0.1", dashboard_address=None) as cluster, \
                Client(cluster) as client:
            yield client
        return
    try:
        client = Client(scheduler, timeout="10s")
    except (OSError, TimeoutError, ValueError) as exc:
        raise ConfigError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from None
    with client:
        yield client


def validate_on_dask(target: str | Dataset, schema: SchemaEntry, client: Any,
                     opts: DatasetOptions | None = None, buckets: int | None = None) -> Report:
    """The dataset's report, computed on the cluster behind ``client`` (see the docstring)."""
    from hub.dataset import finish

    opts = opts or DatasetOptions()
    dataset = target if isinstance(target, Dataset) else list_dataset(target)
    ship = SchemaShipment.of(schema)
    plan = compile_plan(schema)
    run = _Run(client, ship, opts, uuid.uuid4().hex[:8])
    try:
        total, files = run.total(dataset, plan, buckets)
    except DvhError:
        raise
    except Exception as exc:
        raise _cluster_error(exc) from None
    finally:
        run.release()
    return finish(total, dataset, schema, plan, files)


def _cluster_error(exc: Exception) -> Exception:
    """Dask's own failures as one line; anything else is a bug and stays what it is."""
    from distributed import KilledWorker
    from distributed.comm.core import CommClosedError

    if isinstance(exc, KilledWorker):
        return ClusterError(f"a task killed its Dask worker {exc.args[0] if exc.args else ''} "
                            "too many times (out of memory? see the workers' logs)")
    if isinstance(exc, CommClosedError | TimeoutError) or type(exc).__name__ in (
            "CancelledError", "FutureCancelledError"):
        return ClusterError(f"the Dask cluster went away during the run: {exc}")
    return exc


class _Run:
    """One run's futures; keys are named so a dashboard (or a test) can tell the stages."""

    def __init__(self, client: Any, ship: SchemaShipment, opts: DatasetOptions, tag: str
                 ) -> None:
        self.client, self.ship, self.opts, self.tag = client, ship, opts, tag
        self.futures: list[Any] = []

    def submit(self, stage: str, fn: Any, *args: Any) -> Any:
        key = f"dvh-{stage}-{self.tag}-{len(self.futures)}"
        future = self.client.submit(fn, *args, key=key, pure=False)
        self.futures.append(future)
        return future

    def release(self) -> None:
        for f in self.futures:
            f.release()
        self.futures.clear()

    def _check(self, parts: list[Partition]) -> tuple[list[Any], list[tuple[int, int, bool]]]:
        checked = [self.submit("check", task_check, p, self.ship, self.opts) for p in parts]
        metas = self.client.gather([self.submit("meta", task_meta, c) for c in checked])
        return checked, metas

    def total(self, dataset: Dataset, plan: Plan, buckets: int | None
              ) -> tuple[Partial, list[FileSummary]]:
        parts = plan_partitions(dataset, self.opts.part_bytes)
        checked, metas = self._check(parts)
        redo = {p.file.index for p, m in zip(parts, metas, strict=True) if m[2]}
        if redo:  # CSV ranges that cannot be trusted: those files as single partitions
            keep = [i for i, p in enumerate(parts) if p.file.index not in redo]
            whole = [p for p in replan(parts, redo) if p.file.index in redo]
            more, more_metas = self._check(whole)
            pairs = sorted([(parts[i], checked[i], metas[i]) for i in keep]
                           + list(zip(whole, more, more_metas, strict=True)),
                           key=lambda t: t[0].order)
            parts = [t[0] for t in pairs]
            checked = [t[1] for t in pairs]
            metas = [t[2] for t in pairs]
        stubs = [Checked(p.order, rows=m[0], newlines=m[1]) for p, m in
                 zip(parts, metas, strict=True)]
        where = places(stubs)
        tables = self._shuffle(plan, checked, stubs, where, buckets)
        names = [f.name for f in dataset.files]
        partials = [self.submit("fold", task_fold, c, self.ship, off, lines, names,
                                self.opts.cap, *tables[k])
                    for k, (c, (off, lines)) in enumerate(zip(checked, where, strict=True))]
        tallies = [self.submit("tally", tally, p) for p in partials]
        while len(partials) > 1:
            partials = [self.submit("merge", task_merge, *group)
                        for group in _chunks(partials, MERGE_FANIN)]
        files = file_summaries(dataset, [p.file.index for p in parts],
                               self.client.gather(tallies))
        return partials[0].result(), files

    def _shuffle(self, plan: Plan, checked: list[Any], stubs: list[Checked],
                 where: list[tuple[int, int]], buckets: int | None) -> list[list[Any]]:
        """Per partition, futures of its DupTables (none when the schema has no key rule)."""
        tables: list[list[Any]] = [[] for _ in checked]
        if not key_rules(plan):
            return tables
        rows = sum(s.rows for s in stubs)
        n = buckets or max(1, min(len(checked), math.ceil(rows / self.opts.bucket_rows)))
        splits = [self.submit("split", task_split, c, self.ship, n) for c in checked]
        file_places = [(s.order[0], w[0]) for s, w in zip(stubs, where, strict=True)]
        found = []
        for b in range(n):
            pieces = [self.submit("slice", operator.getitem, s, b) for s in splits]
            found.append(self.submit("dups", task_dups, self.ship, file_places, *pieces))
        owners = self.client.gather([self.submit("owners", task_owners, f) for f in found])
        for f, ks in zip(found, owners, strict=True):
            for k in ks:
                tables[k].append(self.submit("route", operator.getitem, f, k))
        return tables


def _chunks(items: list[Any], size: int) -> list[list[Any]]:
    it = iter(items)
    return [chunk for chunk in iter(lambda: list(itertools.islice(it, size)), [])]
