"""The same history and keys on PostgreSQL through a SQLAlchemy URL (``--db postgresql+...``).

A real PostgreSQL server: the one ``DVH_TEST_POSTGRES_URL`` names (a disposable database: its
dvh tables are dropped first), or else one started for the session from the ``pgserver``
wheel (PostgreSQL 16 binaries, a data folder under pytest's tmp, a Unix socket).
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.conftest import SAMPLES, assert_problem


@pytest.fixture(scope="module")
def server_url(tmp_path_factory) -> Iterator[str]:
    url = os.environ.get("DVH_TEST_POSTGRES_URL")
    if url:
        yield url
        return
    import pgserver

    server = pgserver.get_server(tmp_path_factory.mktemp("pg"), cleanup_mode="delete")
    try:
        yield server.get_uri().replace("postgresql://", "postgresql+psycopg://", 1)
    finally:
        server.cleanup()


@pytest.fixture
def pg_url(server_url):
    from sqlalchemy import create_engine, text

    engine = create_engine(server_url)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS reports, api_keys"))
    engine.dispose()
    return server_url


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
