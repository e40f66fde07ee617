"""API keys: created once and stored hashed, checked before the body, scoped, rate-limited."""

from __future__ import annotations

import socket
import sqlite3
import time

import httpx
from typer.testing import CliRunner

from cli.main import app
from hub.keys import KeyStore
from tests.conftest import SAMPLES, assert_problem
from tests.server.hubproc import hub

runner = CliRunner()
CSV = {"content-type": "text/csv"}
VALID = (SAMPLES / "orders_valid.csv").read_bytes()


def _bearer(key: str) -> dict[str, str]:
    return {"authorization": f"Bearer {key}"}


def test_keys_cli_create_list_revoke(tmp_path):
    db = str(tmp_path / "hub.db")
    made = runner.invoke(app, ["keys", "create", "--name", "partner-a", "--scope", "validate",
                               "--schema", "orders", "--db", db])
    assert made.exit_code == 0, made.output
    lines = made.stdout.splitlines()
    assert len(lines) == 1 and lines[0].startswith("dvh_")  # the key, alone on its line
    key = lines[0]
    raw = (tmp_path / "hub.db").read_bytes()
    with sqlite3.connect(db) as conn:
        stored = conn.execute("SELECT secret_hash, scope, schema_name FROM api_keys").fetchall()
    assert key.encode() not in raw and key.split("_")[2].encode() not in raw
    assert len(stored) == 1 and len(stored[0][0]) == 64 and stored[0][1:] == ("validate",
                                                                              "orders")
    listed = runner.invoke(app, ["keys", "list", "--db", db, "--json"])
    assert key not in listed.stdout and '"partner-a"' in listed.stdout
    bad = runner.invoke(app, ["keys", "create", "--name", "x", "--scope", "root", "--db", db])
    assert bad.exit_code == 2 and "unknown scope" in bad.output
    assert KeyStore(db).check(key) is not None
    gone = runner.invoke(app, ["keys", "revoke", "partner-a", "--db", db])
    assert gone.exit_code == 0 and KeyStore(db).check(key) is None
    again = runner.invoke(app, ["keys", "revoke", "partner-a", "--db", db])
    assert again.exit_code == 2 and "no active key" in again.output


def test_open_hub_until_a_key_exists_then_everything_but_health_needs_one(make_client,
                                                                          tmp_path):
    with make_client() as client:
        assert client.get("/reports").status_code == 200  # open: no key yet
        keys = client.app.state.keys
        _, admin = keys.create("ops", "admin")
        time.sleep(1.1)  # the "any key?" answer is cached for a second
        for path in ("/reports", "/schemas", "/schemas/orders", "/openapi.json", "/docs", "/"):
            r = client.get(path)
            assert_problem(r, 401, "not_authenticated", ["header", "authorization"])
            assert r.headers["www-authenticate"].startswith("Bearer")
        assert client.get("/health").status_code == 200
        wrong = admin[:-1] + ("A" if admin[-1] != "A" else "B")
        r = client.get("/reports", headers=_bearer(wrong))
        assert_problem(r, 401, "invalid_key")
        assert 'error="invalid_token"' in r.headers["www-authenticate"]
        assert_problem(client.get("/reports", headers={"authorization": "Basic eDp5"}), 401,
                       "not_authenticated")
        assert client.get("/reports", headers=_bearer(admin)).status_code == 200


def test_scopes_and_schema_binding(make_client):
    with make_client(require_auth=True) as client:
        keys = client.app.state.keys
        _, admin = keys.create("ops", "admin")
        _, reader = keys.create("dash", "read")
        _, up = keys.create("partner", "validate", "orders")
        _, other = keys.create("partner-b", "validate")
        post = lambda key, schema="orders": client.post(  # noqa: E731
            f"/schemas/{schema}/validate", content=VALID, headers={**CSV, **_bearer(key)})
        mine = post(up)
        assert mine.status_code == 200
        assert_problem(post(up, "payments"), 403, "forbidden")
        assert_problem(post(reader), 403, "forbidden")
        assert post(admin).status_code == 200
        theirs = post(other)
        # a validate key reads its own reports only, and nothing else
        assert client.get(mine.headers["location"], headers=_bearer(up)).status_code == 200
        assert_problem(client.get(theirs.headers["location"], headers=_bearer(up)), 404,
                       "report_not_found")
        assert_problem(client.get("/reports", headers=_bearer(up)), 403, "forbidden")
        assert client.get("/schemas/orders", headers=_bearer(up)).status_code == 200
        assert_problem(client.get("/schemas/payments", headers=_bearer(up)), 403, "forbidden")
        # read sees everything readable; other methods need admin
        listed = client.get("/reports", headers=_bearer(reader)).json()
        assert listed["total"] == 3
        assert_problem(client.put("/schemas/orders", json={}, headers=_bearer(reader)), 403,
                       "forbidden")
        # admin passes auth; the route then refuses to shadow a file schema
    assert client.put("/schemas/orders", json={}, headers=_bearer(admin)).status_code == 409


def test_rule_table_is_method_and_path_based():
    from hub.server.auth import rule_for

    assert rule_for("GET", "/health").scope == "public"
    assert rule_for("POST", "/health").scope == "admin"
    assert rule_for("POST", "/schemas/orders/validate") == rule_for(
        "POST", "/schemas/orders/validate/")
    assert rule_for("POST", "/schemas/orders/validate").scope == "validate"
    assert rule_for("PUT", "/schemas/orders").scope == "admin"
    assert rule_for("PUT", "/schemas/orders").schema == "orders"
    assert rule_for("DELETE", "/keys/abc").scope == "admin"
    assert rule_for("GET", "/anything/new").scope == "read"


