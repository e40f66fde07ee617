"""A dataset in the CI formats: a testsuite per file (JUnit), a row per file (Markdown), and
annotations at the file that holds each row (GitHub), with the escaping of single files."""

from __future__ import annotations

import gzip
import json
import re
import xml.etree.ElementTree as ET
from collections import Counter

import pytest

from tests.cli.ci_helpers import grid_rows, invoke, write_csv, write_schema
from tests.cli.test_ci_github import parse

HOSTILE = "x|y::error file=z::\n=cmd%0A"


@pytest.fixture
def drop(tmp_path):
    """Two files with bad rows: ``a.csv`` (3 bad codes, 2 long notes) and ``sub/b.csv.gz``
    (a hostile code, 4 bad codes, one id first seen in a.csv); plus a clean ``c.csv``."""
    root = tmp_path / "drop"
    (root / "sub").mkdir(parents=True)
    write_csv(root / "a.csv", grid_rows(20, bad_code=3, long_note=2))
    rows = [[100 + i, code, note] for i, (_, code, note) in enumerate(grid_rows(30, bad_code=4))]
    rows[10] = [5, "A", "ok"]  # id 5 is row 5 of a.csv
    rows[20] = [120, HOSTILE, "ok"]
    plain = write_csv(tmp_path / "b.csv", rows)
    (root / "sub" / "b.csv.gz").write_bytes(gzip.compress(plain.read_bytes()))
    write_csv(root / "c.csv", [[200 + i, "B", "ok"] for i in range(5)])
    return tmp_path, root


def expected_counts(tmp_path, root, *extra: str) -> dict[str, Counter]:
    """Per file: failures by check, from the full report (no cap: every item is there)."""
    done = invoke("validate", str(root), "-s", "grid", "-f", "json", "--max-errors", "0",
                  *extra, schemas=tmp_path / "s")
    body = json.loads(done.stdout)
    assert not body["truncated"]
    out: dict[str, Counter] = {}
    for item in body["detail"]:
        kind = "unique" if item["type"] == "duplicate_value" else "column"
        out.setdefault(item["file"], Counter())[f"{kind} {item['loc'][2]}"] += 1
    return out


def suites_of(xml_text: str) -> list[ET.Element]:
    root = ET.fromstring(xml_text)
    assert root.tag == "testsuites"
    return root.findall("testsuite")


def props(suite: ET.Element) -> dict[str, str]:
    return {p.get("name"): p.get("value") for p in suite.iter("property")}


def failed_cases(suite: ET.Element) -> dict[str, str]:
    return {case.get("name"): case.find("failure").get("message")
            for case in suite.iter("testcase") if case.find("failure") is not None}


def test_junit_has_a_testsuite_per_file_with_its_own_counts(drop):
    tmp_path, root = drop
    schemas = write_schema(tmp_path / "s")
    counts = expected_counts(tmp_path, root)
    assert set(counts) == {"a.csv", "sub/b.csv.gz"}
    assert counts["sub/b.csv.gz"]["unique id"] == 1  # a duplicate across files
    # --max-errors 2: the detail holds two items of a.csv; the counts must not come from it
    done = invoke("validate", str(root), "-s", "grid", "-f", "junit", "--max-errors", "2",
                  schemas=schemas)
    assert done.exit_code == 1
    suites = suites_of(done.stdout)
    files = [s for s in suites if "file" in props(s)]
    assert [s.get("name") for s in files] == [str(root / "a.csv"), str(root / "c.csv"),
                                              str(root / "sub" / "b.csv.gz")]
    for suite in files:
        name = props(suite)["file"]
        want = counts.get(name, Counter())
        assert int(props(suite)["error_count"]) == sum(want.values())
        failed = failed_cases(suite)
        assert set(failed) == set(want)
        for case, message in failed.items():
            assert message.startswith(f"{want[case]} error"), (name, case, message)
        assert int(suite.get("failures")) == len(want)
        assert int(suite.get("tests")) == len(list(suite.iter("testcase")))
    assert failed_cases(files[1]) == {} and files[1].get("failures") == "0"  # c.csv is clean
    (dataset,) = [s for s in suites if "file" not in props(s)]
    assert props(dataset)["files"] == "3" and props(dataset)["error_count"] == str(
        sum(sum(c.values()) for c in counts.values()))
    assert list(failed_cases(dataset)) == ["gate"]
    root_el = ET.fromstring(done.stdout)
    assert int(root_el.get("failures")) == sum(int(s.get("failures")) for s in suites) == 5


