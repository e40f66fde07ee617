"""Uploads are bounded, streamed, and leave no temp file behind on any path."""

from __future__ import annotations

import gzip
import socket
import time
import zlib
from pathlib import Path

import httpx
import pytest

from tests.conftest import SAMPLES, assert_problem
from tests.server.hubproc import hub

CSV = {"content-type": "text/csv"}
VALID = (SAMPLES / "orders_valid.csv").read_bytes()


def _raw(port: int, head: bytes, body: bytes = b"", timeout: float = 5.0) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(head + body)
        data = b""
        while b"\r\n\r\n" not in data or not data.split(b"\r\n\r\n", 1)[1]:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
        return data


def test_413_on_a_large_declared_body_comes_before_any_byte_is_sent(tmp_path):
    with hub(tmp_path, "--max-upload-bytes", "1000000") as h:
        head = (b"POST /schemas/orders/validate HTTP/1.1\r\nHost: x\r\nContent-Type: text/csv\r\n"
                b"Content-Length: 50000000000\r\n\r\n")  # 50 GB declared, none sent
        t0 = time.monotonic()
        answer = _raw(h["port"], head)
        elapsed = time.monotonic() - t0
        assert answer.startswith(b"HTTP/1.1 413"), answer[:100]
        assert b"connection: close" in answer.lower() and b"upload_too_large" in answer
        assert elapsed < 1.0, elapsed


def test_chunked_upload_is_read_no_further_than_the_limit_plus_one_chunk(tmp_path):
    """An in-process app fed by a counting ``receive``: what the hub pulled is what it read."""
    import asyncio

    from hub.server.app import create_app
    from hub.server.settings import Settings
    from tests.conftest import SCHEMAS

    limit, chunk = 1 << 20, 64 * 1024
    pulled = 0

    async def main() -> int:
        nonlocal pulled
        app = create_app(Settings(schemas_dir=SCHEMAS, db=tmp_path / "h.db", workers=1,
                                  max_upload_bytes=limit))
        sent: list[dict] = []

        async def receive() -> dict:
            nonlocal pulled
            pulled += chunk
            return {"type": "http.request", "body": b"x" * chunk, "more_body": True}

        async def send(message: dict) -> None:
            sent.append(message)

        scope = {"type": "http", "method": "POST", "path": "/schemas/orders/validate",
                 "raw_path": b"/schemas/orders/validate", "query_string": b"",
                 "headers": [(b"content-type", b"text/csv"),
                             (b"transfer-encoding", b"chunked")],
                 "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 2), "scheme": "http",
                 "http_version": "1.1", "root_path": "", "app": app}
        async with app.router.lifespan_context(app):
            app.middleware_stack = app.build_middleware_stack()
            await app(scope, receive, send)
        return sent[0]["status"]

    status = asyncio.run(main())
    assert status == 413
    assert limit < pulled <= limit + chunk, pulled


def test_multipart_limits(make_client):
    with make_client() as client:
        two = client.post("/schemas/orders/validate", files=[
            ("file", ("a.csv", VALID, "text/csv")), ("other", ("b.csv", VALID, "text/csv"))])
        assert_problem(two, 400, "too_many_files")
        many = client.post("/schemas/orders/validate", data={f"f{i}": "x" for i in range(20)},
                           files={"file": ("a.csv", VALID, "text/csv")})
        assert_problem(many, 400, "too_many_fields")
        big = client.post("/schemas/orders/validate", data={"note": "x" * 200_000},
                          files={"file": ("a.csv", VALID, "text/csv")})
        assert_problem(big, 413, "field_too_large")
        bad = client.post("/schemas/orders/validate", content=b"--zz\r\nnonsense",
                          headers={"content-type": "multipart/form-data; boundary=zz"})
        assert bad.status_code == 400
        ok = client.post("/schemas/orders/validate", data={"note": "fine"},
                         files={"file": ("a.csv", VALID, "text/csv")})
        assert ok.status_code == 200


