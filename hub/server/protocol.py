"""Deadlines for slow clients, at the HTTP protocol level (uvicorn's protocols, extended).

uvicorn arms its keep-alive timer only after a response, so a client that opens a socket and
sends nothing, or trickles its headers a byte at a time, holds it forever. Here each request
gets, in the manner of Apache's mod_reqtimeout:

- a header deadline: the request line and headers must arrive within ``deadline_s`` of the
  connection opening (or of the first byte of the next request on a kept-alive connection);
- a body deadline: the body must arrive within ``deadline_s``, extended by one second for each
  ``min_rate`` bytes received, so a real upload at a sane rate is never cut while a trickle is.

A client that misses either is dropped (408 if no response has started, else the socket is
closed: the app then sees a disconnect and removes its temp file). Time during which the hub
itself stopped reading (flow control, the app busy) is not held against the client.
Idle sockets cost the event loop nothing, so they do not make other clients wait.

Two parsers carry the same deadlines: httptools (llhttp, in C; the default) and h11 (pure
Python). Under the load of ``bench/load.py`` h11 spent about a fifth of the event loop's time
cutting the large bodies into events; httptools hands them over as they arrive. httptools has
no limit of its own on the size of a request's head, so one is kept here (h11 has one).
"""

from __future__ import annotations

import asyncio
from typing import Any, Literal

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

HEAD_LIMIT = 64 * 1024  # request line + headers

_BODY_408 = (b'{"detail":[{"type":"request_timeout","loc":[],'
             b'"msg":"the request did not arrive within the deadline"}]}')
_RESPONSE_408 = (b"HTTP/1.1 408 Request Timeout\r\ncontent-type: application/json\r\n"
                 b"connection: close\r\ncontent-length: %d\r\n\r\n" % len(_BODY_408)) + _BODY_408
_BODY_431 = (b'{"detail":[{"type":"headers_too_large","loc":["header"],'
             b'"msg":"the request line and headers exceed %d bytes"}]}' % HEAD_LIMIT)
_RESPONSE_431 = (b"HTTP/1.1 431 Request Header Fields Too Large\r\n"
                 b"content-type: application/json\r\nconnection: close\r\n"
                 b"content-length: %d\r\n\r\n" % len(_BODY_431)) + _BODY_431

Parser = Literal["httptools", "h11"]
Phase = Literal["headers", "body", "done"]


class _Deadlines:
    """The clock of one connection; the parser-specific subclasses say when a phase begins."""

    _deadline_s: float
    _min_rate: int
    # provided by uvicorn's protocol classes
    loop: asyncio.AbstractEventLoop
    transport: Any
    flow: Any
    cycle: Any

    def connection_made(self, transport: Any) -> None:
        super().connection_made(transport)  # type: ignore[misc]
        self._begin("headers")

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)  # type: ignore[misc]

    def _begin(self, phase: Phase) -> None:
        self._phase: Phase = phase
        self._body_bytes = 0
        self._head_bytes = 0
        self._started = self.loop.time()
        if phase == "done":
            self._disarm()
        else:
            self._arm(self._deadline_s)

    def _arm(self, delay: float) -> None:
        self._disarm()
        self._timer: asyncio.TimerHandle | None = self.loop.call_later(max(0.01, delay),
                                                                       self._expired)

    def _disarm(self) -> None:
        timer = getattr(self, "_timer", None)
        if timer is not None:
            timer.cancel()
            self._timer = None

    def _allowed(self) -> float:
        if self._phase == "body":
            return self._deadline_s + self._body_bytes / self._min_rate
        return self._deadline_s

    def _refresh(self) -> None:
        """Let the parser's own state correct the phase before judging (h11 only)."""

    def _expired(self) -> None:
        self._timer = None
        if self.transport.is_closing() or self._phase == "done":
            return
        self._refresh()
        if self._phase == "done":
            return
        if self.flow is not None and self.flow.read_paused:
            self._arm(1.0)  # the hub is the slow side right now; look again later
            return
        remaining = self._started + self._allowed() - self.loop.time()
        if remaining > 0:
            self._arm(remaining)
            return
        self._drop(_RESPONSE_408)

    def _drop(self, response: bytes) -> None:
        cycle = self.cycle  # the last request's, on a kept-alive connection
        if cycle is None or not cycle.response_started or cycle.response_complete:
            self.transport.write(response)
        self.transport.close()


class _HttpToolsDeadlines(_Deadlines, HttpToolsProtocol):
    """httptools' callbacks say when each phase begins."""

    def data_received(self, data: bytes) -> None:
        if self._phase == "done":  # the first bytes of the next request (kept alive)
            self._begin("headers")
        counting = self._phase == "headers"
        if counting:
            self._head_bytes += len(data)
        super().data_received(data)
        if counting and self._phase == "headers" and self._head_bytes > HEAD_LIMIT:
            self._begin("done")
            self._drop(_RESPONSE_431)

    def on_headers_complete(self) -> None:
        super().on_headers_complete()
        self._begin("body")

    def on_body(self, body: bytes) -> None:
        self._body_bytes += len(body)
        super().on_body(body)

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._begin("done")


class _H11Deadlines(_Deadlines, H11Protocol):
    """h11 has no callbacks: its connection state is read after each chunk."""

    def data_received(self, data: bytes) -> None:
        if self._phase == "done" and self.conn.their_state is h11.IDLE:
            self._begin("headers")  # the first bytes of the next request (kept alive)
        if self._phase == "body":
            self._body_bytes += len(data)
        super().data_received(data)
        self._refresh()

    def _refresh(self) -> None:
        state = self.conn.their_state
        if self._phase == "headers" and state is h11.SEND_BODY:
            self._begin("body")
        elif state in (h11.DONE, h11.MUST_CLOSE, h11.CLOSED, h11.ERROR):
            self._begin("done")


def make_protocol(deadline_s: float, min_rate: int, parser: Parser = "httptools") -> type:
    """A uvicorn protocol class bound to these limits (uvicorn takes a class)."""
    base = _H11Deadlines if parser == "h11" else _HttpToolsDeadlines
    return type(base.__name__.lstrip("_"), (base,),
                {"_deadline_s": deadline_s, "_min_rate": min_rate})
