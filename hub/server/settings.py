"""Hub settings, read from ``DVH_*`` environment variables (or given to the app factory)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Everything the hub needs to start; the CLI's ``dvh serve`` flags override these."""

    model_config = SettingsConfigDict(env_prefix="DVH_", extra="ignore")

    schemas_dir: Path = Field(default=Path("schemas"), description="Folder of schema modules.")
    db: Path = Field(default=Path("dvh.db"), description="SQLite file holding report history.")
    max_upload_bytes: int = Field(default=1 << 30, gt=0, description="Largest accepted upload.")
    max_errors: int = Field(default=100, ge=0, description="Default cap on report detail.")
    upload_dir: Path | None = Field(default=None, description="Where uploads are spooled.")
