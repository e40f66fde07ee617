"""Deadlines for slow clients, at the HTTP protocol level (uvicorn's h11 protocol, extended).

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
"""

from __future__ import annotations

import asyncio
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

_BODY_408 = (b'{"detail":[{"type":"request_timeout","loc":[],'
             b'"msg":"the request did not arrive within the deadline"}]}')
_RESPONSE_408 = (b"HTTP/1.1 408 Request Timeout\r\ncontent-type: application/json\r\n"
                 b"connection: close\r\ncontent-length: %d\r\n\r\n" % len(_BODY_408)) + _BODY_408


def make_protocol(deadline_s: float, min_rate: int) -> type[H11Protocol]:
    """An ``H11Protocol`` subclass bound to these limits (uvicorn takes a class)."""

    class DeadlineProtocol(H11Protocol):
        _deadline_s = deadline_s
        _min_rate = min_rate

        def connection_made(self, transport: Any) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._phase = "headers"
            self._body_bytes = 0
            self._timer: asyncio.TimerHandle | None = None
            self._started = self.loop.time()
            self._arm(self._deadline_s)

        def _arm(self, delay: float) -> None:
            self._disarm()
            self._timer = self.loop.call_later(max(0.01, delay), self._expired)

        def _disarm(self) -> None:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            super().connection_lost(exc)

        def data_received(self, data: bytes) -> None:
            if self._timer is None and self.conn.their_state is h11.IDLE:
                # first bytes of the next request on a kept-alive connection
                self._phase, self._body_bytes = "headers", 0
                self._started = self.loop.time()
                self._arm(self._deadline_s)
            if self._phase == "body":
                self._body_bytes += len(data)
            super().data_received(data)
            self._track()

        def _track(self) -> None:
            state = self.conn.their_state
            if self._phase == "headers" and state is h11.SEND_BODY:
                self._phase, self._body_bytes = "body", 0
                self._started = self.loop.time()
                self._arm(self._deadline_s)
            elif state in (h11.DONE, h11.MUST_CLOSE, h11.CLOSED, h11.ERROR):
                self._phase = "done"
                self._disarm()

        def _allowed(self) -> float:
            if self._phase == "body":
                return self._deadline_s + self._body_bytes / self._min_rate
            return self._deadline_s

        def _expired(self) -> None:
            self._timer = None
            if self.transport.is_closing() or self._phase == "done":
                return
            self._track()
            if self._phase == "done":
                return
            if self.flow is not None and self.flow.read_paused:
                self._arm(1.0)  # the hub is the slow side right now; look again later
                return
            remaining = self._started + self._allowed() - self.loop.time()
            if remaining > 0:
                self._arm(remaining)
                return
            if self.cycle is None or not self.cycle.response_started:
                self.transport.write(_RESPONSE_408)
            self.transport.close()

    return DeadlineProtocol
