"""Where the reports of a run go: the main ``--format``, the extra ``--output-*`` files, and
GitHub Actions (annotations on stderr, the Markdown summary in ``$GITHUB_STEP_SUMMARY``).

Every writer takes the list of per-file results, so several files render as one document.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from cli.common import fail

GATE_KEYS = ("warning_count", "checks", "verdict")


class OutputFormat(StrEnum):
    table = "table"
    json = "json"
    junit = "junit"
    github = "github"
    markdown = "markdown"


@dataclass
class FileResult:
    """One validated file: the path as the user gave it, its gated report, how long it took."""

    path: str
    report: dict[str, Any]
    api_keys: frozenset[str]  # top-level keys of the report as the engine or hub produced it
    show_gate: bool  # a gate policy or declared warnings: the JSON says what the gate decided
    elapsed: float = 0.0
    exit_code: int = 0


@dataclass
class Outputs:
    fmt: OutputFormat = OutputFormat.table
    output: Path | None = None
    extra: dict[OutputFormat, Path] = field(default_factory=dict)
    github: bool = False  # annotations + step summary (GitHub Actions)
    max_annotations: int = 50
    show: int = 10


def public_report(result: FileResult) -> dict[str, Any]:
    """What ``--format json`` prints: the API's report, plus the gate's fields when in force."""
    report = result.report
    if result.show_gate:
        return report
    body = {k: v for k, v in report.items() if k not in GATE_KEYS or k in result.api_keys}
    if "checks" not in result.api_keys:
        body["detail"] = [{k: v for k, v in item.items() if k != "severity"}
                          for item in report.get("detail") or []]
    return body


def _json(results: Sequence[FileResult], exit_code: int) -> str:
    if len(results) == 1:
        doc: Any = public_report(results[0])
    else:
        passed = sum(1 for r in results if r.exit_code == 0)
        doc = {"reports": [public_report(r) for r in results],
               "summary": {"files": len(results), "passed": passed,
                           "failed": len(results) - passed, "exit_code": exit_code}}
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def render(fmt: OutputFormat, results: Sequence[FileResult], exit_code: int, *,
           width: int | None = None, opts: Outputs | None = None) -> str:
    """The text of one format for all results (``table`` drawn for a file, not a terminal)."""
    opts = opts or Outputs()
    reports = [r.report for r in results]
    paths = [r.path for r in results]
    if fmt is OutputFormat.json:
        return _json(results, exit_code)
    if fmt is OutputFormat.junit:
        from hub.renderers.junit import render_junit

        return render_junit(reports, paths=paths, elapsed=[r.elapsed for r in results])
    if fmt is OutputFormat.github:
        from hub.renderers.github import render_github

        return render_github(reports, paths=[_in_workspace(p) for p in paths],
                             limit=opts.max_annotations, relocate=_in_workspace)
    if fmt is OutputFormat.markdown:
        from hub.renderers.markdown import render_markdown

        return render_markdown(reports, paths=paths, show=opts.show)
    from io import StringIO

    from cli.render import make_console, render_report

    buf = StringIO()
    console = make_console(width=width or 120)
    console.file = buf
    for r in results:
        render_report(console, r.report, exit_code=r.exit_code, show=opts.show)
    return buf.getvalue()


def _in_workspace(path: str) -> str:
    """GitHub matches annotations to repository paths: relative to $GITHUB_WORKSPACE."""
    workspace = os.environ.get("GITHUB_WORKSPACE")
    if not workspace or not Path(path).is_absolute():
        return path
    try:
        return Path(path).resolve().relative_to(Path(workspace).resolve()).as_posix()
    except ValueError:
        return path


def write_file(path: Path, text: str, *, append: bool = False) -> None:
    try:
        with path.open("a" if append else "w", encoding="utf-8") as fh:
            fh.write(text)
    except OSError as exc:
        raise fail(f"cannot write {path}: {exc.strerror or exc}") from None


def emit(results: Sequence[FileResult], opts: Outputs, exit_code: int) -> None:
    """Write every requested output; a file that cannot be written is a usage error (exit 2)."""
    if opts.output is not None:
        write_file(opts.output, render(opts.fmt, results, exit_code, opts=opts))
    elif opts.fmt is OutputFormat.table:
        from cli.render import make_console, render_report

        console = make_console()
        for r in results:
            render_report(console, r.report, exit_code=r.exit_code, show=opts.show)
    else:
        sys.stdout.write(render(opts.fmt, results, exit_code, opts=opts))
    for fmt, path in opts.extra.items():
        write_file(path, render(fmt, results, exit_code, opts=opts))
    if opts.github:
        _github(results, opts, exit_code)


def _github(results: Sequence[FileResult], opts: Outputs, exit_code: int) -> None:
    """Annotations on stderr (the runner reads both streams; stdout may carry JSON or XML) and
    the Markdown summary appended to ``$GITHUB_STEP_SUMMARY``."""
    if not (opts.fmt is OutputFormat.github and opts.output is None):
        sys.stderr.write(render(OutputFormat.github, results, exit_code, opts=opts))
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary:
        text = render(OutputFormat.markdown, results, exit_code, opts=opts)
        try:
            with Path(summary).open("a", encoding="utf-8") as fh:
                fh.write(text + "\n")
        except OSError as exc:  # the gate's verdict stands; the summary is a courtesy
            print(f"dvh: warning: cannot append to $GITHUB_STEP_SUMMARY ({summary}): "
                  f"{exc.strerror or exc}", file=sys.stderr)
