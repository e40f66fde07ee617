"""``dvh validate``: check a file locally (or on a hub with ``--server``); exit on the verdict."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from cli.common import EXIT_INVALID, EXIT_VALID, cli_errors, fail, schemas_dir


class OutputFormat(StrEnum):
    table = "table"
    json = "json"


def _write(text: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(text)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise fail(f"cannot write {output}: {exc.strerror or exc}") from None


def validate(
    file: Annotated[Path, typer.Argument(help="CSV or Parquet file to check.", show_default=False)],
    schema: Annotated[str, typer.Option("--schema", "-s", help="Schema name (file stem in the "
                                        "schemas folder).", show_default=False)],
    schemas_dir_opt: Annotated[Path | None, typer.Option(
        "--schemas-dir", help="Folder of schema modules [default: $DVH_SCHEMAS_DIR, then "
        "./schemas].", show_default=False)] = None,
    output_format: Annotated[OutputFormat, typer.Option(
        "--format", "-f", help="table: the terminal view; json: exactly the report the API "
        "returns.")] = OutputFormat.table,
    max_errors: Annotated[int, typer.Option(
        "--max-errors", min=0, help="Cap on detail items kept in the report (0: no cap). "
        "Counts stay exact.")] = 100,
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="Write the output to this file instead of stdout.",
        show_default=False)] = None,
    server: Annotated[str | None, typer.Option(
        "--server", help="Upload to the hub at this URL and use its verdict.",
        show_default=False)] = None,
    quiet: Annotated[bool, typer.Option(
        "--quiet", "-q", help="No progress bar (it only shows on a terminal anyway).")] = False,
) -> None:
    """Validate FILE against a schema.

    Exit codes: 0 valid, 1 invalid data, 2 usage or configuration error (unknown schema,
    bad flag), 3 unreadable input, 4 internal error.
    """
    with cli_errors():
        report = _report(file, schema, schemas_dir_opt, max_errors, server, quiet)
    code = EXIT_VALID if report["valid"] else EXIT_INVALID
    if output_format is OutputFormat.json:
        _write(json.dumps(report, indent=2, ensure_ascii=False) + "\n", output)
    else:
        from cli.render import make_console, render_report

        if output is None:
            render_report(make_console(), report, exit_code=code)
        else:
            from io import StringIO

            buf = StringIO()
            console = make_console(width=120)
            console.file = buf
            render_report(console, report, exit_code=code)
            _write(buf.getvalue(), output)
    raise typer.Exit(code)


def _report(file: Path, schema: str, schemas_dir_opt: Path | None, max_errors: int,
            server: str | None, quiet: bool = False) -> dict[str, Any]:
    from hub.readers import open_source

    source = open_source(file, hash_content=server is None)
    if server:
        from cli.remote import upload

        return upload(server, schema, source.path, source.format, max_errors)
    from cli.progress import progress_for
    from hub.registry import Registry
    from hub.validate import validate as run_validation

    entry = Registry(schemas_dir(schemas_dir_opt)).get(schema)
    with progress_for(source, enabled=not quiet) as on_rows:
        report = run_validation(source, entry, max_errors=max_errors, on_rows=on_rows)
    return report.to_json_dict()
