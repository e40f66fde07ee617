"""The ``dvh`` command: sub-apps joined here; heavy imports wait for the command needing them."""

from __future__ import annotations

import contextlib
import os
import sys

if sys.argv[1:2] == ["validate"]:  # before Typer: the file can be read while it imports
    from cli.early import begin

    begin(sys.argv[2:])

import typer

from cli import keys_cmd, report_cmd, schema_cmd, serve_cmd, validate_cmd

_HELP = ("Data validation hub: check CSV and Parquet drops against Pydantic schemas.\n\n"
         "Exit codes: 0 valid, 1 invalid data, 2 usage or configuration error, "
         "3 unreadable input, 4 internal error.")


def _typer() -> typer.Typer:
    return typer.Typer(name="dvh", help=_HELP, no_args_is_help=True,
                       pretty_exceptions_enable=False, add_completion=False,
                       rich_markup_mode="rich")


app = _typer()
app.command("validate", no_args_is_help=True)(validate_cmd.validate)
app.command("serve")(serve_cmd.serve)
app.add_typer(schema_cmd.app, name="schema")
app.add_typer(report_cmd.app, name="report")
app.add_typer(keys_cmd.app, name="keys")


def _exit_now(code: object) -> None:
    """Leave without tearing the interpreter down (0.1-0.2 s of finalising modules that the
    OS frees anyway): ``validate`` has written and closed everything it had to."""
    if isinstance(code, str):
        print(code, file=sys.stderr)
        code = 1
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(code if isinstance(code, int) else 0)


def validate_app() -> typer.Typer:
    """``dvh`` knowing only ``validate``, the command pipelines run on every drop. Typer builds
    the click command of everything an app knows before running one command: ~37-43 ms for
    the whole ``dvh`` here, ~6 ms for this. ``validate`` stays a subcommand (a group with a
    callback), so its usage, help and errors read exactly as in the whole app."""
    only = _typer()
    only.callback()(_group)
    only.command("validate", no_args_is_help=True)(validate_cmd.validate)
    return only


def _group() -> None:
    """Data validation hub: check CSV and Parquet drops against Pydantic schemas."""


def run() -> None:
    """Console entry point: the last guard so no traceback ever reaches a user."""
    try:
        (validate_app() if sys.argv[1:2] == ["validate"] else app)()
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
