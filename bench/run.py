"""Benchmark dvh against the floor (pyarrow's own read) and its peers, as whole processes.

    python bench/run.py --rows 1000000 --runs 5          # generates the data if missing
    python bench/run.py --rows 5000000 --only dvh,pyarrow

Each tool runs ``--runs`` times as a fresh process (imports included); the table shows the
median wall time and CPU time (user + system) with their multiples of dvh's, every run's
wall time, the peak RSS of the process, and the errors it found; then, round by round, dvh's
wall time over the floor's and each slow peer's over dvh's, with their medians (the issue's
targets are paired ratios). On a shared machine the CPU column is the steadier one. Runs are
interleaved (dvh, floor, Pandera, Pydantic, dvh, floor...) so that load from other processes
on the machine hits every tool alike; the slow peers run in the first ``--slow-runs`` rounds.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT))

from bench.generate import DATA, write  # noqa: E402

FLOOR_CSV = ("import sys, pyarrow.csv as c; t = c.read_csv(sys.argv[1]); "
             "print('{\"rows\": %d}' % t.num_rows)")
FLOOR_PARQUET = ("import sys, pyarrow.parquet as pq; t = pq.read_table(sys.argv[1]); "
                 "print('{\"rows\": %d}' % t.num_rows)")


@dataclass
class Tool:
    name: str
    argv: list[str]
    walls: list[float] = field(default_factory=list)
    cpus: list[float] = field(default_factory=list)  # user + system seconds
    peaks: list[int] = field(default_factory=list)  # KiB
    errors: int | None = None


def _dvh(path: Path, out: Path) -> list[str]:
    return [str(BIN / "dvh"), "validate", str(path), "--schema", "orders", "--schemas-dir",
            str(ROOT / "schemas"), "--format", "json", "--output", str(out)]


def tools(rows: int, only: set[str] | None) -> list[Tool]:
    csv_path, pq_path = DATA / f"orders_{rows}.csv", DATA / f"orders_{rows}.parquet"
    py = sys.executable
    out = DATA / "dvh_report.json"
    all_tools = [
        Tool("dvh", _dvh(csv_path, out)),
        Tool("pyarrow", [py, "-c", FLOOR_CSV, str(csv_path)]),
        Tool("pandera", [py, str(ROOT / "bench" / "pandera_orders.py"), str(csv_path)]),
        Tool("pydantic", [py, str(ROOT / "bench" / "pydantic_rows.py"), str(csv_path)]),
        Tool("dvh-parquet", _dvh(pq_path, out)),
        Tool("pyarrow-parquet", [py, "-c", FLOOR_PARQUET, str(pq_path)]),
    ]
    return [t for t in all_tools if only is None or t.name in only]


def run_once(tool: Tool, *, record: bool = True) -> None:
    start = time.perf_counter()
    proc = subprocess.Popen(tool.argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            cwd=ROOT)
    out, err = proc.communicate()
    wall = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{tool.name} failed ({proc.returncode}): {err.decode()[-500:]}")
    if not record:
        return
    tool.walls.append(wall)
    tool.cpus.append(getattr(proc, "_dvh_cpu", 0.0))
    tool.peaks.append(getattr(proc, "_dvh_maxrss", 0))
    tool.errors = _errors(tool, out.decode())


def _errors(tool: Tool, stdout: str) -> int | None:
    if tool.name.startswith("dvh"):
        report = json.loads((DATA / "dvh_report.json").read_text())
        return int(report["error_count"])
    last = stdout.strip().splitlines()[-1] if stdout.strip() else "{}"
    return json.loads(last).get("errors")


class _Popen(subprocess.Popen):  # type: ignore[type-arg]
    """Popen that reaps with wait4, keeping the child's own rusage."""

    def _try_wait(self, wait_flags: int) -> tuple[int, int]:
        pid, status, usage = os.wait4(self.pid, wait_flags)
        if pid:
            self._dvh_maxrss = usage.ru_maxrss
            self._dvh_cpu = usage.ru_utime + usage.ru_stime
        return pid, status


