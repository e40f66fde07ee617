"""``dvh validate``: check a file locally (or on a hub with ``--server``), gate on the verdict,
and write the report in the formats a pipeline reads (table, JSON, JUnit, GitHub, Markdown).

The pre-commit entry point (``cli/hook.py``) registers this same command, so it takes
exactly the same flags. ``run_files`` does the work for
any number of files; each file is validated and gated on its own, outputs render all of them.
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from cli.common import EXIT_INVALID, EXIT_USAGE, EXIT_VALID, cli_errors, schemas_dir
from cli.dataset_cmd import DaskOpt, DatasetOpt
from cli.outputs import FileResult, OutputFormat, Outputs, emit

if TYPE_CHECKING:
    from hub.checks import SchemaChecks

_CI = "CI gating and outputs"


class FailOn(StrEnum):
    error = "error"
    warning = "warning"


SchemaOpt = Annotated[str, typer.Option(
    "--schema", "-s", help="Schema name (file stem in the schemas folder).", show_default=False)]
SchemasDirOpt = Annotated[Path | None, typer.Option(
    "--schemas-dir", help="Folder of schema modules \\[default: $DVH_SCHEMAS_DIR, then "
    "./schemas].", show_default=False)]
FormatOpt = Annotated[OutputFormat | None, typer.Option(
    "--format", "-f", help="table: the terminal view (the default; colour only on a terminal, "
    "plain text when piped); json: exactly the report the API returns (plus the gate's verdict "
    "when a gate option or a warning severity is in force); junit: JUnit XML; github: workflow "
    "commands; markdown: a summary for $GITHUB_STEP_SUMMARY or a merge-request comment.",
    show_default=False)]
MaxErrorsOpt = Annotated[int, typer.Option(
    "--max-errors", min=0, help="Cap on detail items kept in the report (0: no cap). "
    "Counts stay exact.")]
OutputOpt = Annotated[Path | None, typer.Option(
    "--output", "-o", help="Write the --format output to this file instead of stdout.",
    show_default=False)]
ServerOpt = Annotated[str | None, typer.Option(
    "--server", help="Upload to the hub at this URL and gate on its report.",
    show_default=False)]
OutJsonOpt = Annotated[Path | None, typer.Option(
    "--output-json", help="Also write the JSON report here.", show_default=False,
    rich_help_panel=_CI)]
OutJunitOpt = Annotated[Path | None, typer.Option(
    "--output-junit", help="Also write JUnit XML here (one testsuite per file, one testcase "
    "per column and dataset rule).", show_default=False, rich_help_panel=_CI)]
OutMarkdownOpt = Annotated[Path | None, typer.Option(
    "--output-markdown", help="Also write the Markdown summary here.", show_default=False,
    rich_help_panel=_CI)]
OutGithubOpt = Annotated[Path | None, typer.Option(
    "--output-github", help="Also write GitHub workflow commands here.", show_default=False,
    rich_help_panel=_CI)]
GithubOpt = Annotated[bool | None, typer.Option(
    "--github/--no-github", help="GitHub Actions integration: annotations on stderr and the "
    "Markdown summary appended to $GITHUB_STEP_SUMMARY \\[default: on when "
    "GITHUB_ACTIONS=true].", show_default=False, rich_help_panel=_CI)]
MaxAnnotationsOpt = Annotated[int, typer.Option(
    "--max-annotations", min=0, help="Cap on GitHub annotations (then one notice says how many "
    "more there were).", rich_help_panel=_CI)]
FailOnOpt = Annotated[FailOn, typer.Option(
    "--fail-on", help="error: warnings are reported but pass; warning: they fail the run too.",
    rich_help_panel=_CI)]
MaxRateOpt = Annotated[float | None, typer.Option(
    "--max-error-rate", min=0.0, max=1.0, help="Tolerate up to this fraction of invalid rows "
    "(0.01: 1%); wrong columns or row count still fail.", show_default=False,
    rich_help_panel=_CI)]
MaxTotalOpt = Annotated[int | None, typer.Option(
    "--max-errors-total", min=0, help="Tolerate up to this many failures.", show_default=False,
    rich_help_panel=_CI)]


_IN = "Reading the input"
DelimiterOpt = Annotated[str | None, typer.Option(
    "--delimiter", "-d", help="CSV delimiter \\[default: detected among , ; tab |; tab for "
    ".tsv]. 'tab' or '\\t' for a tab.", show_default=False, rich_help_panel=_IN)]
EncodingOpt = Annotated[str | None, typer.Option(
    "--encoding", help="Text encoding, e.g. latin-1, cp1252, utf-16 \\[default: UTF-8, or what a "
    "byte-order mark says].", show_default=False, rich_help_panel=_IN)]
NoHeaderOpt = Annotated[bool, typer.Option(
    "--no-header", help="The file has no header row: columns map to fields by position.",
    rich_help_panel=_IN)]
NullTokenOpt = Annotated[list[str] | None, typer.Option(
    "--null-token", help="A cell value that means missing, like the empty cell (repeatable; "
    "e.g. --null-token NA). The schema can declare its own.", show_default=False,
    rich_help_panel=_IN)]
InputFormatOpt = Annotated[str | None, typer.Option(
    "--input-format", help="csv or parquet, when neither the name nor the content says.",
    show_default=False, rich_help_panel=_IN)]
MaxInflateOpt = Annotated[int, typer.Option(
    "--max-decompressed-bytes", min=1, help="Refuse a compressed file (.gz .bz2 .xz .zst) that "
    "expands past this many bytes.", rich_help_panel=_IN)]
CellLimitOpt = Annotated[int, typer.Option(
    "--cell-limit", min=1, help="Largest CSV cell in characters; a larger one is an error at "
    "that cell.", rich_help_panel=_IN)]


def _start_early_work(path: Path) -> None:
    """Use the second core while the engine is imported (~0.3-0.5 s on one core): hash the
    file (hub.prehash; the core uses the digest only if the file is unchanged), unless
    ``cli.early`` already has a thread reading, hashing and parsing it (hub.parseahead)."""
    from hub import parseahead, prehash

    if not parseahead.running(path):
        prehash.start(path)


def read_options(delimiter: str | None, encoding: str | None, no_header: bool,
                 null_tokens: list[str] | None, input_format: str | None,
                 max_decompressed: int, cell_limit: int) -> Any:
    """The user's knowledge of the input, for hub.inputs (usage errors exit 2)."""
    from hub.inputs import ReadOptions

    if delimiter is not None:
        delimiter = {"tab": "\t", "\\t": "\t"}.get(delimiter, delimiter)
        if len(delimiter) != 1:
            raise typer.BadParameter("one character (or 'tab')", param_hint="--delimiter")
    if input_format not in (None, "csv", "parquet"):
        raise typer.BadParameter("csv or parquet", param_hint="--input-format")
    return ReadOptions(fmt=input_format, delimiter=delimiter, encoding=encoding,
                       header=not no_header, null_tokens=tuple(null_tokens or ()),
                       max_decompressed_bytes=max_decompressed, cell_limit=cell_limit)


