"""API-key auth as ASGI middleware: the key is checked *before* any byte of the body is read.

FastAPI parses a form before dependencies run, so a dependency would answer 401 only after the
whole upload arrived. This middleware answers 401/403/429 from the headers alone, with
``Connection: close`` so the server does not drain an unread body either.

When auth is on: once any active key exists, or with ``require_auth``. Otherwise the hub is
open, and ``dvh serve`` only lets it listen on loopback.

Scope rules (method + path; general, so new routes fall under them without edits here):

==========================================  ===========================================
request                                     needs
==========================================  ===========================================
``GET``/``HEAD /health``                    nothing, ever
``POST /schemas/{name}/validate``           ``validate`` (or ``admin``)
``GET /schemas/{name}``,                    ``read``; a ``validate`` key too (the route
``GET /reports/{id}``, ``.../view``         lets it see only the reports it uploaded)
any other ``GET``/``HEAD``                  ``read`` (or ``admin``)
any other method (``PUT /schemas/{name}``,  ``admin``
key management, ...)
==========================================  ===========================================

A key bound to a schema (``--schema NAME``) gets 403 on any path naming another schema; routes
that list things narrow them to its schema. Missing or unknown keys: 401 with
``WWW-Authenticate``. Wrong scope or schema: 403. Per-key limits: 429 with ``Retry-After``.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from dataclasses import dataclass
from typing import Any

import anyio.to_thread

from hub.db import StoreError
from hub.keys import ApiKey, KeyStore
from hub.server.ratelimit import RateLimiter
from hub.server.settings import Settings

_VALIDATE = re.compile(r"^/schemas/(?P<name>[^/]+)/validate/?$")
_SCHEMA = re.compile(r"^/schemas/(?P<name>[^/]+)/?$")
_REPORT = re.compile(r"^/reports/(?P<id>[^/]+)(/view)?/?$")
_CACHE_S = 2.0
_SAFE = ("GET", "HEAD")


@dataclass(frozen=True)
class Rule:
    """What a request needs: a scope, maybe a schema, and whether it is an upload."""

    scope: str  # "public", "validate", "read" or "admin"
    schema: str | None = None
    validate_may_read: bool = False
    upload: bool = False


def rule_for(method: str, path: str) -> Rule:
    """The scope rule table of the module docstring, as code."""
    method = method.upper()
    if path in ("/health", "/health/") and method in _SAFE:
        return Rule("public")
    if method == "POST" and (m := _VALIDATE.match(path)):
        return Rule("validate", m["name"], upload=True)
    if method in _SAFE:
        if m := _SCHEMA.match(path):
            return Rule("read", m["name"], validate_may_read=True)
        if _REPORT.match(path):
            return Rule("read", validate_may_read=True)
        return Rule("read")
    schema = m["name"] if (m := _SCHEMA.match(path) or _VALIDATE.match(path)) else None
    return Rule("admin", schema)


def permits(key: ApiKey, rule: Rule) -> str | None:
    """None if ``key`` may make the request, else the reason for a 403."""
    if key.scope != "admin":
        if rule.scope == "admin":
            return f"this needs an admin key; key {key.name!r} has scope {key.scope!r}"
        if rule.scope == "validate" and key.scope != "validate":
            return f"uploads need a validate key; key {key.name!r} has scope {key.scope!r}"
        if rule.scope == "read" and key.scope == "validate" and not rule.validate_may_read:
            return f"this needs a read key; key {key.name!r} has scope 'validate'"
    if key.schema and rule.schema and rule.schema != key.schema:
        return f"key {key.name!r} is limited to schema {key.schema!r}"
    return None


def _bearer(headers: list[tuple[bytes, bytes]]) -> str | None:
    for name, value in headers:
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").strip().partition(" ")
            return token.strip() if scheme.lower() == "bearer" and token.strip() else ""
    return None


def _has_body(headers: list[tuple[bytes, bytes]]) -> bool:
    for name, value in headers:
        if name == b"content-length" and value.strip() not in (b"", b"0"):
            return True
        if name == b"transfer-encoding":
            return True
    return False


async def send_problem(send: Any, status: int, kind: str, msg: str, loc: list[str],
                       headers: dict[str, str] | None = None, close: bool = False) -> None:
    """A FastAPI-shaped error straight from middleware (no route, no body read)."""
    body = json.dumps({"detail": [{"type": kind, "loc": loc, "msg": msg}]}).encode()
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    raw += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    if close:
        raw.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


class AuthMiddleware:
    """Authenticate, authorise and rate-limit from the request line and headers only."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self._cache: dict[str, tuple[float, ApiKey | None]] = {}
        self._auth_on: tuple[float, bool] = (0.0, False)
        self.limiter = RateLimiter()

    async def _auth_enabled(self, settings: Settings, keys: KeyStore) -> bool:
        if settings.require_auth:
            return True
        stamp, on = self._auth_on
        if time.monotonic() - stamp > 1.0:
            on = await anyio.to_thread.run_sync(keys.active_count) > 0
            self._auth_on = (time.monotonic(), on)
        return on

    async def _lookup(self, keys: KeyStore, token: str) -> ApiKey | None:
        # cached by the token's hash (never the token), for a couple of seconds: a revoked key
        # stops working within _CACHE_S
        digest = hashlib.sha256(token.encode()).hexdigest()
        hit = self._cache.get(digest)
        now = time.monotonic()
        if hit is not None and now - hit[0] < _CACHE_S:
            return hit[1]
        key = await anyio.to_thread.run_sync(keys.check, token)
        if len(self._cache) > 10_000:
            self._cache.clear()
        self._cache[digest] = (now, key)
        return key

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = scope["app"].state
        settings: Settings = state.settings
        rule = rule_for(scope["method"], scope["path"])
        close = _has_body(scope["headers"])
        try:
            if rule.scope == "public" or not await self._auth_enabled(settings, state.keys):
                await self.app(scope, receive, send)
                return
            token = _bearer(scope["headers"])
            key = await self._lookup(state.keys, token) if token else None
        except StoreError as exc:
            await send_problem(send, 503, "store_unavailable", str(exc), [], close=close)
            return
        if key is None:
            error = ', error="invalid_token"' if token else ""
            msg = ("invalid or revoked API key" if token else
                   "this hub needs an API key: send 'Authorization: Bearer KEY'")
            await send_problem(send, 401, "not_authenticated" if not token else "invalid_key",
                               msg, ["header", "authorization"],
                               {"WWW-Authenticate": f'Bearer realm="dvh"{error}'}, close)
            return
        reason = permits(key, rule)
        if reason is not None:
            await send_problem(send, 403, "forbidden", reason, ["header", "authorization"],
                               close=close)
            return
        wait = self.limiter.take(key.id, key.rate_per_minute or settings.rate_per_minute)
        if wait:
            await send_problem(send, 429, "rate_limited", "too many requests for this key; "
                               f"retry in {wait} s", [], {"Retry-After": str(wait)}, close)
            return
        scope.setdefault("state", {})["api_key"] = key
        if not rule.upload:
            await self.app(scope, receive, send)
            return
        limit = key.max_uploads or settings.max_uploads_per_key
        if not self.limiter.start_upload(key.id, limit):
            await send_problem(send, 429, "too_many_uploads", f"this key already has {limit} "
                               "uploads in flight; retry when one finishes", [],
                               {"Retry-After": "1"}, close)
            return
        try:
            await self.app(scope, receive, send)
        finally:
            self.limiter.end_upload(key.id)
