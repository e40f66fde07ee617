"""The report: the one contract shared by the CLI, the server, the store, renderers and tests.

Detail items use FastAPI's error keys (``type``, ``loc``, ``msg``, ``input``, ``ctx``) so any
client that reads a FastAPI 422 reads a dvh report. Counts are exact even when ``detail`` is cut.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class ErrorItem(BaseModel):
    """One failed check, located by ``loc`` (Pydantic's convention) and by physical ``line``."""

    model_config = ConfigDict(extra="forbid")

    type: str = Field(description="Stable snake_case error slug (Pydantic's own where it applies).")
    loc: list[str | int] = Field(
        description='["rows", i, column] for a cell, ["columns", name] for a column, ["rows"] '
        "for the row count; i is the 0-based data row."
    )
    msg: str
    input: Any = None
    ctx: dict[str, Any] | None = None
    line: int | None = Field(default=None, description="1-based physical line in the file.")
    key: dict[str, Any] | None = Field(
        default=None, description="Primary-key values of the row, to find the record."
    )
    severity: Literal["error", "warning"] | None = Field(
        default=None, description='"warning" when the schema declares this check a warning; '
        "absent means error."
    )
    file: str | None = Field(
        default=None, description="The file of a dataset the item is about (its path relative "
        "to the dataset's root); absent for a single file and for dataset-wide checks."
    )


class TopValue(BaseModel):
    """A failing value, how often it failed in the whole file, and its first rows."""

    input: Any
    count: int
    first_rows: list[int]
    first_files: list[str] | None = Field(
        default=None, description="In a dataset report, the file of each of first_rows.")


class ColumnErrors(BaseModel):
    """Exact per-column aggregates over the whole file, independent of the detail cap."""

    errors: int
    by_type: dict[str, int]
    top_values: list[TopValue] = Field(default_factory=list)


class SchemaRef(BaseModel):
    name: str
    fingerprint: str


class SourceRef(BaseModel):
    name: str
    format: str
    bytes: int | None = None
    sha256: str | None = None


class Check(BaseModel):
    """One check of the schema (a column, a dataset rule) and how it fared in this file."""

    kind: Literal["column", "unique", "primary_key", "row_count", "columns", "model", "other"]
    name: str
    status: Literal["passed", "failed", "warning", "skipped"]
    errors: int = Field(description="Failures of error severity.")
    warnings: int = Field(description="Failures of warning severity.")
    by_type: dict[str, int] = Field(default_factory=dict)
    note: str | None = None


class Verdict(BaseModel):
    """The gate's decision on a report, and which rule of the policy decided it."""

    passed: bool
    decided_by: Literal["no_errors", "errors", "fail_on_warning", "max_error_rate",
                        "max_errors_total"]
    reason: str
    errors: int = Field(description="Failures counted against the run (warnings too when "
                        "fail_on is 'warning').")
    warnings: int
    invalid_rows: int = Field(description="Rows with a counted failure.")
    error_rate: float
    exact: bool = Field(description="False only for a truncated report of an older hub that "
                        "mixes warnings with errors and lacks warning_rows: invalid_rows is then "
                        "an upper bound.")
    fail_on: Literal["error", "warning"] = "error"
    max_error_rate: float | None = None
    max_errors_total: int | None = None


class FileSummary(BaseModel):
    """One file of a dataset report: where it is and its own exact counts, so that outputs can
    show a file per row (JUnit: a testsuite per file) even when ``detail`` is cut."""

    name: str = Field(description="Path relative to the dataset's root (as items' ``file``).")
    path: str = Field(description="Where it was read: a local path or a URL.")
    format: str
    bytes: int | None = None
    rows: int
    invalid_rows: int
    error_count: int
    by_column: dict[str, dict[str, int]] = Field(
        default_factory=dict, description="Failures of this file per column, by type.")


class Report(BaseModel):
    """The outcome of validating one source against one schema."""

    model_config = ConfigDict(populate_by_name=True)

    id: str | None = Field(default=None, description="Set once the hub has stored the report.")
    valid: bool = Field(description="No failure of error severity. Failures the schema declares "
                        "warnings do not make a report invalid; whether they fail a pipeline is "
                        "the verdict's business (--fail-on warning).")
    schema_: SchemaRef = Field(alias="schema")
    source: SourceRef
    rows: int
    invalid_rows: int = Field(description="Rows with at least one failure of error severity "
                              "(exact, whatever the detail cap).")
    error_count: int = Field(description="Every failure, warnings included.")
    truncated: bool = False
    errors_by_column: dict[str, ColumnErrors] = Field(default_factory=dict)
    detail: list[ErrorItem] = Field(default_factory=list)
    # Present when the schema declares warnings (the engine counts them exactly) or the gate ran.
    warning_count: int | None = Field(default=None, description="Failures of warning severity "
                                      "(included in error_count).")
    warning_rows: int | None = Field(default=None, description="Rows whose failures are all "
                                     "warnings (not in invalid_rows); exact, whatever the detail "
                                     "cap. Present when the schema declares warnings.")
    checks: list[Check] | None = None
    verdict: Verdict | None = None
    files: list[FileSummary] | None = Field(
        default=None, description="A dataset's files in dataset order (absent for one file).")

    def to_json_dict(self) -> dict[str, Any]:
        """The wire form: ``schema`` by its alias; ``ctx`` and ``key`` only where they exist.

        FastAPI omits ``ctx`` when an error has none; doing the same keeps clients that compare
        bodies with a FastAPI 422 happy.
        """
        body = self.model_dump(mode="json", by_alias=True)
        for item in body["detail"]:
            for optional in ("ctx", "key", "severity", "file"):
                if item.get(optional) is None:
                    item.pop(optional, None)
        for column in body["errors_by_column"].values():
            for top in column["top_values"]:
                if top.get("first_files") is None:
                    top.pop("first_files", None)
        for optional in ("warning_count", "warning_rows", "checks", "verdict", "files"):
            if body.get(optional) is None:
                body.pop(optional, None)
        return body
