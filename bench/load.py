"""Load the hub on loopback: 16 clients upload small files while two large uploads are in
flight; a probe polls /health. Prints requests/s, p50/p99 latencies and the peak RSS of the
hub with its workers. Bounded: it starts its own hub on 127.0.0.1, runs for --seconds, stops.

    .venv/bin/python bench/load.py [--seconds 20] [--large-mb 40] [--clients 16]

Targets (issue 5, 2-core machine, generator and hub together): small-upload p99 <= 500 ms,
/health p99 <= 100 ms during heavy validation, zero failed requests.
"""

from __future__ import annotations

import argparse
import csv
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "sample_data"
CSV = {"content-type": "text/csv"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_large(path: Path, megabytes: int) -> int:
    """A valid orders CSV of about ``megabytes`` MB (the sample rows, unique order ids)."""
    with (SAMPLES / "orders_valid.csv").open(newline="") as fh:
        header, *rows = list(csv.reader(fh))
    n = 0
    with path.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(header)
        while out.tell() < megabytes << 20:
            for _ in range(10_000):
                n += 1
                writer.writerow([str(n), *rows[n % len(rows)][1:]])
    return n


def descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--large-mb", type=int, default=40)
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--small-workers", type=int, default=None)
    ap.add_argument("--db-sync", default="full", choices=("full", "normal"))
    ap.add_argument("--http", default=None, choices=("httptools", "h11"),
                    help="the hub's HTTP parser (default: the hub's own default)")
    ap.add_argument("--interval", type=float, default=0.0,
                    help="seconds between one client's uploads (0: back to back, a closed "
                    "loop whose latency is 16 / throughput once the hub saturates)")
    args = ap.parse_args()

    load_before = Path("/proc/loadavg").read_text().split()[0]
    tmp = Path(tempfile.mkdtemp(prefix="dvh-load-"))
    large = tmp / "large.csv"
    rows = make_large(large, args.large_mb)
    small = (SAMPLES / "orders_invalid.csv").read_bytes()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    cmd = [sys.executable, "-m", "cli.main", "serve", "--port", str(port), "--db",
           str(tmp / "hub.db"), "--schemas-dir", str(ROOT / "schemas"), "--db-sync",
           args.db_sync]
    if args.workers:
        cmd += ["--workers", str(args.workers)]
    if args.small_workers:
        cmd += ["--small-workers", str(args.small_workers)]
    if args.http:
        cmd += ["--http", args.http]
    hub = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    stop = threading.Event()
    small_lat: list[float] = []
    health_lat: list[float] = []
    large_lat: list[float] = []
    failures: list[str] = []
    peak = {"total": 0, "hub": 0}
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or hub.poll() is not None:
                print("hub did not start", file=sys.stderr)
                return 2
            time.sleep(0.1)
        with httpx.Client(base_url=base, timeout=60) as c:  # warm every worker
            for _ in range(6):
                c.post("/schemas/orders/validate", content=small, headers=CSV)
        base_rss = sum(rss_kib(p) for p in descendants(hub.pid))

        def sample() -> None:
            while not stop.is_set():
                pids = descendants(hub.pid)
                peak["total"] = max(peak["total"], sum(rss_kib(p) for p in pids))
                peak["hub"] = max(peak["hub"], rss_kib(hub.pid))
                stop.wait(0.1)

        in_flight = threading.Semaphore(0)

        def big() -> None:
            with httpx.Client(base_url=base, timeout=600) as c:
                while not stop.is_set():
                    t0 = time.monotonic()
                    in_flight.release()
                    with large.open("rb") as fh:
                        r = c.post("/schemas/orders/validate", content=fh, headers=CSV)
                    if r.status_code != 200:
                        failures.append(f"large: {r.status_code} {r.text[:120]}")
                    large_lat.append(time.monotonic() - t0)

        def client() -> None:
            with httpx.Client(base_url=base, timeout=60) as c:
                while not stop.is_set():
                    t0 = time.monotonic()
                    if args.interval:
                        stop.wait(args.interval * (0.5 + random.random()))
                        t0 = time.monotonic()
                    try:
                        r = c.post("/schemas/orders/validate", content=small, headers=CSV)
                        ok = r.status_code == 422
                    except httpx.HTTPError as exc:
                        ok, r = False, exc
                    small_lat.append(time.monotonic() - t0)
                    if not ok:
                        failures.append(f"small: {getattr(r, 'status_code', r)}")

        def probe() -> None:
            with httpx.Client(base_url=base, timeout=10) as c:
                while not stop.is_set():
                    t0 = time.monotonic()
                    try:
                        ok = c.get("/health").status_code == 200
                    except httpx.HTTPError:
                        ok = False
                    health_lat.append(time.monotonic() - t0)
                    if not ok:
                        failures.append("health")
                    stop.wait(0.05)

        threads = [threading.Thread(target=sample, daemon=True)]
        threads += [threading.Thread(target=big, daemon=True) for _ in range(2)]
        for t in threads:
            t.start()
        in_flight.acquire()
        in_flight.acquire()
        time.sleep(0.5)  # both large uploads are streaming / validating
        load = [threading.Thread(target=client, daemon=True) for _ in range(args.clients)]
        load.append(threading.Thread(target=probe, daemon=True))
        t_start = time.monotonic()
        for t in load:
            t.start()
        time.sleep(args.seconds)
        stop.set()
        elapsed = time.monotonic() - t_start
        for t in load:
            t.join(timeout=60)
        for t in threads:
            t.join(timeout=600)
    finally:
        stop.set()
        hub.terminate()
        try:
            hub.wait(timeout=20)
        except subprocess.TimeoutExpired:
            hub.kill()
    ms = 1000.0
    print(f"hub: workers={args.workers or 'default'} small={args.small_workers or 'default'}  "
          f"http={args.http or 'default'}  "
          f"large file: {rows:,} rows, "
          f"{large.stat().st_size / 2**20:.0f} MiB (x2 in flight)  clients: {args.clients}  "
          f"interval: {args.interval:g} s  db-sync: {args.db_sync}  "
          f"load average before: {load_before}")
    print(f"small uploads: {len(small_lat)} in {elapsed:.1f} s = {len(small_lat) / elapsed:.1f} "
          f"req/s  p50 {pct(small_lat, .5) * ms:.0f} ms  p99 {pct(small_lat, .99) * ms:.0f} ms  "
          f"max {max(small_lat, default=0) * ms:.0f} ms")
    print(f"/health: {len(health_lat)} probes  p50 {pct(health_lat, .5) * ms:.1f} ms  "
          f"p99 {pct(health_lat, .99) * ms:.1f} ms  max {max(health_lat, default=0) * ms:.1f} ms")
    if large_lat:
        print(f"large uploads: {len(large_lat)} done  mean {statistics.mean(large_lat):.1f} s "
              f"(upload + validation)")
    print(f"peak RSS: hub + workers {peak['total'] / 1024:.0f} MiB (idle after warm-up "
          f"{base_rss / 1024:.0f} MiB), hub process alone {peak['hub'] / 1024:.0f} MiB")
    print(f"failed requests: {len(failures)}" + (f"  e.g. {failures[:3]}" if failures else ""))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
