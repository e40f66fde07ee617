"""``dvh report``: stored reports, from a hub (``--server``) or the local database."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from cli.common import cli_errors, db_path, fail

app = typer.Typer(help="Read stored validation reports.", no_args_is_help=True)

Server = Annotated[str | None, typer.Option("--server", help="Hub URL; without it, read the "
                                            "local database.", show_default=False)]
Db = Annotated[Path | None, typer.Option("--db", help="SQLite file \\[default: $DVH_DB, then "
                                         "./dvh.db].", show_default=False)]


def _local_store(db: Path | None):  # noqa: ANN202 - lazy import keeps startup lean
    from hub.store import ReportStore

    path = db_path(db)
    if not path.exists():
        raise fail(f"no report database at {path} (--db, or --server to ask a hub)")
    return ReportStore(path)


@app.command("list")
def list_reports(
    server: Server = None,
    db: Db = None,
    limit: Annotated[int, typer.Option(min=1, max=500)] = 20,
    offset: Annotated[int, typer.Option(min=0)] = 0,
    schema: Annotated[str | None, typer.Option(help="Only this schema.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Newest reports first."""
    with cli_errors():
        if server:
            from cli.remote import get_json

            page: dict[str, Any] = get_json(server, "/reports", {
                "limit": limit, "offset": offset, **({"schema": schema} if schema else {})})
        else:
            store = _local_store(db)
            items, total = store.list(limit=limit, offset=offset, schema=schema)
            page = {"items": [i.as_dict() for i in items], "total": total}
    if as_json:
        typer.echo(json.dumps(page, indent=2))
        return
    from rich.markup import escape
    from rich.table import Table

    from cli.render import make_console

    table = Table("id", "created", "schema", "source", "valid", "rows", "errors",
                  title=f"{page['total']} reports", title_justify="left")
    for i in page["items"]:
        table.add_row(i["id"], i["created_at"][:19], escape(i["schema"]), escape(i["source"]),
                      "✓" if i["valid"] else "✗", f"{i['rows']:,}", f"{i['error_count']:,}")
    make_console().print(table)


@app.command("show")
def show(
    report_id: Annotated[str, typer.Argument(help="Report id.", show_default=False)],
    server: Server = None,
    db: Db = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the JSON report.")] = False,
) -> None:
    """One stored report, rendered like `dvh validate` renders it."""
    with cli_errors():
        if server:
            from cli.remote import get_json

            body = get_json(server, f"/reports/{report_id}")
        else:
            body = _local_store(db).get(report_id)
            if body is None:
                raise fail(f"no report with id {report_id!r}")
    if as_json:
        typer.echo(json.dumps(body, indent=2, ensure_ascii=False))
        return
    from cli.render import make_console, render_report

    render_report(make_console(), body)
