"""The hub's database: a SQLite file by default, any SQLAlchemy URL for a team (PostgreSQL).

One engine per hub, shared by the report history (``hub.store``) and the API keys
(``hub.keys``). SQLite runs in WAL mode with ``synchronous=FULL`` by default: a commit that
returned is on disk, so a report a client received survives a SIGKILL or a power cut
(``sync="normal"``: SIGKILL yes, power cut no; see ``open_engine``).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
    inspect,
    text,
)
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from hub.errors import ConfigError, DvhError

metadata = MetaData()

reports = Table(
    "reports", metadata,
    Column("id", String(32), primary_key=True),
    Column("created_at", String(40), nullable=False),
    Column("schema_name", String(200), nullable=False),
    Column("source_name", String(400), nullable=False),
    Column("valid", Integer, nullable=True),          # NULL until the job is done
    Column("rows", Integer, nullable=True),
    Column("error_count", Integer, nullable=True),
    Column("body", Text, nullable=True),               # the report JSON once done
    Column("status", String(16), nullable=False, server_default="done"),
    Column("http_status", Integer, nullable=True),     # what a failed job answers
    Column("problem", Text, nullable=True),            # its problem body (JSON)
    Column("key_id", String(32), nullable=True),       # the API key that uploaded it
    Index("reports_schema", "schema_name", "id"),
)

api_keys = Table(
    "api_keys", metadata,
    Column("id", String(32), primary_key=True),        # public part of the key
    Column("name", String(200), nullable=False),
    Column("scope", String(16), nullable=False),
    Column("schema_name", String(200), nullable=True),  # NULL: every schema
    Column("secret_hash", String(64), nullable=False),  # sha256 hex of the whole key
    Column("created_at", String(40), nullable=False),
    Column("revoked_at", String(40), nullable=True),
    Column("rate_per_minute", Integer, nullable=True),  # NULL: the hub's default
    Column("max_uploads", Integer, nullable=True),
)

# Columns added after the first release (issue 2's table had none of them).
_LATER_COLUMNS = {
    "reports": ("status VARCHAR(16) NOT NULL DEFAULT 'done'", "http_status INTEGER",
                "problem TEXT", "key_id VARCHAR(32)"),
}


class StoreError(DvhError):
    """The database refused a write or a read; the hub answers 503 and keeps serving."""

    status = 503
    kind = "store_unavailable"


class StoreFull(StoreError):
    """The disk (or the database's own size limit) is full: HTTP 507."""

    status = 507
    kind = "store_full"


def classify(exc: BaseException, action: str) -> StoreError:
    """One clear line for a database failure, and whether it is a full disk."""
    orig = getattr(exc, "orig", exc)
    message = str(orig).splitlines()[0] if str(orig) else type(orig).__name__
    full = isinstance(orig, sqlite3.OperationalError) and "full" in message.lower()
    full = full or "No space left" in message or "disk full" in message.lower()
    cls = StoreFull if full else StoreError
    return cls(f"cannot {action}: {message}")


def database_url(db: str | Path) -> str:
    """A path is a SQLite file; anything with ``://`` is a SQLAlchemy URL."""
    raw = str(db)
    if "://" in raw:
        return raw
    return f"sqlite:///{Path(raw).expanduser().resolve()}"


SYNC_MODES = ("full", "normal")


def _sqlite_pragmas(sync: str) -> Any:
    def apply(dbapi_conn: Any, _: Any) -> None:
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA synchronous={sync.upper()}")
        cur.execute("PRAGMA busy_timeout=5000")
        cur.close()

    return apply


def open_engine(db: str | Path, *, sync: str = "full") -> Engine:
    """Connect, create missing tables and columns; a ``ConfigError`` says what went wrong.

    ``sync`` (SQLite only): ``full`` fsyncs the WAL at every commit, so a stored report
    survives a power cut; ``normal`` leaves the fsync to checkpoints: a stored report still
    survives a crash or SIGKILL of the hub (the commit is in the OS before the response goes
    out), not a power cut, and commits stop waiting on a disk busy with large uploads.
    """
    if sync not in SYNC_MODES:
        raise ConfigError(f"unknown database sync mode {sync!r} (full or normal)")
    url_text = database_url(db)
    try:
        url = make_url(url_text)
    except ArgumentError:
        raise ConfigError(f"--db {db!s}: not a file path nor a SQLAlchemy URL") from None
    try:
        if url.get_backend_name() == "sqlite":
            if url.database and url.database != ":memory:":
                Path(url.database).parent.mkdir(parents=True, exist_ok=True)
            engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 5})
            event.listen(engine, "connect", _sqlite_pragmas(sync))
        else:
            engine = create_engine(url, pool_pre_ping=True)
        metadata.create_all(engine)
        _add_later_columns(engine)
    except ModuleNotFoundError as exc:
        raise ConfigError(f"--db {url.render_as_string(hide_password=True)}: the driver "
                          f"{exc.name!r} is not installed (pip install 'dvh[postgres]')") from None
    except (SQLAlchemyError, OSError) as exc:
        raise ConfigError(f"cannot open the database {url.render_as_string(hide_password=True)}: "
                          f"{str(getattr(exc, 'orig', exc)).splitlines()[0]}") from None
    return engine


def _add_later_columns(engine: Engine) -> None:
    """Bring a database written by an older dvh up to date (add-only, never destructive)."""
    insp = inspect(engine)
    for table, columns in _LATER_COLUMNS.items():
        have = {c["name"] for c in insp.get_columns(table)}
        missing = [c for c in columns if c.split()[0] not in have]
        if missing:
            with engine.begin() as conn:
                for col in missing:
                    conn.execute(text(f"ALTER TABLE {table} ADD COLUMN {col}"))
