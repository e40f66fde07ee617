"""The report: the one contract shared by the CLI, the server, the store, renderers and tests.

Detail items use FastAPI's error keys (``type``, ``loc``, ``msg``, ``input``, ``ctx``) so any
client that reads a FastAPI 422 reads a dvh report. Counts are exact even when ``detail`` is cut.
"""

from __future__ import annotations

from typing import Any

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


class TopValue(BaseModel):
    """A failing value, how often it failed in the whole file, and its first rows."""

    input: Any
    count: int
    first_rows: list[int]


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


class Report(BaseModel):
    """The outcome of validating one source against one schema."""

    model_config = ConfigDict(populate_by_name=True)

    id: str | None = Field(default=None, description="Set once the hub has stored the report.")
    valid: bool
    schema_: SchemaRef = Field(alias="schema")
    source: SourceRef
    rows: int
    invalid_rows: int
    error_count: int
    truncated: bool = False
    errors_by_column: dict[str, ColumnErrors] = Field(default_factory=dict)
    detail: list[ErrorItem] = Field(default_factory=list)

    def to_json_dict(self) -> dict[str, Any]:
        """The wire form: ``schema`` by its alias; ``ctx`` and ``key`` only where they exist.

        FastAPI omits ``ctx`` when an error has none; doing the same keeps clients that compare
        bodies with a FastAPI 422 happy.
        """
        body = self.model_dump(mode="json", by_alias=True)
        for item in body["detail"]:
            for optional in ("ctx", "key"):
                if item.get(optional) is None:
                    item.pop(optional, None)
        return body
