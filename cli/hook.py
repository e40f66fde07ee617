"""``dvh-pre-commit``: the pre-commit entry point, which is ``dvh validate`` itself.

pre-commit appends the staged file names after the hook's ``args``. ``dvh validate`` takes
several files and exits with the worst code, so this entry point registers the very same
command function (``cli.validate_cmd.validate``): one definition of every option (gating,
outputs, ``--delimiter``, ``--encoding``, ``--no-header``, ``--null-token``...), nothing to
keep in step. It stays a separate console script so the manifest's ``entry`` does not depend
on the ``dvh`` command's sub-command layout, and so a file name that looks like a glob
(``drop[1].csv``, which pre-commit passes as it is) is read as the file it names.
"""

from __future__ import annotations

import sys

import typer

from cli.validate_cmd import validate

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False,
                  rich_markup_mode="rich")
app.command(no_args_is_help=True)(validate)


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
