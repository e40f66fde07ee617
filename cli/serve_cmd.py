"""``dvh serve``: run the hub with uvicorn, deadlines for slow clients, and a safe default bind.

With no API key in the database (and no ``--require-auth``) the hub is open, so it may only
listen on loopback; any other address is refused unless ``--insecure`` says so explicitly.
"""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path
from typing import Annotated

import typer

from cli.common import cli_errors, fail, schemas_dir

Db = Annotated[str | None, typer.Option(
    "--db", help="SQLite file, or a SQLAlchemy URL such as postgresql+psycopg://user@host/dvh "
    "\\[default: $DVH_DB, then ./dvh.db].", show_default=False)]


def db_option(db: str | None) -> str:
    """``--db``, then ``DVH_DB``, then ``./dvh.db`` (a path or a SQLAlchemy URL)."""
    return db or os.environ.get("DVH_DB") or "dvh.db"


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def serve(
    host: Annotated[str, typer.Option(help="Address to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port to listen on.")] = 8000,
    schemas_dir_opt: Annotated[Path | None, typer.Option(
        "--schemas-dir", help="Folder of schema modules \\[default: $DVH_SCHEMAS_DIR, then "
        "./schemas].", show_default=False)] = None,
    db: Db = None,
    max_upload_bytes: Annotated[int, typer.Option(min=1, help="Largest accepted upload.")]
    = 1 << 30,
    max_decompressed_bytes: Annotated[int, typer.Option(
        min=1, help="Largest upload once Content-Encoding is undone.")] = 4 << 30,
    require_auth: Annotated[bool, typer.Option(
        "--require-auth", help="Need an API key even before any key exists.")] = False,
    insecure: Annotated[bool, typer.Option(
        "--insecure", help="Allow an open hub (no keys) on a non-loopback address.")] = False,
    workers: Annotated[int | None, typer.Option(
        min=1, max=64, help="Validation processes (the cap on concurrent validations) "
        "\\[default: cores + 2].", show_default=False)] = None,
    small_workers: Annotated[int | None, typer.Option(
        min=1, max=64, help="Of those, how many are kept for uploads under 16 MiB, so small "
        "files never queue behind large ones \\[default: 2; one worker always stays for large "
        "files].", show_default=False)] = None,
    job_timeout: Annotated[float, typer.Option(min=0.1, help="Seconds one validation may run.")]
    = 300.0,
    job_memory: Annotated[int, typer.Option(
        min=256, help="MiB of address space per validation worker.")] = 2048,
    db_sync: Annotated[str, typer.Option(
        "--db-sync", help="SQLite commits: full (fsync each report: survives power loss) or "
        "normal (survives a crash of the hub; faster under heavy uploads).")] = "full",
    request_deadline: Annotated[float, typer.Option(
        min=0.1, help="Seconds for a request's headers, and for its body (extended by the "
        "upload's progress), before a slow client is dropped.")] = 30.0,
    http_parser: Annotated[str, typer.Option(
        "--http", help="HTTP parser: httptools (llhttp, in C) or h11 (pure Python, slower on "
        "large uploads). Both apply the same deadlines and limits.")] = "httptools",
) -> None:
    """Start the validation hub (HTTP API, docs at /docs, report pages at /)."""
    with cli_errors():
        import uvicorn

        from hub.errors import ConfigError
        from hub.keys import KeyStore
        from hub.server.app import create_app
        from hub.server.protocol import make_protocol
        from hub.server.settings import Settings

        folder = schemas_dir(schemas_dir_opt)
        if not folder.is_dir():
            raise ConfigError(f"schemas folder {folder} does not exist (--schemas-dir)")
        database = db_option(db)
        if db_sync not in ("full", "normal"):
            raise ConfigError(f"--db-sync {db_sync!r}: full or normal")
        if http_parser not in ("httptools", "h11"):
            raise ConfigError(f"--http {http_parser!r}: httptools or h11")
        keys = KeyStore(database)
        try:
            active = keys.active_count()
        finally:
            keys.close()
        if not active and not require_auth and not is_loopback(host) and not insecure:
            raise fail(f"refusing to serve an open hub on {host}: no API key exists in "
                       f"{database}. Create one (dvh keys create --name NAME --db {database}), "
                       "bind 127.0.0.1, or pass --insecure to accept an open hub.")
        extra = {k: v for k, v in (("workers", workers), ("small_workers", small_workers)) if v}
        settings = Settings(schemas_dir=folder, db=database, max_upload_bytes=max_upload_bytes,
                            max_decompressed_bytes=max_decompressed_bytes,
                            require_auth=require_auth, job_timeout_s=job_timeout,
                            job_memory_bytes=job_memory << 20,
                            request_deadline_s=request_deadline, db_sync=db_sync, **extra)
        mode = "API keys required" if active or require_auth else "open (no API keys)"
        typer.echo(f"dvh hub on http://{host}:{port}  schemas: {folder.resolve()}  "
                   f"db: {database}  auth: {mode}  (Ctrl-C stops)", err=True)
        config = uvicorn.Config(
            create_app(settings), host=host, port=port, log_level="info",
            http=make_protocol(settings.request_deadline_s, settings.min_upload_rate,
                               http_parser),  # type: ignore[arg-type]
            timeout_keep_alive=5, limit_concurrency=None)
        uvicorn.Server(config).run()
