"""The ``dvh`` command: sub-apps joined here; heavy imports wait for the command needing them."""

from __future__ import annotations

import os
import sys

import typer

from cli import report_cmd, schema_cmd, serve_cmd, validate_cmd

app = typer.Typer(
    name="dvh",
    help="Data validation hub: check CSV and Parquet drops against Pydantic schemas.\n\n"
    "Exit codes: 0 valid, 1 invalid data, 2 usage or configuration error, "
    "3 unreadable input, 4 internal error.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode="rich",
)
app.command("validate", no_args_is_help=True)(validate_cmd.validate)
app.command("serve")(serve_cmd.serve)
app.add_typer(schema_cmd.app, name="schema")
app.add_typer(report_cmd.app, name="report")


def _exit_now(code: object) -> None:
    """Leave without tearing the interpreter down (0.1-0.2 s of finalising modules that the
    OS frees anyway): ``validate`` has written and closed everything it had to."""
    if isinstance(code, str):
        print(code, file=sys.stderr)
        code = 1
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(code if isinstance(code, int) else 0)


def run() -> None:
    """Console entry point: the last guard so no traceback ever reaches a user."""
    try:
        app()
    except SystemExit as done:
        if sys.argv[1:2] == ["validate"]:
            _exit_now(done.code)
        raise
    except KeyboardInterrupt:
        print("dvh: interrupted", file=sys.stderr)
        sys.exit(130)
    except Exception as exc:  # should be unreachable: commands translate their own errors
        print(f"dvh: internal error ({type(exc).__name__}: {exc}); please report it",
              file=sys.stderr)
        sys.exit(4)


if __name__ == "__main__":
    run()
