"""What every command shares: where schemas live, and one translation of errors to exit codes.

Core code raises; this edge turns a ``DvhError`` into one line on stderr and its exit code.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer

EXIT_VALID, EXIT_INVALID, EXIT_USAGE, EXIT_UNREADABLE, EXIT_INTERNAL = 0, 1, 2, 3, 4


def schemas_dir(option: Path | None) -> Path:
    """``--schemas-dir``, then ``DVH_SCHEMAS_DIR``, then ``./schemas``."""
    if option is not None:
        return option
    env = os.environ.get("DVH_SCHEMAS_DIR")
    return Path(env) if env else Path("schemas")


def db_path(option: Path | None) -> Path:
    if option is not None:
        return option
    env = os.environ.get("DVH_DB")
    return Path(env) if env else Path("dvh.db")


def fail(message: str, code: int = EXIT_USAGE) -> typer.Exit:
    """Print one line to stderr and hand back the Exit to raise."""
    print(f"dvh: error: {message}", file=sys.stderr)
    return typer.Exit(code)


@contextmanager
def cli_errors() -> Iterator[None]:
    """Translate dvh's errors (and any bug) into one stderr line and an exit code."""
    from hub.errors import DvhError

    try:
        yield
    except (typer.Exit, typer.Abort, KeyboardInterrupt):
        raise
    except DvhError as exc:
        raise fail(str(exc), exc.exit_code) from None
    except Exception as exc:  # a bug must not print a traceback with user data in it
        raise fail(f"internal error ({type(exc).__name__}: {exc}); please report it",
                   EXIT_INTERNAL) from None
