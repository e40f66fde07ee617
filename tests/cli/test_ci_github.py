"""GitHub workflow commands: every line matches the documented grammar, data cannot inject a
command, annotations are capped, and inside Actions dvh annotates and summarises on its own."""

from __future__ import annotations

import json
import re

import pytest

from hub.renderers.escape import one_line
from hub.renderers.github import command
from tests.cli.ci_helpers import HOSTILE, grid_rows, invoke, write_csv, write_schema
from tests.conftest import SAMPLES

# GitHub's grammar: ::name prop=value,prop=value::message, one per line. Property values carry
# no raw ',' or ':' (they end a property); nothing carries a raw CR or LF (it ends the command).
_PROP = r"(?:file|line|endLine|col|endColumn|title)=[^,:\r\n]*"
GRAMMAR = re.compile(rf"::(?:error|warning|notice)(?: {_PROP}(?:,{_PROP})*)?::[^\r\n]*")
BAD_PERCENT = re.compile(r"%(?!25|0D|0A|3A|2C)")


def parse(line: str) -> tuple[str, dict[str, str], str]:
    """A command line back into (name, properties, message), decoded as the runner does."""
    assert GRAMMAR.fullmatch(line), line
    assert not BAD_PERCENT.search(line), line
    head, message = line[2:].split("::", 1)
    name, _, props = head.partition(" ")

    def data(s: str) -> str:
        return s.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")

    def prop(s: str) -> str:
        return data(s.replace("%3A", ":").replace("%2C", ","))

    pairs = dict(p.split("=", 1) for p in props.split(",")) if props else {}
    return name, {k: prop(v) for k, v in pairs.items()}, data(message)


def test_every_line_follows_the_grammar_on_a_sample():
    result = invoke("validate", str(SAMPLES / "orders_invalid.csv"), "-s", "orders",
                    "--format", "github")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    parsed = [parse(line) for line in lines]
    errors = [p for p in parsed if p[0] == "error"]
    assert len(errors) == 26 + 1  # every failure (detail holds all 26) and the verdict
    _, props, message = parsed[2]
    assert props["file"].endswith("orders_invalid.csv") and props["line"] == "4"
    assert props["title"] == "dvh orders: order_id int_parsing"
    assert message.startswith("row 2 (line 4): 'abc': Input should be a valid integer")
    assert parsed[0][1]["line"] == "1"  # a header problem points at the CSV header line
    assert parsed[-1][1]["title"] == "dvh orders: failed"


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_values_cannot_inject_commands(tmp_path, value):
    schemas = write_schema(tmp_path / "s")
    data = write_csv(tmp_path / "d.csv", [[0, value, "ok"], [1, "A", "ok"]])
    result = invoke("validate", str(data), "-s", "grid", "--format", "github", schemas=schemas)
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert len(lines) == 2  # one annotation and the verdict: nothing smuggled in
    name, props, message = parse(lines[0])
    assert name == "error" and props["title"] == "dvh grid: code literal_error"
    assert one_line(value)[:50] in message
    assert "\n" not in message and "\r" not in message


def test_properties_escape_colon_and_comma(tmp_path):
    line = command("error", "50% done\r\nnext", file="a,b:c.csv", line=3, title="t: x, y")
    assert line == "::error file=a%2Cb%3Ac.csv,line=3,title=t%3A x%2C y::50%25 done%0D%0Anext"
    assert parse(line) == ("error", {"file": "a,b:c.csv", "line": "3", "title": "t: x, y"},
                           "50% done\r\nnext")


def test_annotations_are_capped_with_a_final_notice(tmp_path):
    schemas = write_schema(tmp_path / "s")
    data = write_csv(tmp_path / "d.csv", grid_rows(500, bad_code=300))
    result = invoke("validate", str(data), "-s", "grid", "--format", "github",
                    "--max-errors", "0", schemas=schemas)
    parsed = [parse(line) for line in result.stdout.splitlines()]
    assert [p[0] for p in parsed] == ["error"] * 50 + ["notice", "error"]
    assert parsed[50][2].startswith("250 more failures not annotated (300 in all)")
    few = invoke("validate", str(data), "-s", "grid", "--format", "github",
                 "--max-annotations", "3", schemas=schemas)
    assert len(few.stdout.splitlines()) == 5
    assert "the report keeps the first 100" in few.stdout


def test_warnings_are_warning_commands_and_a_passing_verdict_is_a_notice(tmp_path):
    schemas = write_schema(tmp_path / "s", warn_note=True)
    data = write_csv(tmp_path / "d.csv", [[1, "A", "long"]])
    result = invoke("validate", str(data), "-s", "grid", "--format", "github", schemas=schemas)
    assert result.exit_code == 0
    names = [parse(line)[0] for line in result.stdout.splitlines()]
    assert names == ["warning", "notice"]


def test_inside_github_actions_annotations_and_summary_come_on_their_own(tmp_path):
    summary = tmp_path / "summary.md"
    summary.write_text("# earlier step\n")
    env = {"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary)}
    args = ("validate", str(SAMPLES / "payments_invalid.csv"), "-s", "payments")
    result = invoke(*args, "--format", "json", env=env)
    assert result.exit_code == 1
    assert json.loads(result.stdout)["error_count"] == 21  # stdout stays clean JSON
    commands = [line for line in result.stderr.splitlines() if line.startswith("::")]
    assert len(commands) == 21 + 1 and all(parse(line) for line in commands)
    text = summary.read_text()
    assert text.startswith("# earlier step\n") and "### ❌ " in text
    invoke(*args, env=env)
    assert summary.read_text().count("### ❌ ") == 2  # appended, never overwritten
    off = invoke(*args, "--no-github", env=env)
    assert off.exit_code == 1 and "::error" not in off.stderr
    assert summary.read_text().count("### ❌ ") == 2
    gh = invoke(*args, "--format", "github", env=env)
    assert "::error" in gh.stdout and "::error" not in gh.stderr  # not twice


def test_github_flag_outside_actions_and_an_unwritable_summary(tmp_path):
    env = {"GITHUB_STEP_SUMMARY": str(tmp_path / "missing" / "summary.md")}
    result = invoke("validate", str(SAMPLES / "orders_valid.csv"), "-s", "orders", "--github",
                    env=env)
    assert result.exit_code == 0  # the summary is a courtesy: the verdict stands
    assert "::notice" in result.stderr and "cannot append to $GITHUB_STEP_SUMMARY" in \
        result.stderr