def test_openapi_declares_the_bearer_scheme(make_client):
    with make_client() as client:
        spec = client.get("/openapi.json").json()
    scheme = spec["components"]["securitySchemes"]["bearerAuth"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    assert spec["paths"]["/health"]["get"]["security"] == []
    op = spec["paths"]["/schemas/{name}/validate"]["post"]
    assert op["security"] == [{"bearerAuth": []}] and "401" in op["responses"]


def test_rate_limit_and_upload_concurrency_per_key(make_client):
    with make_client(require_auth=True) as client:
        keys = client.app.state.keys
        _, slow = keys.create("slow", "read", rate_per_minute=3)
        _, fast = keys.create("fast", "read")
        codes = [client.get("/reports", headers=_bearer(slow)).status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        r = client.get("/reports", headers=_bearer(slow))
        assert_problem(r, 429, "rate_limited")
        assert int(r.headers["retry-after"]) >= 1
        assert client.get("/reports", headers=_bearer(fast)).status_code == 200  # per key


def test_upload_concurrency_limit_per_key_on_a_real_hub(tmp_path):
    db = str(tmp_path / "hub.db")
    store = KeyStore(db)
    _, key = store.create("one-at-a-time", "validate", max_uploads=1)
    store.close()
    partial = (b"POST /schemas/orders/validate HTTP/1.1\r\nHost: x\r\nContent-Type: "
               b"text/csv\r\nAuthorization: Bearer " + key.encode() +
               b"\r\nContent-Length: 1000\r\n\r\norder_id")

    def answered(sock: socket.socket) -> bool:
        sock.setblocking(False)
        try:
            return sock.recv(4096) != b""  # an answer (or a close) came back
        except BlockingIOError:
            return False
        finally:
            sock.setblocking(True)

    with hub(tmp_path) as h:
        held: list[socket.socket] = []
        try:
            deadline = time.monotonic() + 30  # generous: the machine may be loaded
            while True:
                if not held or answered(held[-1]):
                    # hold one upload open (headers and part of the body); if a probe below
                    # took the key's one slot first, this one got the 429: hold another
                    held.append(socket.create_connection(("127.0.0.1", h["port"])))
                    held[-1].sendall(partial)
                    time.sleep(0.2)
                r = httpx.post(f"{h['url']}/schemas/orders/validate", content=VALID,
                               headers={**CSV, **_bearer(key)})
                if r.status_code == 429 or time.monotonic() > deadline:
                    break
                time.sleep(0.05)
        finally:
            for sock in held:
                sock.close()
        assert_problem(r, 429, "too_many_uploads")
        assert r.headers["retry-after"] == "1"


def test_401_comes_before_the_body_is_read(tmp_path):
    db = str(tmp_path / "hub.db")
    store = KeyStore(db)
    store.create("someone", "validate")
    store.close()
    with hub(tmp_path) as h, socket.create_connection(("127.0.0.1", h["port"]),
                                                        timeout=5) as s:
        t0 = time.monotonic()
        s.sendall(b"POST /schemas/orders/validate HTTP/1.1\r\nHost: x\r\nContent-Type: "
                  b"text/csv\r\nContent-Length: 10000000000\r\n\r\n")  # 10 GB declared, none sent
        answer = s.recv(65536)
        elapsed = time.monotonic() - t0
        assert answer.startswith(b"HTTP/1.1 401"), answer[:80]
        assert b"www-authenticate: Bearer" in answer and b"connection: close" in answer
        assert elapsed < 1.0, elapsed


def test_serve_refuses_an_open_hub_on_a_public_address(tmp_path):
    from cli.serve_cmd import is_loopback

    result = runner.invoke(app, ["serve", "--host", "0.0.0.0", "--db", str(tmp_path / "h.db"),
                                 "--schemas-dir", str(SAMPLES.parent / "schemas")])
    assert result.exit_code == 2
    assert "refusing to serve an open hub on 0.0.0.0" in result.output
    assert "--insecure" in result.output
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.4")


def test_cli_server_mode_sends_the_key_from_dvh_api_key(tmp_path, monkeypatch):
    store = KeyStore(str(tmp_path / "hub.db"))
    _, key = store.create("ci", "validate", "orders")
    store.close()
    path = str(SAMPLES / "orders_valid.csv")
    with hub(tmp_path) as h:
        monkeypatch.delenv("DVH_API_KEY", raising=False)
        refused = runner.invoke(app, ["validate", path, "--schema", "orders", "--server",
                                      h["url"]])
        assert refused.exit_code == 2 and "HTTP 401" in refused.output
        monkeypatch.setenv("DVH_API_KEY", key)
        ok = runner.invoke(app, ["validate", path, "--schema", "orders", "--server", h["url"]])
        assert ok.exit_code == 0, ok.output


def test_a_schema_bound_key_lists_only_its_schema(make_client):
    with make_client(require_auth=True) as client:
        _, key = client.app.state.keys.create("dash-orders", "read", "orders")
        body = client.get("/schemas", headers=_bearer(key)).json()
        assert [s["name"] for s in body["schemas"]] == ["orders"]
        assert_problem(client.get("/reports", params={"schema": "payments"},
                                  headers=_bearer(key)), 403, "forbidden")
