"""``dvh-pre-commit``: ``dvh validate`` over every file pre-commit passes, one exit code.

pre-commit appends the staged file names after the hook's ``args``; ``dvh validate`` takes one
file, so this entry point takes several with the very same options (the ``Annotated`` aliases of
``cli.validate_cmd``) and returns the worst exit code. Once ``dvh validate`` accepts several
files, ``.pre-commit-hooks.yaml`` can call it directly and this stays as an alias.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from cli.validate_cmd import (
    FailOn,
    FailOnOpt,
    FormatOpt,
    GithubOpt,
    MaxAnnotationsOpt,
    MaxErrorsOpt,
    MaxRateOpt,
    MaxTotalOpt,
    OutGithubOpt,
    OutJsonOpt,
    OutJunitOpt,
    OutMarkdownOpt,
    OutputOpt,
    RunOptions,
    SchemaOpt,
    SchemasDirOpt,
    ServerOpt,
    make_outputs,
    run_files,
)

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False,
                  rich_markup_mode="rich")


@app.command(no_args_is_help=True)
def validate_each(
    files: Annotated[list[Path], typer.Argument(help="CSV or Parquet files to check.",
                                                show_default=False)],
    schema: SchemaOpt,
    schemas_dir_opt: SchemasDirOpt = None,
    output_format: FormatOpt = None,
    max_errors: MaxErrorsOpt = 100,
    output: OutputOpt = None,
    server: ServerOpt = None,
    output_json: OutJsonOpt = None,
    output_junit: OutJunitOpt = None,
    output_markdown: OutMarkdownOpt = None,
    output_github: OutGithubOpt = None,
    github: GithubOpt = None,
    max_annotations: MaxAnnotationsOpt = 50,
    fail_on: FailOnOpt = FailOn.error,
    max_error_rate: MaxRateOpt = None,
    max_errors_total: MaxTotalOpt = None,
) -> None:
    """Validate each FILE against a schema (as dvh validate does); exit with the worst code.

    Exit codes: 0 all passed, 1 a file failed the gate, 2 usage or configuration error,
    3 a file is unreadable, 4 internal error.
    """
    run = RunOptions(schema, schemas_dir_opt, max_errors, server, fail_on, max_error_rate,
                     max_errors_total)
    outputs = make_outputs(output_format, output, output_json, output_junit, output_markdown,
                           output_github, github, max_annotations)
    raise typer.Exit(run_files(files, run, outputs))


def run() -> None:
    """Console entry point (``dvh-pre-commit``): no traceback ever reaches the user."""
    try:
        app()
    except KeyboardInterrupt:
        print("dvh: interrupted", file=sys.stderr)
        sys.exit(130)
    except Exception as exc:  # should be unreachable: the command translates its own errors
        print(f"dvh: internal error ({type(exc).__name__}: {exc}); please report it",
              file=sys.stderr)
        sys.exit(4)


if __name__ == "__main__":
    run()
