"""Report history in SQLite: one row per report, the report itself as JSON.

WAL mode and a commit per report: a report a client has received is on disk.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hub.errors import ConfigError
from hub.ids import new_id
from hub.report import Report

_SCHEMA = """
CREATE TABLE IF NOT EXISTS reports (
    id TEXT PRIMARY KEY,
    created_at TEXT NOT NULL,
    schema_name TEXT NOT NULL,
    source_name TEXT NOT NULL,
    valid INTEGER NOT NULL,
    rows INTEGER NOT NULL,
    error_count INTEGER NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS reports_schema ON reports (schema_name, id);
"""


@dataclass(frozen=True)
class ReportSummary:
    id: str
    created_at: str
    schema: str
    source: str
    valid: bool
    rows: int
    error_count: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "created_at": self.created_at, "schema": self.schema,
            "source": self.source, "valid": self.valid, "rows": self.rows,
            "error_count": self.error_count,
        }


class ReportStore:
    """A thread-safe handle on the report database (one connection, serialised writes)."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=FULL")
            self._conn.executescript(_SCHEMA)
        except (sqlite3.Error, OSError) as exc:
            raise ConfigError(f"cannot open the report database {self.path}: {exc}") from None
        self._lock = threading.Lock()

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def add(self, report: Report) -> Report:
        """Store a report under a new id and return it carrying that id."""
        stored = report.model_copy(update={"id": new_id()})
        body = json.dumps(stored.to_json_dict(), separators=(",", ":"))
        now = datetime.now(UTC).isoformat(timespec="milliseconds")
        with self._lock:
            self._conn.execute(
                "INSERT INTO reports VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (stored.id, now, stored.schema_.name, stored.source.name, int(stored.valid),
                 stored.rows, stored.error_count, body),
            )
        return stored

    def get(self, report_id: str) -> dict[str, Any] | None:
        with self._lock:
            row = self._conn.execute("SELECT body FROM reports WHERE id = ?",
                                     (report_id,)).fetchone()
        return json.loads(row[0]) if row else None

    def list(self, *, limit: int = 50, offset: int = 0, schema: str | None = None,
             valid: bool | None = None) -> tuple[list[ReportSummary], int]:
        """Newest first, with the total number that match."""
        where, args = [], []
        if schema is not None:
            where.append("schema_name = ?")
            args.append(schema)
        if valid is not None:
            where.append("valid = ?")
            args.append(int(valid))
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        with self._lock:
            total = self._conn.execute(f"SELECT count(*) FROM reports {clause}", args
                                       ).fetchone()[0]
            rows = self._conn.execute(
                "SELECT id, created_at, schema_name, source_name, valid, rows, error_count "
                f"FROM reports {clause} ORDER BY id DESC LIMIT ? OFFSET ?",
                [*args, limit, offset],
            ).fetchall()
        return [ReportSummary(r[0], r[1], r[2], r[3], bool(r[4]), r[5], r[6]) for r in rows], total
