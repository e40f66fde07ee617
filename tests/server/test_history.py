"""History: filters and pages, reports that the database refuses still reach the client, and
reports a client received survive repeated SIGKILLs of the hub."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import threading
import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import event

from tests.conftest import SAMPLES, assert_problem, wait_healthy
from tests.server.hubproc import spawn, stop

CSV = {"content-type": "text/csv"}
VALID = (SAMPLES / "orders_valid.csv").read_bytes()
INVALID = (SAMPLES / "orders_invalid.csv").read_bytes()


def test_sqlite_is_in_wal_mode_and_a_sqlalchemy_url_works(make_client, tmp_path):
    url = f"sqlite:///{tmp_path / 'via-url.db'}"
    with make_client(db=url) as client:
        r = client.post("/schemas/orders/validate", content=VALID, headers=CSV)
        assert r.status_code == 200
    with sqlite3.connect(tmp_path / "via-url.db") as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("SELECT count(*) FROM reports").fetchone()[0] == 1


def test_list_filters_schema_valid_since_and_pages(make_client):
    with make_client() as client:
        post = lambda schema, body: client.post(  # noqa: E731
            f"/schemas/{schema}/validate", content=body, headers=CSV).json()["id"]
        first = post("orders", VALID)
        time.sleep(0.01)
        cut = datetime.now(UTC)
        time.sleep(0.01)
        bad = [post("orders", INVALID) for _ in range(3)]
        pay = post("payments", (SAMPLES / "payments_valid.csv").read_bytes())
        get = lambda **p: client.get("/reports", params=p).json()  # noqa: E731
        assert get()["total"] == 5
        assert [i["id"] for i in get(schema="orders", valid="false")["items"]] == bad[::-1]
        assert {i["id"] for i in get(valid="true")["items"]} == {first, pay}
        since = get(since=cut.isoformat())
        assert since["total"] == 4 and first not in {i["id"] for i in since["items"]}
        future = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
        assert get(since=future)["total"] == 0
        page = get(limit=2, offset=2)
        assert page["next_offset"] == 4 and [i["id"] for i in page["items"]] == bad[:2][::-1]
        assert get(limit=2, offset=4)["next_offset"] is None
        assert_problem(client.get("/reports", params={"since": "yesterday"}), 400,
                       "datetime_from_date_parsing")


def test_disk_full_answers_507_with_the_report_marked_not_stored(make_client):
    with make_client() as client:
        engine = client.app.state.store.engine

        def tiny(dbapi_conn, _):  # SQLite's own "database or disk is full" (SQLITE_FULL)
            dbapi_conn.execute("PRAGMA max_page_count=1")

        assert client.post("/schemas/orders/validate", content=VALID, headers=CSV
                           ).status_code == 200
        event.listen(engine, "connect", tiny)
        engine.dispose()
        r = client.post("/schemas/orders/validate", content=INVALID, headers=CSV)
        assert r.status_code == 507 and r.headers["x-dvh-stored"] == "false"
        body = r.json()
        assert body["stored"] is False and "full" in body["store_error"]
        assert body["error_count"] == 26 and body["id"] is None and "location" not in r.headers
        event.remove(engine, "connect", tiny)
        engine.dispose()
        assert client.get("/health").status_code == 200
        assert client.post("/schemas/orders/validate", content=VALID, headers=CSV
                           ).status_code == 200


def test_database_errors_answer_503_and_the_hub_stays_up(make_client, tmp_path):
    with make_client() as client:
        with sqlite3.connect(tmp_path / "hub.db") as conn:
            conn.execute("DROP TABLE reports")
        r = client.post("/schemas/orders/validate", content=VALID, headers=CSV)
        assert r.status_code == 503 and r.json()["stored"] is False and r.json()["valid"]
        assert "no such table" in r.json()["store_error"]
        assert_problem(client.get("/reports"), 503, "store_unavailable")
        assert client.get("/health").status_code == 200


@pytest.mark.slow
def test_sigkill_loop_loses_no_report_a_client_received(tmp_path):
    """Kill the hub with SIGKILL 25 times while clients upload; every 200/422 it answered is
    in the database afterwards, and SQLite's integrity check passes."""
    db = tmp_path / "hub.db"
    received: list[str] = []
    rng = random.Random(5)
    lock = threading.Lock()
    kills = 25
    for _round in range(kills):
        proc, base = spawn(db, "--workers", "1")
        try:
            wait_healthy(base, proc)
            # one upload first, so a worker is up and the kill lands mid-traffic
            first = httpx.post(f"{base}/schemas/orders/validate", content=VALID, headers=CSV,
                               timeout=60)
            assert first.status_code == 200
            received.append(first.json()["id"])
            stop_at = time.monotonic() + rng.uniform(0.1, 0.5)

            def upload(body: bytes, base: str = base, stop_at: float = stop_at) -> None:
                with httpx.Client(base_url=base, timeout=5) as c:
                    while time.monotonic() < stop_at + 1.0:
                        try:
                            r = c.post("/schemas/orders/validate", content=body, headers=CSV)
                        except httpx.HTTPError:
                            return  # killed mid-request: nothing was received
                        if r.status_code in (200, 422):
                            with lock:
                                received.append(r.json()["id"])

            threads = [threading.Thread(target=upload, args=(b,)) for b in (VALID, INVALID)]
            for t in threads:
                t.start()
            time.sleep(max(0.0, stop_at - time.monotonic()))
            os.kill(proc.pid, signal.SIGKILL)  # mid-traffic: clients are still uploading
            proc.wait(timeout=10)
            for t in threads:
                t.join(timeout=10)
        finally:
            stop(proc)
    assert len(received) >= 2 * kills  # reports were written between and during the kills
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        stored = {row[0] for row in conn.execute("SELECT id FROM reports WHERE status='done'")}
    missing = set(received) - stored
    assert not missing, f"{len(missing)} reports a client received are gone"