def expand_inputs(args: list[Path]) -> list[Path]:
    """Paths as given, with shell-style globs expanded (quoted globs reach us unexpanded).
    A glob that matches nothing is a usage error; a missing plain path is reported per file;
    a path that exists is that file, whatever characters its name holds."""
    import glob

    out: list[Path] = []
    for arg in args:
        text = str(arg)
        if any(ch in text for ch in "*?[") and not arg.exists():  # drop[1].csv is a name
            matches = sorted(glob.glob(text, recursive=True))  # noqa: PTH207 - absolute patterns
            if not matches:
                raise typer.BadParameter(f"{text!r} matches no file", param_hint="FILE")
            out.extend(Path(m) for m in matches if Path(m).is_file())
        else:
            out.append(arg)
    return out


@dataclass
class RunOptions:
    schema: str
    schemas_dir: Path | None = None
    max_errors: int = 100
    server: str | None = None
    fail_on: FailOn = FailOn.error
    max_error_rate: float | None = None
    max_errors_total: int | None = None
    quiet: bool = False
    read: Any = None  # hub.inputs.ReadOptions
    dask: str | None = None  # a scheduler ("local" or an address): the argument is a dataset
    dataset: bool = False  # the argument (a glob, say) is one dataset


def validate(
    files: Annotated[list[Path], typer.Argument(
        help="CSV or Parquet files (compressed .gz .bz2 .xz .zst too); quoted globs like "
        "'drops/*.csv' are expanded. One report each; the exit code is the worst. A directory "
        "(or, with --dataset, a glob or URL) is one partitioned dataset.", show_default=False)],
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
    quiet: Annotated[bool, typer.Option(
        "--quiet", "-q", help="No progress bar (it only shows on a terminal anyway).")] = False,
    delimiter: DelimiterOpt = None,
    encoding: EncodingOpt = None,
    no_header: NoHeaderOpt = False,
    null_token: NullTokenOpt = None,
    input_format: InputFormatOpt = None,
    max_decompressed_bytes: MaxInflateOpt = 8 << 30,
    cell_limit: CellLimitOpt = 1 << 20,
    dask: DaskOpt = None,
    dataset: DatasetOpt = False,
) -> None:
    """Validate FILE against a schema and gate on the verdict.

    A directory is one partitioned dataset (all its CSV/Parquet files: uniqueness and row
    counts across them); --dask runs it on a Dask cluster with the same report.

    Any error fails the run; warnings declared in the schema fail only with --fail-on warning.
    --max-error-rate and --max-errors-total tolerate errors; the report says which decided.
    In GitHub Actions, annotations and the job summary are written too (unless --no-github).

    Exit codes:
    0  valid: the gate passed
    1  invalid: the gate failed
    2  usage or configuration error (unknown schema, bad flag, unwritable output, no hub)
    3  unreadable input (missing, empty, not CSV/Parquet, corrupt)
    4  internal error (a bug in dvh: please report it)
    """
    if not (server or dask or dataset) and files:
        _start_early_work(files[0])
    read = read_options(delimiter, encoding, no_header, null_token, input_format,
                        max_decompressed_bytes, cell_limit)
    run = RunOptions(schema, schemas_dir_opt, max_errors, server, fail_on, max_error_rate,
                     max_errors_total, quiet, read, dask, dataset)
    outputs = make_outputs(output_format, output, output_json, output_junit, output_markdown,
                           output_github, github, max_annotations)
    inputs = files if (dataset or dask) else expand_inputs(files)  # a dataset glob stays whole
    raise typer.Exit(run_files(inputs, run, outputs))


