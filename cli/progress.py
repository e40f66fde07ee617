"""A progress bar on stderr for files that take more than a moment (rich, TTY only).

It appears only after ``DELAY`` seconds (a small file never flickers one), only when stderr
is a terminal, and never with ``--quiet``; it disappears when the run ends. The total is
known for Parquet (row count in the footer) and estimated for CSV from the first megabyte.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

DELAY = 0.5
_PEEK = 1 << 20


def estimate_rows(source: Any) -> int | None:
    """Rows in the file: exact for Parquet, from the line density of the first MB for CSV."""
    try:
        if source.format == "parquet":
            import pyarrow.parquet as pq

            return int(pq.ParquetFile(source.path).metadata.num_rows)
        with source.path.open("rb") as fh:
            head = fh.read(_PEEK)
        lines = head.count(b"\n")
        if not lines:
            return None
        return max(int(source.bytes * lines / len(head)) - 1, 1)
    except (OSError, ValueError):
        return None


@contextmanager
def progress_for(source: Any, *, enabled: bool) -> Iterator[Callable[[int], None] | None]:
    """An ``on_rows`` callback that drives the bar (None when no bar can be shown)."""
    if not enabled or not sys.stderr.isatty():  # decided before rich is even imported
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console(stderr=True)
    total = estimate_rows(source)
    bar = Progress(TextColumn("[dim]checking[/] {task.description}"), BarColumn(),
                   TextColumn("{task.completed:,} rows"), TimeElapsedColumn(),
                   console=console, transient=True)
    task = bar.add_task(source.name, total=total)
    started = time.monotonic()
    shown = False
    done = 0

    def on_rows(n: int) -> None:
        nonlocal shown, done
        done += n
        if not shown and time.monotonic() - started >= DELAY:
            bar.start()
            shown = True
        bar.update(task, completed=done, total=max(total or 0, done) or None)

    try:
        yield on_rows
    finally:
        if shown:
            bar.stop()
