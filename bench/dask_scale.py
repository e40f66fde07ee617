"""Throughput of a dataset run: one machine, then a Dask LocalCluster of 1 and 2 workers.

    python bench/dask_scale.py --rows 1000000 --files 8 --runs 3

The benchmark's orders CSV (``bench/generate.py``, generated if missing) is cut at line
breaks into ``--files`` files of one dataset (ids stay unique across files except the
generator's own duplicates, so the uniqueness shuffle does real work). Each mode runs once to
warm up (workers import pyarrow, Pydantic and the schema) and then ``--runs`` times; the
table shows the median wall time, rows/s and MB/s, and checks that every mode gave the same
report. Cluster start-up is not timed (a real cluster is up before a run). The load average
is printed before and after: on a shared machine it says how much of the two cores the
benchmark really had.
"""

from __future__ import annotations

import argparse
import json
import os
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


def timed(fn: Any, runs: int) -> tuple[float, Any]:
    fn()  # warm-up: imports and schema loading on every worker
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


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
    load_before = os.getloadavg()
    rows_out: list[tuple[str, float, dict[str, Any]]] = []

    wall, report = timed(lambda: validate_dataset(str(folder), entry, opts).to_json_dict(),
                         args.runs)
    rows_out.append(("one machine (2 threads)", wall, report))
    for n in [int(x) for x in args.workers.split(",")]:
        with LocalCluster(n_workers=n, threads_per_worker=1, processes=True, host="127.0.0.1",
                          dashboard_address=None) as cluster, Client(cluster) as client:
            wall, report = timed(lambda c=client: validate_on_dask(
                str(folder), entry, c, opts).to_json_dict(), args.runs)
        rows_out.append((f"dask, {n} worker{'s' if n > 1 else ''} x 1 thread", wall, report))
    load_after = os.getloadavg()

    reference = rows_out[0][2]
    print(f"dataset: {args.files} CSV files, {reference['rows']:,} rows, {size / 1e6:.0f} MB; "
          f"{reference['error_count']:,} errors; median of {args.runs} runs after a warm-up")
    print(f"{'mode':<28} {'wall s':>7} {'rows/s':>12} {'MB/s':>7}  same report")
    for name, wall, report in rows_out:
        same = json.dumps(report, sort_keys=True) == json.dumps(reference, sort_keys=True)
        print(f"{name:<28} {wall:>7.2f} {reference['rows'] / wall:>12,.0f} "
              f"{size / 1e6 / wall:>7.1f}  {'yes' if same else 'NO'}")
    print(f"load average (1, 5, 15 min) before {tuple(round(x, 2) for x in load_before)}, "
          f"after {tuple(round(x, 2) for x in load_after)}; cores: {os.cpu_count()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
