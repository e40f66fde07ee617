"""API keys, kept in the hub's database as hashes only.

A key reads ``dvh_<id>_<secret>``: ``id`` (public, 12 characters) finds the row, the SHA-256 of
the whole key is compared in constant time (``hmac.compare_digest``). The secret carries 256
random bits, so a plain SHA-256 is enough: there is nothing to brute-force, unlike a password.
The clear key exists once, in what ``create`` returns; it is never stored.

Scopes: ``validate`` (upload files), ``read`` (reports, schemas, pages), ``admin`` (all of
both, plus every other method: key and schema management). A key may be bound to one schema.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from hub.db import api_keys, classify, open_engine
from hub.errors import ConfigError
from hub.store import now_iso

SCOPES = ("validate", "read", "admin")
_PREFIX = "dvh_"


@dataclass(frozen=True)
class ApiKey:
    """A key's public record (never its secret)."""

    id: str
    name: str
    scope: str
    schema: str | None
    created_at: str
    revoked_at: str | None = None
    rate_per_minute: int | None = None
    max_uploads: int | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "scope": self.scope, "schema": self.schema,
                "created_at": self.created_at, "revoked_at": self.revoked_at,
                "rate_per_minute": self.rate_per_minute, "max_uploads": self.max_uploads}


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def split_key(key: str) -> str | None:
    """The id part of a well-formed key, else None (no database lookup for garbage)."""
    if not key.startswith(_PREFIX) or len(key) > 200:
        return None
    key_id, sep, secret = key[len(_PREFIX):].partition("_")
    if not sep or len(key_id) != 12 or not key_id.isalnum() or not secret:
        return None
    return key_id


def _row(m: Any) -> ApiKey:
    return ApiKey(id=m["id"], name=m["name"], scope=m["scope"], schema=m["schema_name"],
                  created_at=m["created_at"], revoked_at=m["revoked_at"],
                  rate_per_minute=m["rate_per_minute"], max_uploads=m["max_uploads"])


class KeyStore:
    """Create, list, revoke and check API keys."""

    def __init__(self, db: Path | str | Engine) -> None:
        self.engine = db if isinstance(db, Engine) else open_engine(db)
        self._owns_engine = not isinstance(db, Engine)

    def close(self) -> None:
        if self._owns_engine:
            self.engine.dispose()

    def create(self, name: str, scope: str = "validate", schema: str | None = None, *,
               rate_per_minute: int | None = None, max_uploads: int | None = None,
               ) -> tuple[ApiKey, str]:
        """A new key: its record, and the clear key (shown once, never stored)."""
        if scope not in SCOPES:
            raise ConfigError(f"unknown scope {scope!r} (one of {', '.join(SCOPES)})")
        if not name.strip():
            raise ConfigError("a key needs a --name")
        key_id = "".join(secrets.choice("abcdefghijkmnopqrstuvwxyz23456789") for _ in range(12))
        clear = f"{_PREFIX}{key_id}_{secrets.token_urlsafe(32)}"
        record = ApiKey(id=key_id, name=name, scope=scope, schema=schema, created_at=now_iso(),
                        rate_per_minute=rate_per_minute, max_uploads=max_uploads)
        try:
            with self.engine.begin() as conn:
                conn.execute(api_keys.insert().values(
                    id=key_id, name=name, scope=scope, schema_name=schema,
                    secret_hash=_hash(clear), created_at=record.created_at,
                    rate_per_minute=rate_per_minute, max_uploads=max_uploads))
        except SQLAlchemyError as exc:
            raise classify(exc, "store the key") from None
        return record, clear

    def list(self, *, include_revoked: bool = True) -> list[ApiKey]:
        query = select(api_keys).order_by(api_keys.c.created_at)
        if not include_revoked:
            query = query.where(api_keys.c.revoked_at.is_(None))
        try:
            with self.engine.connect() as conn:
                return [_row(r._mapping) for r in conn.execute(query)]
        except SQLAlchemyError as exc:
            raise classify(exc, "list keys") from None

    def active_count(self) -> int:
        try:
            with self.engine.connect() as conn:
                return conn.execute(select(func.count()).select_from(api_keys)
                                    .where(api_keys.c.revoked_at.is_(None))).scalar_one()
        except SQLAlchemyError as exc:
            raise classify(exc, "count keys") from None

    def revoke(self, id_or_name: str) -> list[ApiKey]:
        """Revoke by id, or every active key with that name; the keys revoked."""
        match = or_(api_keys.c.id == id_or_name, api_keys.c.name == id_or_name)
        try:
            with self.engine.begin() as conn:
                rows = conn.execute(select(api_keys).where(match, api_keys.c.revoked_at.is_(None))
                                    ).all()
                if rows:
                    conn.execute(update(api_keys).where(api_keys.c.id.in_([r.id for r in rows]))
                                 .values(revoked_at=now_iso()))
        except SQLAlchemyError as exc:
            raise classify(exc, "revoke the key") from None
        return [_row(r._mapping) for r in rows]

    def check(self, key: str) -> ApiKey | None:
        """The active key matching ``key``, compared in constant time; None otherwise."""
        key_id = split_key(key)
        if key_id is None:
            return None
        try:
            with self.engine.connect() as conn:
                row = conn.execute(select(api_keys).where(api_keys.c.id == key_id)).first()
        except SQLAlchemyError as exc:
            raise classify(exc, "check the key") from None
        expected = row._mapping["secret_hash"] if row is not None else _hash("")
        matches = hmac.compare_digest(expected.encode(), _hash(key).encode())
        if row is None or not matches or row._mapping["revoked_at"] is not None:
            return None
        return _row(row._mapping)
