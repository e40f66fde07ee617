"""Hub settings, read from ``DVH_*`` environment variables (or given to the app factory)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

_GIB = 1 << 30


def _default_workers() -> int:
    """Cores + 2: two workers kept for small files, the rest (at least two) for large ones."""
    return max(2, min(8, (os.cpu_count() or 2) + 2))


class Settings(BaseSettings):
    """Everything the hub needs to start; the CLI's ``dvh serve`` flags override these."""

    model_config = SettingsConfigDict(env_prefix="DVH_", extra="ignore")

    schemas_dir: Path = Field(default=Path("schemas"), description="Folder of schema modules.")
    db: str | Path = Field(default="dvh.db",
                    description="SQLite file, or a SQLAlchemy URL (postgresql+psycopg://...).")
    db_sync: Literal["full", "normal"] = Field(
        default="full", description="SQLite: full = fsync each commit (survives power loss); "
        "normal = survives a crash or SIGKILL of the hub, and commits do not wait on the disk.")
    max_errors: int = Field(default=100, ge=0, description="Default cap on report detail.")

    # uploads
    max_upload_bytes: int = Field(default=_GIB, gt=0, description="Largest accepted upload.")
    max_decompressed_bytes: int = Field(
        default=4 * _GIB, gt=0,
        description="Largest upload after Content-Encoding (gzip/deflate) is undone; also the "
        "cap handed to readers of compressed files.")
    max_form_fields: int = Field(default=8, ge=1, description="Multipart parts besides the file.")
    max_field_bytes: int = Field(default=64 * 1024, ge=1, description="Size of a non-file part.")
    upload_dir: Path | None = Field(default=None, description="Where uploads are spooled.")

    # slow clients (see hub.server.protocol)
    request_deadline_s: float = Field(
        default=30.0, gt=0, description="Headers, and the body, must arrive within this time.")
    min_upload_rate: int = Field(
        default=64 * 1024, gt=0,
        description="Bytes per second that each extend the body deadline by one second.")

    # auth and per-key limits
    require_auth: bool = Field(default=False, description="Need a key even when none exist.")
    rate_per_minute: int = Field(default=600, ge=1, description="Requests per key per minute.")
    max_uploads_per_key: int = Field(default=4, ge=1, description="Uploads in flight per key.")

    # isolation
    workers: int = Field(default_factory=_default_workers, ge=1, le=64,
                         description="Validation worker processes = global cap on concurrent "
                         "validations.")
    job_timeout_s: float = Field(default=300.0, gt=0, description="Wall time per validation.")
    job_memory_bytes: int = Field(default=2 * _GIB, ge=256 << 20,
                                  description="Address-space limit (RLIMIT_AS) of a worker.")
    large_upload_bytes: int = Field(
        default=16 << 20, gt=0,
        description="Uploads this size or more may use all workers but one, so small files "
        "always find a free worker.")
    small_workers: int = Field(
        default=2, ge=1, le=64,
        description="Workers kept for uploads under large_upload_bytes (at least one worker "
        "always stays for large ones).")
    max_queued_jobs: int = Field(default=256, ge=1,
                                 description="Validations waiting for a worker before 503.")
