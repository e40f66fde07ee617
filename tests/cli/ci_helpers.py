"""Shared by the tests/cli/test_ci_*.py files: tiny schemas and CSV files written per test,
the CLI through Typer's runner, and hostile cell values every format must survive."""

from __future__ import annotations

import csv
import textwrap
from collections.abc import Iterable, Sequence
from pathlib import Path

from typer.testing import CliRunner

from cli.main import app
from tests.conftest import SCHEMAS

runner = CliRunner()

# Values that try to break out of each output format.
HOSTILE = [
    '=HYPERLINK("http://evil.example","x")',
    "+1+1",
    "-2+3",
    "@SUM(A1)",
    "\tTAB",
    "\rCR first",
    "a|b|c",
    "``code`` and `tick`",
    "<script>alert(1)</script>",
    "line1\nline2\n::error file=x::injected",
    "%0A::warning::percent",
    "colon: comma, here",
    "ctl\x01\x0b\x1b[31mred",
    "]]><!-- cdata",
    "[link](http://evil.example) ![img](http://evil.example/x.png) *em* _u_ $x$ ~~s~~",
    "&amp; &lt; entity",
]

GRID = """
from typing import Annotated, ClassVar, Literal
from pydantic import BaseModel, ConfigDict, Field
from hub.rules import DatasetRules, Unique, Warn

class Row(BaseModel):
    model_config = ConfigDict(extra="forbid")
    dvh_rules: ClassVar[DatasetRules] = DatasetRules({rules})
    id: Annotated[int, Unique()]
    code: Literal["A", "B"]
    note: Annotated[str, Field(max_length=3){note_marker}] = ""
"""


def write_schema(folder: Path, name: str = "grid", *, rules: str = "",
                 warn_note: bool = False) -> Path:
    """A schema module: unique int ``id``, ``code`` in A/B, ``note`` of at most 3 characters."""
    folder.mkdir(parents=True, exist_ok=True)
    text = GRID.format(rules=rules, note_marker=", Warn()" if warn_note else "")
    (folder / f"{name}.py").write_text(textwrap.dedent(text))
    return folder


def write_csv(path: Path, rows: Iterable[Sequence[object]],
              header: Sequence[str] = ("id", "code", "note")) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def grid_rows(n: int, *, bad_code: int = 0, long_note: int = 0, dup: int = 0) -> list[list]:
    """``n`` rows; the first ``bad_code`` have an invalid code, the last ``long_note`` a note
    too long, and ``dup`` rows (after the bad codes) repeat id 0."""
    rows = []
    for i in range(n):
        code = "X" if i < bad_code else "A"
        note = "long" if i >= n - long_note else "ok"
        ident = 0 if bad_code <= i < bad_code + dup else i
        rows.append([ident, code, note])
    return rows


def invoke(*args: str, schemas: Path = SCHEMAS, env: dict[str, str] | None = None):
    base = {"DVH_SCHEMAS_DIR": str(schemas), "COLUMNS": "120", "GITHUB_ACTIONS": "",
            "GITHUB_STEP_SUMMARY": ""}
    return runner.invoke(app, [*args], env={**base, **(env or {})})