subprocess.Popen = _Popen  # type: ignore[misc]


def table(all_tools: list[Tool], rows: int, runs: int, slow_runs: int) -> str:
    base = next((t for t in all_tools if t.name == "dvh"), None)
    base_pq = next((t for t in all_tools if t.name == "dvh-parquet"), None)
    lines = [
        f"orders, {rows:,} rows; median of {runs} runs (pandera, pydantic: "
        f"{min(runs, slow_runs)}); {platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}; "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC; load average at the end "
        f"{os.getloadavg()[0]:.2f}",
        "",
        "| tool | wall (s) | x dvh | CPU (s) | x dvh CPU | runs, wall (s) | peak RSS (MiB) "
        "| errors found |",
        "| --- | ---: | ---: | ---: | ---: | --- | ---: | ---: |",
    ]
    for t in all_tools:
        med, cpu = statistics.median(t.walls), statistics.median(t.cpus)
        ref = base_pq if "parquet" in t.name else base
        ratio = med / statistics.median(ref.walls) if ref else float("nan")
        cpu_ratio = cpu / statistics.median(ref.cpus) if ref else float("nan")
        runs_s = " ".join(f"{w:.2f}" for w in t.walls)
        errors = "-" if t.errors is None else f"{t.errors:,}"
        lines.append(f"| {t.name} | {med:.2f} | {ratio:.2f} | {cpu:.2f} | {cpu_ratio:.2f} | "
                     f"{runs_s} | {max(t.peaks) / 1024:.0f} | {errors} |")
    return "\n".join(lines)


PAIRS = (("dvh", "pyarrow"), ("dvh-parquet", "pyarrow-parquet"),  # at most 2x, 1.5x at 5M
         ("pandera", "dvh"), ("pydantic", "dvh"))  # at least 10x and 5x: how many times dvh


def paired(all_tools: list[Tool]) -> list[str]:
    """Ratios of wall times run by run: dvh over the floor, and each slow peer over dvh. The
    two tools of a pair ran in the same round, back to back, so load that comes and goes on
    the machine hits both alike: steadier than a ratio of medians."""
    by_name = {t.name: t for t in all_tools}
    out = []
    for top, bottom in PAIRS:
        if top in by_name and bottom in by_name and by_name[top].walls:
            ratios = [a / b for a, b in zip(by_name[top].walls, by_name[bottom].walls,
                                            strict=False)]
            out.append(f"{top} / {bottom}, run by run: "
                       + " ".join(f"{r:.2f}" for r in ratios)
                       + f" (median {statistics.median(ratios):.2f})")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--only", help="comma-separated tool names "
                        "(dvh, pyarrow, pandera, pydantic, dvh-parquet, pyarrow-parquet)")
    parser.add_argument("--slow-runs", type=int, default=3,
                        help="runs of the slow peers (pandera, pydantic), in the first rounds")
    parser.add_argument("--warm", action="store_true",
                        help="run each tool once untimed right before each timed run: on this "
                        "VM a process that touches memory left idle pays for it in system "
                        "time (pyarrow's whole-file read most of all), and this measures "
                        "every tool with its memory warm")
    args = parser.parse_args(argv)
    if not (DATA / f"orders_{args.rows}.csv").exists():
        print(f"generating {args.rows:,} rows ...", file=sys.stderr)
        write(args.rows)
    only = set(args.only.split(",")) if args.only else None
    all_tools = tools(args.rows, only)
    for i in range(args.runs):
        for t in all_tools:
            if t.name in ("pandera", "pydantic") and i >= args.slow_runs:
                continue
            if args.warm:
                run_once(t, record=False)
            run_once(t)
            print(f"run {i + 1}: {t.name} {t.walls[-1]:.2f}s", file=sys.stderr)
    print(table(all_tools, args.rows, args.runs, args.slow_runs)
          + ("\n\n(warm: each timed run right after an untimed run of the same tool)"
             if args.warm else ""))
    for line in paired(all_tools):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
