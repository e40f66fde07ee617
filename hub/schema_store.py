"""Declarative schemas registered over HTTP, kept in the hub's SQLite database, versioned.

Every ``PUT`` that changes a schema adds a revision (1, 2, ...); the latest one is enforced and
older ones stay readable. Putting the same document again changes nothing. A declared version
string names one contract: re-using it for a different contract is refused, so a report that
says "orders 1.2" means one thing.

It has its own connection to the hub's database file (WAL allows it next to the report store).
"""

from __future__ import annotations

import json
import sqlite3
import threading
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hub.errors import ConfigError

_SCHEMA = """
CREATE TABLE IF NOT EXISTS declarative_schemas (
    name TEXT NOT NULL,
    revision INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    version TEXT,
    fingerprint TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (name, revision)
);
"""


class VersionConflict(ConfigError):
    """The declared version already names a different contract."""


@dataclass(frozen=True)
class Revision:
    """One stored revision of a declarative schema (without its body)."""

    name: str
    revision: int
    created_at: str
    version: str | None
    fingerprint: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class SchemaStore:
    """Thread-safe: one connection, serialised access. Implements ``hub.registry.SchemaSource``."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA busy_timeout=5000")
            self._conn.executescript(_SCHEMA)
        except (sqlite3.Error, OSError) as exc:
            raise ConfigError(f"cannot open the schema database {self.path}: {exc}") from None
        self._lock = threading.Lock()

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def put(self, name: str, doc: dict[str, Any], fingerprint: str, version: str | None
            ) -> tuple[Revision, bool]:
        """Store ``doc`` as the next revision of ``name``; ``(revision, created)``.

        Nothing is written when the latest revision already has this fingerprint and version.
        """
        body = json.dumps(doc, separators=(",", ":"))  # key order is field order: keep it
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                latest = self._latest(name)
                if latest and latest.fingerprint == fingerprint and latest.version == version:
                    self._conn.execute("COMMIT")
                    return latest, False
                if version is not None:
                    clash = self._conn.execute(
                        "SELECT revision FROM declarative_schemas WHERE name = ? AND version = ? "
                        "AND fingerprint != ? LIMIT 1", (name, version, fingerprint)).fetchone()
                    if clash:
                        raise VersionConflict(
                            f"schema {name!r}: version {version!r} already names a different "
                            f"contract (revision {clash[0]}); declare a new version")
                rev = Revision(name, (latest.revision if latest else 0) + 1,
                               datetime.now(UTC).isoformat(timespec="milliseconds"), version,
                               fingerprint)
                self._conn.execute(
                    "INSERT INTO declarative_schemas VALUES (?, ?, ?, ?, ?, ?)",
                    (name, rev.revision, rev.created_at, version, fingerprint, body))
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
        return rev, True

    def _latest(self, name: str) -> Revision | None:
        row = self._conn.execute(
            "SELECT name, revision, created_at, version, fingerprint FROM declarative_schemas "
            "WHERE name = ? ORDER BY revision DESC LIMIT 1", (name,)).fetchone()
        return Revision(*row) if row else None

    def names(self) -> list[str]:
        with self._lock:
            rows = self._conn.execute(
                "SELECT DISTINCT name FROM declarative_schemas ORDER BY name").fetchall()
        return [r[0] for r in rows]

    def document(self, name: str, revision: int | None = None
                 ) -> tuple[dict[str, Any], str, int] | None:
        """A revision's document (the latest by default), the version to show for it (the
        declared one, else the revision number) and the revision number."""
        with self._lock:
            if revision is None:
                row = self._conn.execute(
                    "SELECT body, version, revision FROM declarative_schemas WHERE name = ? "
                    "ORDER BY revision DESC LIMIT 1", (name,)).fetchone()
            else:
                row = self._conn.execute(
                    "SELECT body, version, revision FROM declarative_schemas WHERE name = ? "
                    "AND revision = ?", (name, revision)).fetchone()
        if row is None:
            return None
        return json.loads(row[0]), row[1] or str(row[2]), row[2]

    def revision(self, name: str) -> int | None:
        with self._lock:
            row = self._conn.execute(
                "SELECT max(revision) FROM declarative_schemas WHERE name = ?", (name,)).fetchone()
        return row[0] if row else None

    def revisions(self, name: str) -> list[Revision]:
        """Every revision of ``name``, oldest first."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT name, revision, created_at, version, fingerprint FROM declarative_schemas "
                "WHERE name = ? ORDER BY revision", (name,)).fetchall()
        return [Revision(*r) for r in rows]


def sqlite_path(db: object) -> Path | None:
    """The SQLite file behind the hub's ``--db`` (a path or a ``sqlite:///`` URL); None for
    another database, where declarative schemas are not stored (yet)."""
    text = str(db)
    if text.startswith("sqlite:///"):
        return Path(text[len("sqlite:///"):])
    if "://" in text or text.startswith("sqlite:"):
        return None
    return Path(text)

