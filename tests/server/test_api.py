"""The HTTP API in-process (TestClient runs the lifespan): bodies, statuses and error shapes."""

from __future__ import annotations

from tests.conftest import SAMPLES, assert_problem, triples


def _upload(client, schema, path, media="text/csv", **params):
    with path.open("rb") as fh:
        return client.post(f"/schemas/{schema}/validate", params=params,
                           files={"file": (path.name, fh, media)})


def test_health(client):
    assert client.get("/health").json()["status"] == "ok"


def test_schemas_list_and_detail(client):
    body = client.get("/schemas").json()
    assert {s["name"] for s in body["schemas"]} == {"orders", "payments"}
    assert body["errors"] == {}
    detail = client.get("/schemas/payments").json()
    assert detail["json_schema"]["title"] == "Payment"
    assert detail["rules"]["primary_key"] == ["order_id", "attempt"]
    assert detail["fingerprint"].startswith("sha256:") and detail["version"] == "1.0"


def test_unknown_schema_is_404(client):
    assert_problem(client.get("/schemas/nope"), 404, "schema_not_found", ["path", "name"])
    r = client.post("/schemas/nope/validate", content=b"a,b\n", headers={"content-type":
                                                                        "text/csv"})
    assert_problem(r, 404, "schema_not_found")


def test_valid_multipart_upload_is_200_and_stored(client):
    r = _upload(client, "orders", SAMPLES / "orders_valid.csv")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["valid"] and body["id"] and body["source"]["name"] == "orders_valid.csv"
    assert r.headers["location"] == f"/reports/{body['id']}"
    assert client.get(f"/reports/{body['id']}").json() == body


def test_invalid_upload_is_422_with_fastapi_shaped_detail(client):
    r = _upload(client, "orders", SAMPLES / "orders_invalid.csv")
    assert r.status_code == 422
    body = r.json()
    assert not body["valid"] and body["error_count"] == 26
    for item in body["detail"]:
        assert {"type", "loc", "msg", "input"} <= set(item)
    assert (2, "order_id", "int_parsing") in triples(body)


def test_raw_body_parquet_and_csv(client):
    data = (SAMPLES / "orders_valid.parquet").read_bytes()
    r = client.post("/schemas/orders/validate", content=data,
                    headers={"content-type": "application/vnd.apache.parquet"})
    assert r.status_code == 200 and r.json()["source"]["format"] == "parquet"
    r = client.post("/schemas/payments/validate?filename=p.csv",
                    content=(SAMPLES / "payments_invalid.csv").read_bytes(),
                    headers={"content-type": "text/csv"})
    assert r.status_code == 422 and r.json()["source"]["name"] == "p.csv"


def test_format_by_file_name_when_content_type_is_generic(client):
    r = _upload(client, "orders", SAMPLES / "orders_valid.parquet",
                media="application/octet-stream")
    assert r.status_code == 200 and r.json()["source"]["format"] == "parquet"


def test_unsupported_format_is_415(client):
    r = client.post("/schemas/orders/validate", content=b"\x89PNG",
                    headers={"content-type": "image/png"})
    assert_problem(r, 415, "unsupported_format")
    r = client.post("/schemas/orders/validate",
                    files={"file": ("x.png", b"\x89PNG", "image/png")})
    assert_problem(r, 415, "unsupported_format")


def test_unreadable_file_is_400(client):
    r = client.post("/schemas/orders/validate", content=b"PAR1garbage",
                    headers={"content-type": "application/vnd.apache.parquet"})
    assert_problem(r, 400, "corrupt_parquet")
    r = client.post("/schemas/orders/validate", content=b"",
                    headers={"content-type": "text/csv"})
    assert_problem(r, 400, "empty_file")


def test_multipart_without_file_field_is_400(client):
    r = client.post("/schemas/orders/validate", data={"other": "x"},
                    files={"upload": ("a.csv", b"a\n", "text/csv")})
    assert_problem(r, 400, "missing_file", ["body", "file"])


def test_max_errors_caps_detail_not_counts(client):
    r = _upload(client, "orders", SAMPLES / "orders_invalid.csv", max_errors=3)
    body = r.json()
    assert len(body["detail"]) == 3 and body["truncated"] and body["error_count"] == 26
    assert_problem(_upload(client, "orders", SAMPLES / "orders_invalid.csv", max_errors=-1),
                   400, "greater_than_equal")


def test_reports_list_is_newest_first_and_paginated(client):
    ids = [_upload(client, "orders", SAMPLES / "orders_valid.csv").json()["id"]
           for _ in range(3)]
    page = client.get("/reports", params={"limit": 2}).json()
    assert page["total"] == 3 and [i["id"] for i in page["items"]] == ids[::-1][:2]
    page2 = client.get("/reports", params={"limit": 2, "offset": 2}).json()
    assert [i["id"] for i in page2["items"]] == [ids[0]]
    assert_problem(client.get("/reports/NOPE"), 404, "report_not_found")


def test_openapi_documents_report_for_200_and_422(client):
    spec = client.get("/openapi.json").json()
    op = spec["paths"]["/schemas/{name}/validate"]["post"]
    for status in ("200", "422"):
        ref = op["responses"][status]["content"]["application/json"]["schema"]["$ref"]
        assert ref.endswith("/Report")
    assert "multipart/form-data" in op["requestBody"]["content"]
    assert "detail" in spec["components"]["schemas"]["Report"]["properties"]