def test_client_file_name_is_a_label_never_a_path(make_client, tmp_path):
    spool = tmp_path / "spool"
    spool.mkdir()
    with make_client(upload_dir=spool) as client:
        r = client.post("/schemas/orders/validate",
                        files={"file": ("../../../../tmp/evil.csv", VALID, "text/csv")})
        assert r.status_code == 200, r.text
        assert r.json()["source"]["name"] == "evil.csv"
    assert not Path("/tmp/evil.csv").exists() and list(spool.iterdir()) == []


def test_content_encoding_gzip_and_the_decompressed_cap(make_client):
    with make_client(max_decompressed_bytes=100_000) as client:
        ok = client.post("/schemas/orders/validate", content=gzip.compress(VALID),
                         headers={**CSV, "content-encoding": "gzip"})
        assert ok.status_code == 200 and ok.json()["source"]["bytes"] == len(VALID)
        deflated = client.post("/schemas/orders/validate", content=zlib.compress(VALID),
                               headers={**CSV, "content-encoding": "deflate"})
        assert deflated.status_code == 200
        bomb = gzip.compress(b"a,b\n" + b"1,2\n" * 5_000_000)  # 20 MB from ~20 KB
        assert len(bomb) < 100_000
        assert_problem(client.post("/schemas/orders/validate", content=bomb,
                                   headers={**CSV, "content-encoding": "gzip"}),
                       413, "decompressed_too_large")
        assert_problem(client.post("/schemas/orders/validate", content=b"not gzip",
                                   headers={**CSV, "content-encoding": "gzip"}),
                       400, "unreadable_input")
        assert_problem(client.post("/schemas/orders/validate", content=VALID,
                                   headers={**CSV, "content-encoding": "br"}),
                       415, "unsupported_encoding")


@pytest.mark.slow
def test_no_temp_file_remains_on_any_path(tmp_path, hostile_schemas):
    """Success, invalid data, unreadable file, 413 mid-stream, worker crash, async job, and a
    client that disconnects mid-upload: the spool folder is empty afterwards."""
    spool = tmp_path / "spool"
    spool.mkdir()
    env = {"DVH_UPLOAD_DIR": str(spool)}
    with hub(tmp_path, "--max-upload-bytes", "2000000", schemas=hostile_schemas, env=env) as h:
        base = h["url"]
        with httpx.Client(base_url=base, timeout=30) as c:
            assert c.post("/schemas/orders/validate", content=VALID, headers=CSV).status_code \
                == 200
            bad = (SAMPLES / "orders_invalid.csv").read_bytes()
            assert c.post("/schemas/orders/validate", files={"file": ("b.csv", bad)}
                          ).status_code == 422
            assert c.post("/schemas/orders/validate", content=b"PAR1junk", headers={
                "content-type": "application/vnd.apache.parquet"}).status_code == 400
            assert c.post("/schemas/hostile/validate", content=b"id,action\n1,crash\n",
                          headers=CSV).status_code == 503

            def endless():
                for _ in range(100):
                    yield b"x" * 65536

            try:
                r = c.post("/schemas/orders/validate", content=endless(), headers=CSV)
                assert r.status_code == 413
            except httpx.HTTPError:
                pass  # the hub closed the socket while we were still sending: also fine
            job = c.post("/schemas/orders/validate?wait=false", content=VALID, headers=CSV)
            deadline = time.monotonic() + 20
            while c.get(job.headers["location"]).status_code == 202:
                assert time.monotonic() < deadline
                time.sleep(0.05)
        # a client that goes away mid-body
        with socket.create_connection(("127.0.0.1", h["port"])) as s:
            s.sendall(b"POST /schemas/orders/validate HTTP/1.1\r\nHost: x\r\n"
                      b"Content-Type: text/csv\r\nContent-Length: 1000000\r\n\r\n" + b"x" * 300_000)
            deadline = time.monotonic() + 10
            while not list(spool.iterdir()):  # the hub has started spooling this one
                assert time.monotonic() < deadline
                time.sleep(0.02)
        deadline = time.monotonic() + 10
        while list(spool.iterdir()) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert httpx.get(f"{base}/health").status_code == 200
        assert list(spool.iterdir()) == []