def make_outputs(fmt: OutputFormat | None, output: Path | None, output_json: Path | None,
                 output_junit: Path | None, output_markdown: Path | None,
                 output_github: Path | None, github: bool | None,
                 max_annotations: int) -> Outputs:
    extra = {f: p for f, p in ((OutputFormat.json, output_json),
                               (OutputFormat.junit, output_junit),
                               (OutputFormat.markdown, output_markdown),
                               (OutputFormat.github, output_github)) if p is not None}
    if github is None:
        github = os.environ.get("GITHUB_ACTIONS") == "true"
    return Outputs(fmt=fmt or OutputFormat.table, output=output, extra=extra, github=github,
                   max_annotations=max_annotations)


class _Schema:
    """The schema's checks, loaded once for all files (locally, or from the hub)."""

    def __init__(self, run: RunOptions) -> None:
        self.run = run
        self._entry: Any = None
        self._checks: SchemaChecks | None = None

    def entry(self) -> Any:
        if self._entry is None:
            from hub.registry import Registry

            self._entry = Registry(schemas_dir(self.run.schemas_dir)).get(self.run.schema)
        return self._entry

    def checks(self) -> SchemaChecks:
        if self._checks is None:
            from hub.checks import SchemaChecks

            if self.run.server:
                from cli.remote import get_json

                desc = get_json(self.run.server, f"/schemas/{self.run.schema}")
                self._checks = SchemaChecks.from_description(desc)
            else:
                self._checks = SchemaChecks.from_entry(self.entry())
        return self._checks


def _report(file: Path, run: RunOptions, schema: _Schema) -> dict[str, Any]:
    from cli.dataset_cmd import dataset_report, wants_dataset

    if wants_dataset(file, run):
        return dataset_report(file, run, schema.entry())
    from hub.inputs import ReadOptions, sniff_source

    read = run.read or ReadOptions()
    if run.server:
        from cli.remote import upload

        return upload(run.server, run.schema, file, sniff_source(file, read), run.max_errors,
                      read, _policy_params(run))
    from cli.progress import progress_for
    from hub.validate import validate as run_validation

    with progress_for(_Progress(file), enabled=not run.quiet) as on_rows:
        report = run_validation(file, schema.entry(), max_errors=run.max_errors,
                                on_rows=on_rows, options=read)
    return report.to_json_dict()


def _policy_params(run: RunOptions) -> dict[str, Any]:
    """The gate options the user set, as the hub's query parameters (the hub stores the
    verdict; the CLI still decides its exit code with the same gate)."""
    params: dict[str, Any] = {}
    if run.fail_on.value != "error":
        params["fail_on"] = run.fail_on.value
    if run.max_error_rate is not None:
        params["max_error_rate"] = run.max_error_rate
    if run.max_errors_total is not None:
        params["max_errors_total"] = run.max_errors_total
    return params


class _Progress:
    """What the progress bar needs to know of a file before it is read."""

    def __init__(self, path: Path) -> None:
        self.path, self.name = path, path.name
        self.format = "parquet" if path.suffix.lower() in (".parquet", ".pq") else "csv"
        try:
            self.bytes = path.stat().st_size
        except OSError:
            self.bytes = 0


def run_files(files: list[Path], run: RunOptions, outputs: Outputs) -> int:
    """Validate and gate each file, write every output, return the worst exit code.

    A file that cannot be read is reported on stderr (exit 3) and the others still run; a
    schema or hub problem (exit 2) stops the run.
    """
    from hub.gate import Policy, gate, passed

    policy = Policy(run.fail_on.value, run.max_error_rate,  # type: ignore[arg-type]
                    run.max_errors_total)
    schema = _Schema(run)
    results: list[FileResult] = []
    codes = [EXIT_VALID]
    for file in files:
        start = time.perf_counter()
        try:
            with cli_errors():
                report = _report(file, run, schema)
                checks = schema.checks()
                gated = gate(report, checks, policy)
        except typer.Exit as exc:
            codes.append(int(exc.exit_code))
            if exc.exit_code == EXIT_USAGE or len(files) == 1:
                return max(codes)
            continue
        code = EXIT_VALID if passed(gated) else EXIT_INVALID
        codes.append(code)
        results.append(FileResult(
            path=str(file), report=gated, api_keys=frozenset(report),
            show_gate=not policy.is_default or checks.declares_warnings,
            elapsed=time.perf_counter() - start, exit_code=code))
    worst = max(codes)
    if results:
        with cli_errors():
            emit(results, outputs, worst)
    sys.stdout.flush()
    return worst
