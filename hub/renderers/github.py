"""GitHub Actions workflow commands: one annotation per failure, capped, then the verdict.

Grammar (GitHub's "workflow commands" reference): ``::error file=F,line=L,title=T::MESSAGE``,
one per line, properties percent-encoded (``% \\r \\n : ,``), messages percent-encoded
(``% \\r \\n``). A value from the data therefore cannot end a property, start a new line or a new
command. GitHub shows only a few annotations per step, so the list is capped (default 50) and a
final notice says how many were left out.

In a dataset (a directory, a glob) each annotation points at the file that holds the row (the
report's ``files`` say where each was read), never at the directory the user typed: that is
what GitHub matches to a file of the repository. The verdict is the dataset's.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from hub.gate import passed
from hub.renderers.escape import cut, gh_data, gh_property, one_line, show_value
from hub.renderers.view import checked, column_of, source_label, where

MAX_ANNOTATIONS = 50
MSG_WIDTH = 300


def command(name: str, message: str, **props: str | int | None) -> str:
    """One workflow command line, escaped per GitHub's rules."""
    parts = ",".join(f"{k}={gh_property(str(v))}" for k, v in props.items() if v is not None)
    return f"::{name}{' ' + parts if parts else ''}::{gh_data(message)}"


def annotations(report: Mapping[str, Any], *, path: str | None = None,
                limit: int = MAX_ANNOTATIONS,
                relocate: Callable[[str], str] | None = None) -> list[str]:
    """One file's failures as annotations (at most ``limit``), then its verdict.
    ``relocate`` turns the path a dataset's file was read at into the one to annotate."""
    report = checked(report)
    label = source_label(report, path)
    located = {f["name"]: (relocate or str)(f["path"]) for f in report.get("files") or []}
    schema = report["schema"]["name"]
    csv = report["source"].get("format") == "csv"
    lines = []
    detail = report.get("detail") or []
    for item in detail[:limit]:
        loc = list(item.get("loc") or [])
        line = item.get("line") or (1 if csv and loc[:1] == ["columns"] else None)
        column = column_of(item)
        title = f"dvh {schema}: {column + ' ' if column else ''}{item['type']}"
        message = (f"{where(item)}: {show_value(item.get('input'))}: "
                   f"{cut(one_line(str(item['msg'])), MSG_WIDTH)}")
        name = "warning" if item.get("severity") == "warning" else "error"
        where_file = located.get(item["file"], item["file"]) if item.get("file") else label
        lines.append(command(name, message, file=where_file, line=line, title=title))
    failures = int(report["error_count"])
    shown = min(len(detail), limit)
    if failures > shown:
        kept = f"; the report keeps the first {len(detail):,}" if report.get("truncated") else ""
        lines.append(command(
            "notice", f"{failures - shown:,} more failures not annotated ({failures:,} in all"
            f"{kept}); see the job summary or the JSON report",
            file=label, title=f"dvh {schema}: more failures"))
    verdict = report.get("verdict") or {}
    reason = verdict.get("reason") or ("valid" if report["valid"] else "invalid")
    ok = passed(report)
    status = "passed" if ok else "failed"
    lines.append(command("notice" if ok else "error", f"{label}: {status}: {reason}",
                         file=label, title=f"dvh {schema}: {status}"))
    return lines


def render_github(reports: Sequence[Mapping[str, Any]], *, paths: Sequence[str | None] = (),
                  limit: int = MAX_ANNOTATIONS,
                  relocate: Callable[[str], str] | None = None) -> str:
    """Annotations for every report; ``limit`` caps the failures annotated over all files."""
    lines: list[str] = []
    budget = limit
    for i, report in enumerate(reports):
        lines += annotations(report, path=paths[i] if i < len(paths) else None, limit=budget,
                             relocate=relocate)
        budget = max(budget - len(report.get("detail") or []), 0)
    return "\n".join(lines) + "\n" if lines else ""
