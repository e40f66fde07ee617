"""The same history and keys on PostgreSQL through a SQLAlchemy URL (``--db postgresql+...``).

Runs when ``DVH_TEST_POSTGRES_URL`` names a disposable database (its dvh tables are dropped
first); CI machines have no PostgreSQL server, so there it is skipped with that reason.
"""

from __future__ import annotations

import os

import pytest

from tests.conftest import SAMPLES, assert_problem

URL = os.environ.get("DVH_TEST_POSTGRES_URL")
pytestmark = pytest.mark.skipif(not URL, reason="set DVH_TEST_POSTGRES_URL to a disposable "
                                "PostgreSQL database to run the PostgreSQL store tests")


@pytest.fixture
def pg_url():
    from sqlalchemy import create_engine, text

    engine = create_engine(URL)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS reports, api_keys"))
    engine.dispose()
    return URL


def test_reports_and_keys_on_postgresql(make_client, pg_url):
    csv = {"content-type": "text/csv"}
    with make_client(db=pg_url, require_auth=True) as client:
        _, key = client.app.state.keys.create("ops", "admin")
        auth = {"authorization": f"Bearer {key}"}
        good = client.post("/schemas/orders/validate", headers={**csv, **auth},
                           content=(SAMPLES / "orders_valid.csv").read_bytes())
        bad = client.post("/schemas/orders/validate", headers={**csv, **auth},
                          content=(SAMPLES / "orders_invalid.csv").read_bytes())
        assert (good.status_code, bad.status_code) == (200, 422)
        assert client.get(bad.headers["location"], headers=auth).json() == bad.json()
        page = client.get("/reports", params={"valid": "false"}, headers=auth).json()
        assert [i["id"] for i in page["items"]] == [bad.json()["id"]]
        assert_problem(client.get("/reports"), 401, "not_authenticated")
        job = client.post("/schemas/orders/validate?wait=false", headers={**csv, **auth},
                          content=(SAMPLES / "orders_valid.csv").read_bytes())
        assert job.status_code == 202
