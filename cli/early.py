"""Start reading the file of a ``dvh validate`` run before Typer and the engine are imported.

Why: those imports hold one core for ~0.4 s; in that time a thread can read, hash and parse
the first pieces of the file (``hub.parseahead``). Typer has not parsed the command line yet,
so this reads it itself, conservatively: on anything it does not know for sure, it does
nothing and the run reads the file as usual. A wrong guess costs only the thread's work: the
run checks that the pieces are the ones it would have made itself.

``OPTIONS`` must name every option of ``dvh validate`` that takes a value, ``FLAGS`` every one
that does not (a test compares both with the Typer command).
"""

from __future__ import annotations

import contextlib
from pathlib import Path

OPTIONS = frozenset({
    "--schema", "-s", "--schemas-dir", "--format", "-f", "--max-errors", "--output", "-o",
    "--server", "--output-json", "--output-junit", "--output-markdown", "--output-github",
    "--max-annotations", "--fail-on", "--max-error-rate", "--max-errors-total",
    "--delimiter", "-d", "--encoding", "--null-token", "--input-format",
    "--max-decompressed-bytes", "--cell-limit", "--dask",
})
FLAGS = frozenset({"--github", "--no-github", "--quiet", "-q", "--no-header", "--dataset"})
# Options after which the file is not read as a plain comma-separated UTF-8 CSV on this
# machine, or not by this process: no guess then.
_OTHER_READ = frozenset({"--server", "--dask", "--dataset", "--delimiter", "-d", "--encoding",
                         "--no-header", "--input-format"})
MIN_BYTES = 1 << 20  # a smaller file is one small piece: no thread for it (not measured)


def guess(args: list[str]) -> tuple[Path, tuple[str, ...], int | None] | None:
    """(first file, null tokens, cell limit) of ``dvh validate ARGS``, when it is a plain
    ``.csv`` file read with the defaults; None when in any doubt."""
    files: list[str] = []
    tokens: list[str] = []
    cell_limit: int | None = None
    it = iter(args)
    for arg in it:
        if arg == "--":
            files.extend(it)
            break
        if not arg.startswith("-") or arg == "-":
            files.append(arg)
            continue
        name, eq, value = arg.partition("=")
        if name in FLAGS and not eq:
            if name in _OTHER_READ:
                return None
            continue
        if name not in OPTIONS or (eq and not name.startswith("--")):
            return None  # unknown, or a form this does not read (-sNAME, -qs NAME...)
        if name in _OTHER_READ:
            return None
        if not eq:
            value = next(it, None)  # type: ignore[assignment]
            if value is None:
                return None
        if name == "--null-token":
            tokens.append(value)
        elif name == "--cell-limit":
            try:
                cell_limit = int(value)
            except ValueError:
                return None
    if not files:
        return None
    path = Path(files[0])
    if path.suffix.lower() != ".csv":
        return None
    return path, tuple(dict.fromkeys(tokens)), cell_limit


def begin(args: list[str]) -> None:
    """Start the parse-ahead for ``dvh validate ARGS`` if the guess is safe; never fails."""
    with contextlib.suppress(Exception):  # a guess must never stop the command itself
        found = guess(args)
        if found is None:
            return
        path, tokens, cell_limit = found
        if not path.is_file() or path.stat().st_size < MIN_BYTES:
            return
        from hub import parseahead

        parseahead.start(path, null_tokens=tokens, line_limit=cell_limit)
