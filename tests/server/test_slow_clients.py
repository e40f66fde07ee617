"""Slow clients on real sockets: idle and trickling connections are dropped at the deadline,
and while they hang on, normal clients are served at once (no waiting, no 503)."""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import socket
import threading
import time

import httpx
import pytest

from tests.conftest import SAMPLES
from tests.server.hubproc import hub

DEADLINE = 4.0
VALID = (SAMPLES / "orders_valid.csv").read_bytes()


def _dropped_within(sock: socket.socket, limit: float) -> tuple[bool, bytes]:
    """True if the server closed ``sock`` within ``limit`` seconds (what it said last)."""
    sock.settimeout(limit)
    data = b""
    try:
        while chunk := sock.recv(4096):
            data += chunk
    except TimeoutError:
        return False, data
    except ConnectionResetError:
        pass
    return True, data


PARSERS = pytest.mark.parametrize("parser", ["httptools", "h11"])


@pytest.mark.slow
@PARSERS
def test_idle_and_trickling_sockets_are_dropped_and_do_not_starve_others(tmp_path, parser):
    with hub(tmp_path, "--request-deadline", str(DEADLINE), "--http", parser) as h:
        port = h["port"]
        # one upload first: the worker is up, so what follows measures the slow sockets only
        assert httpx.post(f"{h['url']}/schemas/orders/validate", content=VALID, timeout=60,
                          headers={"content-type": "text/csv"}).status_code == 200
        idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(50)]
        trickle = [socket.create_connection(("127.0.0.1", port)) for _ in range(50)]
        stop = threading.Event()
        request = b"GET /health HTTP/1.1\r\nHost: x\r\nX-Pad: " + b"a" * 200

        def drip() -> None:  # one header byte per socket every 0.2 s: never finishes
            i = 0
            while not stop.is_set() and i < len(request):
                for s in trickle:
                    with contextlib.suppress(OSError):
                        s.send(request[i:i + 1])
                i += 1
                stop.wait(0.2)

        dripper = threading.Thread(target=drip, daemon=True)
        dripper.start()
        t0 = time.monotonic()
        try:
            # normal clients while 100 sockets hang on: all answered, quickly
            def normal(i: int) -> list[tuple[int, float]]:
                out = []
                with httpx.Client(base_url=h["url"], timeout=10) as c:
                    for j in range(4):
                        start = time.monotonic()
                        r = (c.get("/health") if (i + j) % 2 else c.post(
                            "/schemas/orders/validate", content=VALID,
                            headers={"content-type": "text/csv"}))
                        out.append((r.status_code, time.monotonic() - start))
                return out

            with cf.ThreadPoolExecutor(6) as ex:
                results = [x for batch in ex.map(normal, range(6)) for x in batch]
            assert {code for code, _ in results} <= {200}, results
            assert max(t for _, t in results) < 1.5, results
            # all of that happened while the 100 slow sockets were still connected
            assert time.monotonic() - t0 < DEADLINE

            # then every slow socket is dropped at the deadline (+ slack for a loaded machine)
            dropped = [_dropped_within(s, DEADLINE + 3.0) for s in idle + trickle]
            assert all(ok for ok, _ in dropped), sum(not ok for ok, _ in dropped)
            assert all(data.startswith(b"HTTP/1.1 408") for _, data in dropped)
            assert time.monotonic() - t0 < DEADLINE + 4.0
        finally:
            stop.set()
            dripper.join(timeout=5)
            for s in idle + trickle:
                s.close()
        assert httpx.get(f"{h['url']}/health").status_code == 200


@pytest.mark.slow
@PARSERS
def test_a_trickled_body_is_dropped_but_a_steady_upload_is_not(tmp_path, parser):
    with hub(tmp_path, "--request-deadline", str(DEADLINE), "--http", parser) as h:
        head = (b"POST /schemas/orders/validate HTTP/1.1\r\nHost: x\r\nContent-Type: text/csv\r\n"
                b"Content-Length: %d\r\n\r\n")
        with socket.create_connection(("127.0.0.1", h["port"])) as s:
            s.sendall(head % 10_000)
            t0 = time.monotonic()
            s.settimeout(0.3)
            closed = False
            while time.monotonic() - t0 < DEADLINE + 3:
                try:
                    s.send(b"x")
                    if s.recv(4096) == b"":
                        closed = True
                        break
                except TimeoutError:
                    continue
                except OSError:
                    closed = True
                    break
            assert closed and DEADLINE - 0.2 < time.monotonic() - t0 < DEADLINE + 3
        # a steady upload that takes longer than the deadline, at a sane rate, goes through
        body = b"order_id,x\n" + b"1,2\n" * 300_000  # 1.2 MB at ~200 KB/s: ~6 s > deadline
        with socket.create_connection(("127.0.0.1", h["port"])) as s:
            s.sendall(head % len(body))
            for i in range(0, len(body), 20_000):
                s.sendall(body[i:i + 20_000])
                time.sleep(0.1)
            s.settimeout(30)
            answer = s.recv(4096)
        assert answer.startswith(b"HTTP/1.1 422"), answer[:80]


@PARSERS
def test_the_next_request_on_a_kept_alive_socket_has_its_own_deadline(tmp_path, parser):
    deadline = 2.0
    with hub(tmp_path, "--request-deadline", str(deadline), "--http", parser) as h, \
            socket.create_connection(("127.0.0.1", h["port"])) as s:
        s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        s.settimeout(5)
        first = b""
        while not first.endswith(b"}"):  # the whole first response (its body is JSON)
            first += s.recv(4096)
        assert first.startswith(b"HTTP/1.1 200"), first[:80]
        s.sendall(b"GET /health HTTP/1.1\r\nHo")  # ... and the rest never comes
        t0 = time.monotonic()
        dropped, data = _dropped_within(s, deadline + 3.0)
        assert dropped and data.startswith(b"HTTP/1.1 408"), data[:80]
        assert deadline - 0.2 < time.monotonic() - t0 < deadline + 3.0


def test_an_oversized_request_head_is_refused_and_the_hub_stays_up(tmp_path):
    from hub.server.protocol import HEAD_LIMIT

    head = b"GET /health HTTP/1.1\r\nHost: x\r\n"
    pad = b"X-Pad: " + b"a" * 1000 + b"\r\n"
    head += pad * (HEAD_LIMIT // len(pad) + 1)  # just over the limit, and never finished
    with hub(tmp_path) as h, socket.create_connection(("127.0.0.1", h["port"])) as s:
        # all of it at once: the hub has read every byte when it closes, so the close is a
        # FIN after the 431, not a reset that could overtake it
        s.sendall(head)
        dropped, data = _dropped_within(s, 5.0)
        assert dropped and data.startswith(b"HTTP/1.1 431"), data[:80]
        assert b"headers_too_large" in data
        assert httpx.get(f"{h['url']}/health").status_code == 200
