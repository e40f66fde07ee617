"""Worker memory stays bounded: two Dask worker processes validate a dataset more than twice
the size of the memory bound each of them must stay under, and the report is exact.

The peak is the kernel's own high-water mark of each worker's resident memory (``VmHWM``),
reset on every worker after a warm-up (``/proc/self/clear_refs``), so it is the run's peak,
not a sample. The workers' ``memory_limit`` is far above the bound, so Dask never spills or
pauses them: the bound holds because the design reads partitions in pieces and keeps only
failing cells and keys between stages, not because Dask intervened.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.dataset.builders import WIDE_SCHEMA, write_wide

distributed = pytest.importorskip("distributed")

pytestmark = pytest.mark.slow

BOUND = 320 << 20  # bytes of resident memory per worker, whole process
GROWTH = 160 << 20  # of which the run may add to a warmed-up worker
FILES, ROWS = 14, 250_000  # ~720 MB of CSV


def _reset_peak() -> int:
    """Reset this process's peak RSS; return its current RSS (bytes)."""
    Path("/proc/self/clear_refs").write_text("5")
    return _status("VmRSS")


def _peak() -> int:
    return _status("VmHWM")


def _status(key: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) * 1024
    raise LookupError(key)


@pytest.mark.skipif(not os.access("/proc/self/clear_refs", os.W_OK),
                    reason="needs Linux /proc/self/clear_refs to reset the peak RSS")
def test_workers_stay_under_the_bound_on_a_dataset_twice_its_size(tmp_path):
    from distributed import Client, LocalCluster

    from hub.dataset import DatasetOptions
    from hub.distributed import validate_on_dask
    from hub.registry import Registry

    (tmp_path / "schemas").mkdir()
    (tmp_path / "schemas" / "wide.py").write_text(WIDE_SCHEMA, encoding="utf-8")
    entry = Registry(tmp_path / "schemas").get("wide")
    bad = write_wide(tmp_path / "drop", FILES, ROWS)
    size = sum(p.stat().st_size for p in (tmp_path / "drop").iterdir())
    assert size > 2 * BOUND
    write_wide(tmp_path / "warm", 2, 5000)
    opts = DatasetOptions(max_errors=100, part_bytes=8 << 20, piece_bytes=4 << 20,
                          bucket_rows=500_000)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None, memory_limit="4GiB") as cluster, \
            Client(cluster) as client:
        validate_on_dask(str(tmp_path / "warm"), entry, client, opts)  # imports, schema
        before = client.run(_reset_peak)
        report = validate_on_dask(str(tmp_path / "drop"), entry, client, opts).to_json_dict()
        peaks = client.run(_peak)
    print(f"dataset {size >> 20} MiB; per worker: before {[b >> 20 for b in before.values()]} "
          f"MiB, peak {[p >> 20 for p in peaks.values()]} MiB (bound {BOUND >> 20} MiB)")
    assert len(peaks) == 2
    for worker, peak in peaks.items():
        assert peak < BOUND, f"{worker} peaked at {peak >> 20} MiB"
        assert peak - before[worker] < GROWTH, f"{worker} grew by {(peak - before[worker]) >> 20}"

    # exact: every negative amount, nothing else, first 100 in (file, row) order
    total_bad = sum(len(b) for b in bad)
    assert (report["rows"], report["invalid_rows"], report["error_count"]) == (
        FILES * ROWS, total_bad, total_bad)
    assert report["errors_by_column"]["amount"]["by_type"] == {"greater_than_equal": total_bad}
    assert list(report["errors_by_column"]) == ["amount"]
    where = [(f"part-{k:02d}.csv", int(r)) for k, rows in enumerate(bad) for r in rows][:100]
    assert [(d["file"], d["loc"][1], d["line"]) for d in report["detail"]] == [
        (f, r, r + 2) for f, r in where]
    assert [f["error_count"] for f in report["files"]] == [len(b) for b in bad]
