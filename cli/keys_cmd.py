"""``dvh keys``: create, list and revoke the hub's API keys (stored as hashes in its database).

``create`` prints the new key once, alone on stdout's only line, so ``KEY=$(dvh keys create
...)`` captures it; everything else goes to stderr.
"""

from __future__ import annotations

import json
from typing import Annotated

import typer

from cli.common import cli_errors, fail
from cli.serve_cmd import Db, db_option

app = typer.Typer(help="Manage the hub's API keys.", no_args_is_help=True)


def _store(db: str | None):  # noqa: ANN202 - lazy import keeps startup lean
    from hub.keys import KeyStore

    return KeyStore(db_option(db))


@app.command("create")
def create(
    name: Annotated[str, typer.Option("--name", help="Who or what uses the key.",
                                      show_default=False)],
    scope: Annotated[str, typer.Option(
        help="validate (upload files), read (reports, schemas, pages) or admin (everything).")]
    = "validate",
    schema: Annotated[str | None, typer.Option(
        "--schema", help="Limit the key to this schema.", show_default=False)] = None,
    rate_per_minute: Annotated[int | None, typer.Option(
        "--rate-per-minute", min=1, help="Requests per minute \\[default: the hub's].",
        show_default=False)] = None,
    max_uploads: Annotated[int | None, typer.Option(
        "--max-uploads", min=1, help="Uploads in flight at once \\[default: the hub's].",
        show_default=False)] = None,
    db: Db = None,
) -> None:
    """Create a key and print it once (it is stored only as a hash)."""
    with cli_errors():
        store = _store(db)
        try:
            record, clear = store.create(name, scope, schema, rate_per_minute=rate_per_minute,
                                         max_uploads=max_uploads)
        finally:
            store.close()
    typer.echo(clear)
    bound = f", schema {record.schema}" if record.schema else ""
    typer.echo(f"created key {record.id} ({record.name}: {record.scope}{bound}); it is shown "
               "only now, store it safely", err=True)


@app.command("list")
def list_keys(
    db: Db = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Keys with their scope and state (never the secrets)."""
    with cli_errors():
        store = _store(db)
        try:
            keys = store.list()
        finally:
            store.close()
    if as_json:
        typer.echo(json.dumps([k.as_dict() for k in keys], indent=2))
        return
    from rich.markup import escape
    from rich.table import Table

    from cli.render import make_console

    table = Table("id", "name", "scope", "schema", "created", "state",
                  title=f"{sum(k.active for k in keys)} active keys", title_justify="left")
    for k in keys:
        state = "active" if k.active else f"revoked {str(k.revoked_at)[:19]}"
        table.add_row(k.id, escape(k.name), k.scope, escape(k.schema or "*"),
                      k.created_at[:19], state)
    make_console().print(table)


@app.command("revoke")
def revoke(
    key: Annotated[str, typer.Argument(help="Key id (from `dvh keys list`) or name.",
                                       show_default=False)],
    db: Db = None,
) -> None:
    """Revoke a key by id, or every active key with that name."""
    with cli_errors():
        store = _store(db)
        try:
            revoked = store.revoke(key)
        finally:
            store.close()
        if not revoked:
            raise fail(f"no active key with id or name {key!r}")
    for k in revoked:
        typer.echo(f"revoked key {k.id} ({k.name})", err=True)
