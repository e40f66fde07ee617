"""``PUT /schemas/{name}``: declarative schemas stored in the hub's database, versioned,
listed with the file-based ones, enforced like them, and surviving a restart."""

from __future__ import annotations

import copy

import httpx
from fastapi.testclient import TestClient

from hub.export import export_document
from hub.registry import Registry
from hub.server.app import create_app
from hub.server.settings import Settings
from tests.conftest import SAMPLES, SCHEMAS, assert_problem


def payments_doc() -> dict:
    return export_document(Registry(SCHEMAS).get("payments"))


def _validate(client, schema: str, file: str):
    return client.post(f"/schemas/{schema}/validate?filename={file}&max_errors=0",
                       content=(SAMPLES / file).read_bytes(),
                       headers={"content-type": "text/csv"})


def test_put_registers_versions_and_enforces(client):
    doc = payments_doc()
    created = client.put("/schemas/pay_db", json=doc)
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["revision"] == 1 and body["created"] and body["version"] == "1.0"
    assert created.headers["location"] == "/schemas/pay_db"
    same = client.put("/schemas/pay_db", json=doc)
    assert same.status_code == 200 and same.json()["revision"] == 1
    listed = client.get("/schemas").json()
    assert {"orders", "payments", "pay_db"} <= {s["name"] for s in listed["schemas"]}
    detail = client.get("/schemas/pay_db").json()
    python = client.get("/schemas/payments").json()
    assert detail["version"] == "1.0" and detail["fingerprint"] == python["fingerprint"]
    a, b = _validate(client, "payments", "payments_invalid.csv"), _validate(
        client, "pay_db", "payments_invalid.csv")
    assert a.status_code == b.status_code == 422
    assert a.json()["detail"] == b.json()["detail"]
    assert b.json()["schema"]["name"] == "pay_db"


def test_a_new_revision_is_enforced_at_once(client):
    doc = payments_doc()
    assert client.put("/schemas/pay_db", json=doc).status_code == 201
    assert _validate(client, "pay_db", "payments_valid.csv").status_code == 200
    stricter = copy.deepcopy(doc)
    stricter["x-dvh"]["version"] = "2.0"
    stricter["properties"]["attempt"]["maximum"] = 1  # the valid sample has attempt 2
    revised = client.put("/schemas/pay_db", json=stricter)
    assert revised.status_code == 201 and revised.json()["revision"] == 2
    assert _validate(client, "pay_db", "payments_valid.csv").status_code == 422
    assert client.get("/schemas/pay_db").json()["version"] == "2.0"
    revisions = client.get("/schemas/pay_db/revisions").json()["revisions"]
    assert [(r["revision"], r["version"]) for r in revisions] == [(1, "1.0"), (2, "2.0")]


def test_version_without_declared_version_is_the_revision(client):
    doc = payments_doc()
    doc["x-dvh"].pop("version")
    assert client.put("/schemas/anon", json=doc).json()["version"] == "1"
    assert client.get("/schemas/anon").json()["version"] == "1"


def test_put_errors_have_the_problem_shape(client):
    doc = payments_doc()
    assert_problem(client.put("/schemas/payments", json=doc), 409, "schema_conflict",
                   ["path", "name"])
    bad = {"properties": {"x": {"oneOf": [{"type": "integer"}]}}}
    body = assert_problem(client.put("/schemas/bad", json=bad), 400, "invalid_schema", ["body"])
    assert "property 'x'" in body["detail"][0]["msg"]
    assert_problem(client.put("/schemas/bad-name", json=doc), 400, "invalid_schema_name")
    assert client.put("/schemas/bad", content=b"[1, 2]",
                      headers={"content-type": "application/json"}).status_code == 400
    assert client.put("/schemas/bad", content=b"{nope",
                      headers={"content-type": "application/json"}).status_code == 400
    assert client.put("/schemas/v", json=doc).status_code == 201
    changed = copy.deepcopy(doc)
    changed["properties"]["attempt"]["maximum"] = 4
    assert_problem(client.put("/schemas/v", json=changed), 409, "version_conflict")
    assert_problem(client.get("/schemas/nope/revisions"), 404, "schema_not_found")
    assert client.get("/health").status_code == 200  # still up


def test_stored_schemas_survive_a_restart(tmp_path):
    settings = Settings(schemas_dir=SCHEMAS, db=tmp_path / "hub.db")
    with TestClient(create_app(settings)) as first:
        assert first.put("/schemas/kept", json=payments_doc()).status_code == 201
    with TestClient(create_app(settings)) as second:
        assert "kept" in {s["name"] for s in second.get("/schemas").json()["schemas"]}
        assert _validate(second, "kept", "payments_valid.csv").status_code == 200


def test_put_on_a_live_hub(live_server):
    base = live_server["url"]
    r = httpx.put(f"{base}/schemas/live_pay", json=payments_doc(), timeout=30)
    assert r.status_code == 201, r.text
    up = httpx.post(f"{base}/schemas/live_pay/validate?filename=p.csv",
                    content=(SAMPLES / "payments_invalid.csv").read_bytes(),
                    headers={"content-type": "text/csv"}, timeout=30)
    assert up.status_code == 422 and up.json()["error_count"] == 21
    names = {s["name"] for s in httpx.get(f"{base}/schemas", timeout=30).json()["schemas"]}
    assert "live_pay" in names


def test_a_revision_from_another_worker_is_seen(tmp_path):
    """Two hubs on one database (two workers): a PUT on one is enforced by the other."""
    settings = Settings(schemas_dir=SCHEMAS, db=tmp_path / "hub.db")
    with TestClient(create_app(settings)) as one, TestClient(create_app(settings)) as two:
        doc = payments_doc()
        assert one.put("/schemas/shared", json=doc).status_code == 201
        assert _validate(two, "shared", "payments_valid.csv").status_code == 200
        stricter = copy.deepcopy(doc)
        stricter["x-dvh"]["version"] = "2.0"
        stricter["properties"]["attempt"]["maximum"] = 1
        assert one.put("/schemas/shared", json=stricter).status_code == 201
        assert _validate(two, "shared", "payments_valid.csv").status_code == 422
        assert two.get("/schemas/shared").json()["version"] == "2.0"


def test_a_non_ascii_name_is_refused_not_a_500(client):
    """A name goes into the Location header and into paths: ASCII identifiers only (found by
    schemathesis: 'é' passed ``isidentifier`` and the latin-1 header encoding failed)."""
    for quoted in ("%C3%A9", "na%C3%AFve", "%E2%84%AA"):  # é, naïve, KELVIN SIGN
        answer = client.put(f"/schemas/{quoted}", json=payments_doc())
        assert_problem(answer, 400, "invalid_schema_name")
