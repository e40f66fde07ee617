"""Markdown summaries: rendered with a CommonMark + GFM-tables parser, hostile values stay inside
their cell, render no markup or HTML of their own, and start no spreadsheet formula."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from markdown_it import MarkdownIt

from hub.checks import SchemaChecks
from hub.gate import Policy, gate
from hub.renderers.escape import FORMULA_START, md_code, md_text, one_line
from hub.renderers.markdown import render_markdown
from hub.validate import validate
from tests.cli.ci_helpers import HOSTILE, invoke, write_csv, write_schema
from tests.conftest import SAMPLES

OUR_TAGS = {"h2", "h3", "p", "table", "thead", "tbody", "tr", "th", "td", "details", "summary",
            "code", "br", "strong"}


class Tables(HTMLParser):
    """Collects every start tag, and each table's rows as lists of cell texts."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: set[str] = set()
        self.tables: list[list[list[str]]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.tables[-1][-1].append("".join(self._cell))
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def rendered(markdown: str) -> Tables:
    html = MarkdownIt("commonmark").enable("table").enable("strikethrough").render(markdown)
    parser = Tables()
    parser.feed(html)
    return parser


def assert_tables_intact(doc: Tables) -> None:
    assert doc.tags <= OUR_TAGS, doc.tags - OUR_TAGS
    for table in doc.tables:
        widths = {len(row) for row in table}
        assert len(widths) == 1, table  # no cell split by a '|' from the data
        for row in table[1:]:
            for cell in row:
                assert not cell.startswith(FORMULA_START), cell


def test_summary_of_a_sample_renders_the_checks_and_first_errors():
    result = invoke("validate", str(SAMPLES / "orders_invalid.csv"), "-s", "orders",
                    "--format", "markdown")
    assert result.exit_code == 1
    doc = rendered(result.stdout)
    assert_tables_intact(doc)
    checks, first = doc.tables
    assert checks[0] == ["check", "status", "errors", "warnings", "by type",
                         "top failing values"]
    quantity = next(row for row in checks if row[0] == "column quantity")
    assert quantity[1:4] == ["❌ failed", "4", "0"] and "'two'" in quantity[5]
    assert len(first) == 1 + 10 and first[3][:3] == ["row 2 (line 4)", "order_id", "'abc'"]
    assert "**Verdict:** failed, decided by errors: 26 errors" in result.stdout
    assert "1 of 13 checks passed." in result.stdout


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_values_and_headers_stay_in_their_cells(tmp_path, value):
    schemas = write_schema(tmp_path / "s")
    header = ("id", "code", "note", f"={value}")  # an extra column named by the data
    data = write_csv(tmp_path / "d.csv", [[0, value, "ok", "x"]], header)
    result = invoke("validate", str(data), "-s", "grid", "--format", "markdown",
                    schemas=schemas)
    assert result.exit_code == 1
    doc = rendered(result.stdout)
    assert_tables_intact(doc)
    cells = [cell for table in doc.tables for row in table for cell in row]
    assert any(one_line(value)[:30] in cell for cell in cells)
    header_cells = [c for c in cells if c.startswith("'=")]
    assert header_cells, cells  # the formula-like header got its apostrophe


def test_escapers_directly():
    assert md_text("a|b") == "a\\|b"
    assert md_text("=1+1") == "'=1+1" and md_text("@x") == "'@x" and md_text("-5") == "'-5"
    assert md_text("<b>&") == "&lt;b&gt;&amp;" and md_text("x\ny") == "x\\\\ny"
    assert md_code("a``b|c") == "``` a``b\\|c ```"


def test_several_files_get_an_overview_table(registry):
    entry = registry.get("payments")
    checks = SchemaChecks.from_entry(entry)
    reports = [gate(validate(SAMPLES / name, entry).to_json_dict(), checks, Policy())
               for name in ("payments_valid.csv", "payments_invalid.csv")]
    text = render_markdown(reports, paths=["drops/a|b.csv", "drops/payments_invalid.csv"])
    doc = rendered(text)
    assert_tables_intact(doc)
    assert text.startswith("## dvh: 1 of 2 files passed")
    overview = doc.tables[0]
    assert [row[0] for row in overview[1:]] == ["drops/a|b.csv", "drops/payments_invalid.csv"]
    assert [row[2] for row in overview[1:]] == ["✅ passed", "❌ failed"]
    assert text.count("### ") == 2
