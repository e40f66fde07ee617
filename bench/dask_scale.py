"""Throughput of a dataset run: one machine, then a Dask LocalCluster of 1 and 2 workers.

    python bench/dask_scale.py --rows 2000000 --files 8 --runs 5
    python bench/dask_scale.py --rows 20000 --files 4 --runs 1    # a smoke run: ~30 s

The benchmark's orders CSV (``bench/generate.py``, generated if missing) is cut at line
breaks into ``--files`` files of one dataset (ids stay unique across files except the
generator's own duplicates, so the uniqueness shuffle does real work). Each mode runs once to
warm up (workers import pyarrow, Pydantic and the schema), then ``--runs`` times,
interleaved (one machine, 1 worker, 2 workers, again...) so that load from other processes
hits every mode alike. The last lines give the throughput ratio of each worker count to the
first (2 vs 1 workers by default): by wall time, and per CPU-second. The table shows the
median wall time, rows/s and MB/s, the CPU seconds spent (this process plus the mode's
workers: throughput per CPU-second does not depend on how busy the machine is), and
whether every mode gave the same report. Cluster start-up is not timed (a real cluster is up
before a run). The load average is printed before and after: on a shared machine it says how
much of the two cores the run really had.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.generate import DATA, write  # noqa: E402


def split_csv(source: Path, files: int, out: Path) -> Path:
    """``source`` cut into ``files`` CSV files at line breaks, each with the header."""
    out.mkdir(parents=True, exist_ok=True)
    data = source.read_bytes()
    head_end = data.index(b"\n") + 1
    header, body = data[:head_end], data[head_end:]
    step, pos = len(body) // files, 0
    for i in range(files):
        end = len(body) if i == files - 1 else body.index(b"\n", pos + step) + 1
        (out / f"part-{i:03d}.csv").write_bytes(header + body[pos:end])
        pos = end
    return out


def cpu_seconds() -> float:
    """User + system CPU time of this process so far."""
    use = resource.getrusage(resource.RUSAGE_SELF)
    return use.ru_utime + use.ru_stime


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--files", type=int, default=8)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workers", default="1,2", help="Dask worker counts to try")
    args = parser.parse_args(argv)

    from distributed import Client, LocalCluster

    from hub.dataset import DatasetOptions, validate_dataset
    from hub.distributed import validate_on_dask
    from hub.registry import Registry

    source = DATA / f"orders_{args.rows}.csv"
    if not source.exists():
        write(args.rows)
    folder = split_csv(source, args.files, DATA / f"orders_{args.rows}_in_{args.files}")
    size = sum(p.stat().st_size for p in folder.glob("*.csv"))
    entry = Registry(ROOT / "schemas").get("orders")
    opts = DatasetOptions(max_errors=100)
    counts = [int(x) for x in args.workers.split(",")]
    with contextlib.ExitStack() as stack:
        clients = []
        for n in counts:
            cluster = stack.enter_context(LocalCluster(
                n_workers=n, threads_per_worker=1, processes=True, host="127.0.0.1",
                dashboard_address=None))
            clients.append(stack.enter_context(Client(cluster)))
        modes: list[tuple[str, Any]] = [
            ("one machine (2 threads)",
             lambda: validate_dataset(str(folder), entry, opts).to_json_dict())]
        for n, client in zip(counts, clients, strict=True):
            modes.append((f"dask, {n} worker{'s' if n > 1 else ''} x 1 thread",
                          lambda c=client: validate_on_dask(str(folder), entry, c,
                                                            opts).to_json_dict()))
        for _, fn in modes:  # warm-up: imports and schema loading on every worker
            fn()
        load_before = os.getloadavg()
        times: list[list[float]] = [[] for _ in modes]
        cpus: list[list[float]] = [[] for _ in modes]
        reports: list[Any] = [None for _ in modes]

        def cpu_now(i: int) -> float:  # this process, plus the mode's workers
            if i == 0:
                return cpu_seconds()
            return cpu_seconds() + sum(clients[i - 1].run(cpu_seconds).values())

        for _ in range(args.runs):  # interleaved, so load from elsewhere hits every mode
            for i, (_, fn) in enumerate(modes):
                cpu0, start = cpu_now(i), time.perf_counter()
                reports[i] = fn()
                times[i].append(time.perf_counter() - start)
                cpus[i].append(cpu_now(i) - cpu0)
        load_after = os.getloadavg()
    rows_out = [(name, statistics.median(t), r)
                for (name, _), t, r in zip(modes, times, reports, strict=True)]
    cpu = [statistics.median(c) for c in cpus]

    reference = rows_out[0][2]
    print(f"dataset: {args.files} CSV files, {reference['rows']:,} rows, {size / 1e6:.0f} MB; "
          f"{reference['error_count']:,} errors; median of {args.runs} runs after a warm-up")
    print(f"{'mode':<28} {'wall s':>7} {'rows/s':>10} {'MB/s':>6} {'CPU s':>6} "
          f"{'MB/CPU-s':>8}  same  (wall of every run)")
    for (name, wall, report), runs, c in zip(rows_out, times, cpu, strict=True):
        same = json.dumps(report, sort_keys=True) == json.dumps(reference, sort_keys=True)
        print(f"{name:<28} {wall:>7.2f} {reference['rows'] / wall:>10,.0f} "
              f"{size / 1e6 / wall:>6.1f} {c:>6.2f} {size / 1e6 / c:>8.1f}  "
              f"{'yes' if same else 'NO':<4}  ({', '.join(f'{t:.2f}' for t in runs)})")
    base_n, base_wall = counts[0], rows_out[1][1]
    for n, (_, wall, _), c in zip(counts[1:], rows_out[2:], cpu[2:], strict=True):
        print(f"throughput ratio, {n} vs {base_n} worker(s): {base_wall / wall:.2f}x wall "
              f"(ideal {n / base_n:.0f}x on idle cores), {cpu[1] / c:.2f}x per CPU-second")
    print(f"load average (1, 5, 15 min) before {tuple(round(x, 2) for x in load_before)}, "
          f"after {tuple(round(x, 2) for x in load_after)}; cores: {os.cpu_count()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
