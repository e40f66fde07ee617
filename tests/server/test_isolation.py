"""Validation runs in worker processes: a crash, a runaway loop or a memory hog costs one job
(503 with a clear type), never the hub; ``?wait=false`` jobs move pending -> running -> done."""

from __future__ import annotations

import time

from tests.conftest import SAMPLES, assert_problem
from tests.server.conftest import hostile_csv

CSV = {"content-type": "text/csv"}


def _post(client, action, **params):
    return client.post("/schemas/hostile/validate", params=params, content=hostile_csv(action),
                       headers=CSV)


def test_a_job_that_crashes_its_worker_is_503_and_the_hub_keeps_serving(make_client,
                                                                          hostile_schemas):
    with make_client(schemas_dir=hostile_schemas) as client:
        pool = client.app.state.pool
        before = set(pool.pids())
        r = _post(client, "crash")
        assert_problem(r, 503, "worker_crashed")
        assert "SIGSEGV" in r.json()["detail"][0]["msg"]
        assert pool.crashes == 1
        # a fresh worker replaces the dead one, and the next jobs run normally
        client.portal.call(pool.ready)
        assert len(pool.pids()) == pool.size and set(pool.pids()) != before
        for _ in range(3):
            assert _post(client, "fine").status_code == 200
        assert client.get("/health").status_code == 200


def test_a_runaway_job_is_stopped_at_the_time_limit(make_client, hostile_schemas):
    with make_client(schemas_dir=hostile_schemas, job_timeout_s=1.0) as client:
        t0 = time.monotonic()
        r = _post(client, "spin")
        assert_problem(r, 503, "validation_timeout")
        assert 0.9 < time.monotonic() - t0 < 10
        assert _post(client, "fine").status_code == 200


def test_a_memory_hog_hits_the_worker_limit_not_the_machine(make_client, hostile_schemas):
    with make_client(schemas_dir=hostile_schemas, job_memory_bytes=1 << 30) as client:
        r = _post(client, "hog")
        assert_problem(r, 503, "memory_limit_exceeded")
        assert "1024 MiB" in r.json()["detail"][0]["msg"]
        assert _post(client, "fine").status_code == 200


def test_async_job_moves_pending_running_done(make_client, hostile_schemas):
    with make_client(schemas_dir=hostile_schemas) as client:
        r = _post(client, "nap", wait="false")
        assert r.status_code == 202, r.text
        location = r.headers["location"]
        assert location == f"/reports/{r.json()['id']}" and r.json()["status"] == "pending"
        seen = []
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            got = client.get(location)
            seen.append(got.json().get("status", "done"))
            if got.status_code == 200:
                break
            assert got.status_code == 202 and got.headers["retry-after"] == "1"
            time.sleep(0.05)
        assert got.status_code == 200 and got.json()["valid"] and got.json()["id"] == r.json()["id"]
        assert "running" in seen and seen[-1] == "done"
        assert seen.index("running") < len(seen) - 1


def test_async_job_that_fails_answers_what_the_upload_would_have(make_client, hostile_schemas):
    with make_client(schemas_dir=hostile_schemas) as client:
        r = client.post("/schemas/orders/validate?wait=false", content=b"PAR1garbage",
                        headers={"content-type": "application/vnd.apache.parquet"})
        assert r.status_code == 202
        deadline = time.monotonic() + 30
        while (got := client.get(r.headers["location"])).status_code == 202:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert_problem(got, 400, "corrupt_parquet")
        crash = _post(client, "crash", wait="false")
        while (got := client.get(crash.headers["location"])).status_code == 202:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert_problem(got, 503, "worker_crashed")


def test_unfinished_jobs_of_a_dead_hub_are_marked_failed_on_restart(make_client, tmp_path):
    from hub.store import ReportStore

    store = ReportStore(tmp_path / "hub.db")
    rid = store.create_pending("orders", "x.csv")
    store.close()
    with make_client() as client:
        assert_problem(client.get(f"/reports/{rid}"), 503, "job_lost")


def test_concurrent_validations_are_capped_by_the_pool(make_client, hostile_schemas):
    """Four 1.5 s jobs on two workers take two rounds: the global cap holds."""
    import concurrent.futures as cf

    with make_client(schemas_dir=hostile_schemas, workers=2) as client:
        t0 = time.monotonic()
        with cf.ThreadPoolExecutor(4) as ex:
            codes = list(ex.map(lambda _: _post(client, "nap").status_code, range(4)))
        elapsed = time.monotonic() - t0
        assert codes == [200] * 4
        assert elapsed >= 2.9, elapsed  # 2 rounds of 1.5 s: never 4 at once
        ok = client.post("/schemas/orders/validate", headers=CSV,
                         content=(SAMPLES / "orders_valid.csv").read_bytes())
        assert ok.status_code == 200


def test_small_lane_size_leaves_a_worker_for_large_uploads(tmp_path):
    from hub.server.pool import WorkerPool

    def lanes(workers: int, small: int) -> dict[str, int]:
        return WorkerPool(workers=workers, schemas_dir=tmp_path, job_timeout_s=1,
                          job_memory_bytes=1 << 30, large_upload_bytes=1 << 20, max_queued=1,
                          small_workers=small).lanes

    assert lanes(3, 1) == {"small": 1, "large": 2}
    assert lanes(4, 2) == {"small": 2, "large": 2}
    assert lanes(3, 9) == {"small": 2, "large": 1}  # one worker always stays for large files
    assert lanes(1, 2) == {"small": 1, "large": 0}
