"""``dvh schema``: list, show, export and explain the schemas in a folder."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from cli.common import cli_errors, schemas_dir

app = typer.Typer(help="Inspect the schemas dvh enforces.", no_args_is_help=True)

SchemasDir = Annotated[Path | None, typer.Option(
    "--schemas-dir", help="Folder of schema modules [default: $DVH_SCHEMAS_DIR, then "
    "./schemas].", show_default=False)]
Name = Annotated[str, typer.Argument(help="Schema name (file stem).", show_default=False)]


def _registry(option: Path | None):  # noqa: ANN202 - lazy import keeps startup lean
    from hub.registry import Registry

    return Registry(schemas_dir(option))


@app.command("list")
def list_schemas(schemas_dir_opt: SchemasDir = None) -> None:
    """List schemas, with the ones that fail to load and why (exit 2 if any fails)."""
    with cli_errors():
        registry = _registry(schemas_dir_opt)
        entries, errors = registry.load_all()
    from cli.render import make_console

    console = make_console()
    from rich.markup import escape

    for name, entry in entries.items():
        console.print(f"[bold]{escape(name)}[/]  {len(entry.model.model_fields)} fields  "
                      f"version {escape(entry.version or '-')}  {entry.fingerprint[:19]}…")
    for name, msg in errors.items():
        console.print(f"[bold red]{escape(name)}[/]  failed to load: {escape(msg)}")
    if not entries and not errors:
        console.print(f"no schemas in {registry.root}")
    if errors:
        raise typer.Exit(2)


@app.command("show")
def show(name: Name, schemas_dir_opt: SchemasDir = None) -> None:
    """Fields, types, constraints, nullability and dataset rules of a schema."""
    with cli_errors():
        from hub.describe import describe_fields

        info = describe_fields(_registry(schemas_dir_opt).get(name))
    from cli.render import make_console, render_schema

    render_schema(make_console(), info)


@app.command("export")
def export(name: Name, schemas_dir_opt: SchemasDir = None) -> None:
    """Print the schema's JSON Schema (with dataset rules under "x-dvh")."""
    with cli_errors():
        entry = _registry(schemas_dir_opt).get(name)
        doc = entry.model.model_json_schema()
        doc["x-dvh"] = {"name": entry.name, "version": entry.version,
                        "fingerprint": entry.fingerprint, "rules": entry.rules.as_dict()}
    typer.echo(json.dumps(doc, indent=2))


@app.command("explain")
def explain(name: Name, schemas_dir_opt: SchemasDir = None) -> None:
    """Which path checks each field (vectorised, distinct-value, row) and why."""
    with cli_errors():
        from hub.describe import explain as explain_plan

        rows = explain_plan(_registry(schemas_dir_opt).get(name))
    from rich.markup import escape
    from rich.table import Table

    from cli.render import make_console

    table = Table("field", "column", "path", "why", title=f"schema {name}", title_justify="left")
    for r in rows:
        table.add_row(escape(r["field"]), escape(r["column"]), r["path"], escape(r["why"]))
    console = make_console()
    console.print(table)
    console.print(" vectorised: Arrow accepts the cells it can prove Pydantic accepts; Pydantic "
                  "judges the rest, once per distinct value.\n distinct-value: Pydantic judges "
                  "each distinct value once.  row: validators run per row through Pydantic.",
                  style="dim")
