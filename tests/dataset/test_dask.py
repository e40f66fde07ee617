"""A real Dask cluster (two worker processes on 127.0.0.1): the same report as one machine, even
when a worker dies in the middle of the run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.dataset.builders import write_dataset, write_schema

distributed = pytest.importorskip("distributed")

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
CUT = {"part_bytes": 12_000, "piece_bytes": 4096}  # many partitions, ranges and row groups


@pytest.fixture(scope="module")
def events(tmp_path_factory):
    from hub.registry import Registry

    base = tmp_path_factory.mktemp("events")
    write_schema(base / "schemas")
    data = write_dataset(base / "drop")
    return base, data, Registry(base / "schemas").get("events")


@pytest.fixture(scope="module")
def expected(events):
    """The single-machine report (every detail item kept)."""
    _, data, entry = events
    return _local(data, entry, max_errors=0)


@pytest.fixture(scope="module")
def client():
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None, memory_limit="2GiB") as cluster, \
            Client(cluster) as c:
        yield c


def _local(data, entry, **kw):
    from hub.dataset import DatasetOptions, validate_dataset

    return validate_dataset(str(data), entry, DatasetOptions(**kw)).to_json_dict()


def _dask(data, entry, client, buckets=3, **kw):
    from hub.dataset import DatasetOptions
    from hub.distributed import validate_on_dask

    return validate_on_dask(str(data), entry, client, DatasetOptions(**kw),
                            buckets=buckets).to_json_dict()


def test_cluster_report_equals_single_machine(events, expected, client):
    _, data, entry = events
    assert sum(c["by_type"].get("duplicate_key", 0)
               for c in expected["errors_by_column"].values()) > 50
    assert any(d["type"] == "duplicate_key" and d["file"] != d["ctx"]["first_file"]
               for d in expected["detail"])  # keys repeat across files
    got = _dask(data, entry, client, max_errors=0, **CUT)
    assert got == expected
    # buckets from DVH_BUCKET_ROWS' option (7,500 rows / 2,000 = 4), and a capped detail
    capped = _dask(data, entry, client, buckets=None, max_errors=25, bucket_rows=2000)
    assert capped == _local(data, entry, max_errors=25)
    assert len(capped["detail"]) == 25 and capped["truncated"]


class _DieOnce:
    """Worker plugin: the first worker to start a ``fold`` task (it holds checked partitions
    then) kills its own process, once; the marker file remembers it happened."""

    name = "dvh-die-once"

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def setup(self, worker) -> None:
        self.worker = worker

    def transition(self, key, start, finish, **kwargs) -> None:
        name = key if isinstance(key, str) else str(key)
        if finish == "executing" and name.startswith("dvh-fold-"):
            try:
                fd = os.open(self.marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
            except FileExistsError:
                return
            os.write(fd, str(os.getpid()).encode())
            os.close(fd)
            os._exit(1)


def test_a_worker_killed_mid_run_changes_nothing(events, expected, client, tmp_path):
    import cloudpickle
    from distributed.diagnostics.plugin import WorkerPlugin

    _, data, entry = events
    marker = tmp_path / "died"
    plugin = type("DieOnce", (_DieOnce, WorkerPlugin), {})(str(marker))
    cloudpickle.register_pickle_by_value(sys.modules[__name__])
    before = set(client.run(os.getpid).values())
    try:
        client.register_plugin(plugin)
        got = _dask(data, entry, client, max_errors=0, **CUT)
    finally:
        client.unregister_worker_plugin(plugin.name)
        cloudpickle.unregister_pickle_by_value(sys.modules[__name__])
    assert marker.exists(), "no worker died: the test proved nothing"
    assert int(marker.read_text()) in before
    assert got == expected
    client.wait_for_workers(2, timeout=30)  # the nanny restarted it
    assert int(marker.read_text()) not in set(client.run(os.getpid).values())


def test_cli_dask_scheduler_address(events, expected, client):
    """``--dask tcp://...`` end to end, against the running cluster's scheduler (what a real
    deployment does): the same JSON as a local run."""
    base, data, _ = events
    address = client.scheduler.address
    assert address.startswith("tcp://127.0.0.1:")
    cmd = [sys.executable, "-m", "cli.main", "validate", str(data), "--schema", "events",
           "--schemas-dir", str(base / "schemas"), "-f", "json", "--max-errors", "0"]
    done = subprocess.run([*cmd, "--dask", address], capture_output=True, text=True, cwd=ROOT,
                          timeout=120)
    assert done.returncode == 1, done.stderr
    assert json.loads(done.stdout) == expected


def test_cluster_reads_compressed_and_tab_separated_files(client, tmp_path):
    """Compressed files are inflated on the workers, a tab-separated file's byte ranges fall
    back to the whole file there too: the same report as one machine."""
    from hub.registry import Registry
    from tests.dataset.builders import MIXED_SCHEMA, write_mixed

    (tmp_path / "schemas").mkdir()
    (tmp_path / "schemas" / "parcels.py").write_text(MIXED_SCHEMA, encoding="utf-8")
    write_mixed(tmp_path / "drop")
    entry = Registry(tmp_path / "schemas").get("parcels")
    expected = _local(tmp_path / "drop", entry, max_errors=0)
    assert expected["rows"] == 8 * 401 and expected["error_count"] > 50
    assert _dask(tmp_path / "drop", entry, client, max_errors=0, part_bytes=1500) == expected
