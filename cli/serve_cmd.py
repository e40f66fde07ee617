"""``dvh serve``: run the hub with uvicorn."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cli.common import cli_errors, db_path, schemas_dir


def serve(
    host: Annotated[str, typer.Option(help="Address to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port to listen on.")] = 8000,
    schemas_dir_opt: Annotated[Path | None, typer.Option(
        "--schemas-dir", help="Folder of schema modules [default: $DVH_SCHEMAS_DIR, then "
        "./schemas].", show_default=False)] = None,
    db: Annotated[Path | None, typer.Option(
        help="SQLite file for report history [default: $DVH_DB, then ./dvh.db].",
        show_default=False)] = None,
    max_upload_bytes: Annotated[int, typer.Option(min=1, help="Largest accepted upload.")]
    = 1 << 30,
) -> None:
    """Start the validation hub (HTTP API, docs at /docs)."""
    with cli_errors():
        import uvicorn

        from hub.server.app import create_app
        from hub.server.settings import Settings

        folder = schemas_dir(schemas_dir_opt)
        if not folder.is_dir():
            from hub.errors import ConfigError

            raise ConfigError(f"schemas folder {folder} does not exist (--schemas-dir)")
        settings = Settings(schemas_dir=folder, db=db_path(db), max_upload_bytes=max_upload_bytes)
        typer.echo(f"dvh hub on http://{host}:{port}  schemas: {folder.resolve()}  "
                   f"db: {settings.db.resolve()}  (Ctrl-C stops)", err=True)
        uvicorn.run(create_app(settings), host=host, port=port, log_level="info")