def test_junit_per_file_keeps_the_schemas_severities(drop):
    """``note`` is a warning: in a file's suite it is not a failure, unless --fail-on warning."""
    tmp_path, root = drop
    schemas = write_schema(tmp_path / "s", warn_note=True)
    done = invoke("validate", str(root), "-s", "grid", "-f", "junit", schemas=schemas)
    a = next(s for s in suites_of(done.stdout) if props(s).get("file") == "a.csv")
    assert set(failed_cases(a)) == {"column code"} and props(a)["warning_count"] == "2"
    strict = invoke("validate", str(root), "-s", "grid", "-f", "junit", "--fail-on",
                    "warning", schemas=schemas)
    a = next(s for s in suites_of(strict.stdout) if props(s).get("file") == "a.csv")
    assert set(failed_cases(a)) == {"column code", "column note"}


def test_github_annotations_point_at_each_real_file(drop):
    tmp_path, root = drop
    schemas = write_schema(tmp_path / "s")
    counts = expected_counts(tmp_path, root)
    done = invoke("validate", str(root), "-s", "grid", "-f", "github", "--max-errors", "0",
                  "--max-annotations", "100", schemas=schemas,
                  env={"GITHUB_WORKSPACE": str(tmp_path)})
    assert done.exit_code == 1
    parsed = [parse(line) for line in done.stdout.splitlines()]  # the documented grammar
    at_rows = [(p, m) for name, p, m in parsed if name == "error" and "line" in p]
    by_file = Counter(p["file"] for p, _ in at_rows)
    # relative to $GITHUB_WORKSPACE, as GitHub matches them; never the directory typed
    assert by_file == {f"drop/{name}": sum(c.values()) for name, c in counts.items()}
    hostile = [m for p, m in at_rows if "x|y" in m]
    assert len(hostile) == 1 and "\n" not in hostile[0] and "\\n" in hostile[0]
    b_lines = sorted(int(p["line"]) for p, _ in at_rows if p["file"] == "drop/sub/b.csv.gz")
    assert b_lines[0] == 2  # lines within the file (its first data row is line 2)
    assert parsed[-1][1]["file"] == "drop" and parsed[-1][1]["title"] == "dvh grid: failed"


def test_markdown_shows_a_row_per_file(drop):
    tmp_path, root = drop
    schemas = write_schema(tmp_path / "s")
    counts = expected_counts(tmp_path, root)
    done = invoke("validate", str(root), "-s", "grid", "-f", "markdown", "--max-errors", "2",
                  schemas=schemas)
    lines = done.stdout.splitlines()
    rows = {line.split(" | ")[0][2:]: line.split(" | ")[1:] for line in lines
            if line.startswith("| ") and line.count(" | ") == 4}
    for name, n_rows in (("a.csv", 20), ("sub/b.csv.gz", 30), ("c.csv", 5)):
        failures = sum(counts.get(name, Counter()).values())
        status = "❌ failed" if failures else "✅ passed"
        assert rows[name] == [status, f"{n_rows:,}", rows[name][2], f"{failures:,} |"]
        assert 0 < int(rows[name][2]) <= failures or failures == 0
    assert [line for line in lines if line.startswith("| a.csv | row")]  # items name files
    for line in lines:
        if line.startswith("|"):  # the hostile value adds no column anywhere
            assert len(re.findall(r"(?<!\\)\|", line)) in (6, 7), line
