"""JUnit XML: parses with xml.etree, counts add up, the shape is the common JUnit schema that
GitLab, Jenkins and GitHub reporters read, and hostile values cannot break the document."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from hub.checks import SchemaChecks
from hub.gate import Policy, gate
from hub.renderers.escape import one_line
from hub.renderers.junit import render_junit
from hub.validate import validate
from tests.cli.ci_helpers import HOSTILE, invoke, write_csv, write_schema
from tests.conftest import SAMPLES

# Attributes of the common JUnit schema (Jenkins' junit-10.xsd, read by GitLab and GitHub
# reporters too); required ones first.
ALLOWED = {
    "testsuites": ({"name"}, {"time", "tests", "failures", "disabled", "errors"}),
    "testsuite": ({"name", "tests"}, {"failures", "errors", "time", "disabled", "skipped",
                                      "timestamp", "hostname", "id", "package", "file"}),
    "properties": (set(), set()),
    "property": ({"name", "value"}, set()),
    "testcase": ({"name", "classname", "time"}, {"assertions", "status", "file", "line"}),
    "failure": ({"message", "type"}, set()),
    "error": ({"message", "type"}, set()),
    "skipped": (set(), {"message"}),
    "system-out": (set(), set()),
    "system-err": (set(), set()),
}
CHILDREN = {
    "testsuites": {"testsuite"},
    "testsuite": {"properties", "testcase", "system-out", "system-err"},
    "properties": {"property"},
    "testcase": {"skipped", "error", "failure", "system-out", "system-err"},
}


def assert_junit_shape(root: ET.Element) -> None:
    """Every element and attribute is one the common schema knows; numbers add up."""
    assert root.tag == "testsuites"
    for el in root.iter():
        required, optional = ALLOWED[el.tag]
        assert required <= set(el.attrib), (el.tag, el.attrib)
        assert set(el.attrib) <= required | optional, (el.tag, el.attrib)
        kids = {child.tag for child in el}
        assert kids <= CHILDREN.get(el.tag, set()), (el.tag, kids)
    totals = dict.fromkeys(("tests", "failures", "errors"), 0)
    for suite in root.findall("testsuite"):
        cases = suite.findall("testcase")
        tags = list(suite)
        assert [t.tag for t in tags[:1]] == ["properties"]  # properties come first
        assert int(suite.get("tests")) == len(cases)
        assert int(suite.get("failures")) == sum(1 for c in cases if c.find("failure") is not None)
        assert int(suite.get("skipped")) == sum(1 for c in cases if c.find("skipped") is not None)
        assert int(suite.get("errors")) == sum(1 for c in cases if c.find("error") is not None)
        float(suite.get("time"))
        for key in totals:
            totals[key] += int(suite.get(key))
    for key, value in totals.items():
        assert int(root.get(key)) == value


def test_junit_has_a_testcase_per_column_and_rule_with_first_errors(tmp_path):
    out = tmp_path / "r.xml"
    result = invoke("validate", str(SAMPLES / "orders_invalid.csv"), "-s", "orders",
                    "--format", "junit", "--output", str(out))
    assert result.exit_code == 1 and result.stdout == ""
    root = ET.parse(out).getroot()
    assert_junit_shape(root)
    (suite,) = root.findall("testsuite")
    names = [c.get("name") for c in suite.findall("testcase")]
    fields = ["order_id", "customer_email", "country", "quantity", "unit_price", "status",
              "order_date", "shipped_at", "note", "discount"]
    assert names == ["columns", *(f"column {f}" for f in fields), "unique order_id",
                     "row_count", "gate"]
    assert suite.get("name").endswith("orders_invalid.csv")
    assert (suite.get("tests"), suite.get("failures")) == ("14", "13")
    case = next(c for c in suite.findall("testcase") if c.get("name") == "column quantity")
    failure = case.find("failure")
    # the failure's type is the most frequent kind; ties go by name (1 each here)
    assert failure.get("message") == ("4 errors: greater_than_equal 1, int_parsing 1, "
                                      "less_than_equal 1, missing 1")
    assert failure.get("type") == "greater_than_equal"
    assert "row 2 (line 4): '0': greater_than_equal" in failure.text
    assert "'two' x1 (rows 4)" in failure.text  # most frequent failing values
    props = {p.get("name"): p.get("value") for p in suite.iter("property")}
    assert props["schema"] == "orders" and props["error_count"] == "26"
    gate_case = suite.findall("testcase")[-1].find("failure")
    assert gate_case.get("type") == "errors" and "26 errors" in gate_case.get("message")


def test_valid_file_gives_all_passing_testcases():
    result = invoke("validate", str(SAMPLES / "payments_valid.parquet"), "-s", "payments",
                    "--format", "junit")
    assert result.exit_code == 0
    root = ET.fromstring(result.stdout)
    assert_junit_shape(root)
    assert root.get("failures") == "0" and int(root.get("tests")) == 13
    names = {c.get("name") for c in root.iter("testcase")}
    assert {"column Payment ID", "unique Payment ID", "primary_key order_id,attempt"} <= names


def test_one_testsuite_per_file_and_missing_columns_are_skipped(tmp_path, registry):
    entry = registry.get("orders")
    checks = SchemaChecks.from_entry(entry)
    bad = tmp_path / "no_email.csv"
    lines = (SAMPLES / "orders_valid.csv").read_text().splitlines()
    bad.write_text("\n".join(",".join(c for i, c in enumerate(line.split(",")) if i != 1)
                             for line in lines[:2]) + "\n")
    reports = [gate(validate(p, entry).to_json_dict(), checks, Policy())
               for p in (SAMPLES / "orders_valid.csv", bad)]
    root = ET.fromstring(render_junit(reports, paths=["a/orders_valid.csv", "b/no_email.csv"],
                                      elapsed=[0.5, 0.25]))
    assert_junit_shape(root)
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == ["a/orders_valid.csv", "b/no_email.csv"]
    assert root.get("time") == "0.750" and suites[0].get("failures") == "0"
    email = next(c for c in suites[1].iter("testcase") if c.get("name") == "column customer_email")
    assert email.find("skipped").get("message") == "column absent from the file"
    assert suites[1].get("skipped") == "1"
    columns = next(c for c in suites[1].iter("testcase") if c.get("name") == "columns")
    assert "customer_email" in columns.find("failure").text
    classnames = {c.get("classname") for c in root.iter("testcase")}
    assert classnames == {"dvh.orders.a_orders_valid_csv", "dvh.orders.b_no_email_csv"}


def test_warnings_pass_in_junit_unless_fail_on_warning(tmp_path):
    schemas = write_schema(tmp_path / "s", warn_note=True)
    data = write_csv(tmp_path / "d.csv", [[1, "A", "long"], [2, "B", "ok"]])
    ok = invoke("validate", str(data), "-s", "grid", "--format", "junit", schemas=schemas)
    root = ET.fromstring(ok.stdout)
    note = next(c for c in root.iter("testcase") if c.get("name") == "column note")
    assert ok.exit_code == 0 and note.find("failure") is None
    assert "1 warnings" in note.find("system-out").text or "1 warning" in note.find(
        "system-out").text
    strict = invoke("validate", str(data), "-s", "grid", "--format", "junit", "--fail-on",
                    "warning", schemas=schemas)
    root = ET.fromstring(strict.stdout)
    note = next(c for c in root.iter("testcase") if c.get("name") == "column note")
    assert strict.exit_code == 1 and note.find("failure").get("message").startswith("1 warning")


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_values_and_headers_keep_the_xml_well_formed(tmp_path, value):
    schemas = write_schema(tmp_path / "s")
    data = write_csv(tmp_path / "d.csv", [[0, value, "ok", value]],
                     ("id", "code", "note", "<x a='1'>&\x02"))
    result = invoke("validate", str(data), "-s", "grid", "--format", "junit", schemas=schemas)
    assert result.exit_code == 1
    root = ET.fromstring(result.stdout)
    assert_junit_shape(root)
    texts = [*root.itertext(), *(v for el in root.iter() for v in el.attrib.values())]
    text = "\n".join(texts)
    assert one_line(value)[:50] in text  # escaped by the writer, read back as the same text
    assert not any(ch in text for ch in "\x01\x02\x0b\x1b")
    assert "<x a='1'>&\\x02" in text  # the hostile header, readable


def test_xml_invalid_characters_in_a_report_become_escapes(registry):
    report = validate(SAMPLES / "orders_invalid.csv", registry.get("orders")).to_json_dict()
    report["detail"][1]["input"] = "nul\x00 surrogate\ud800 ffff\uffff"
    report["detail"][1]["msg"] = "]]> \x0c"
    root = ET.fromstring(render_junit([report]).encode("utf-8"))  # parses: nothing invalid
    text = "".join(root.itertext())
    assert "nul\\x00 surrogate\\ud800 ffff\\uffff" in text and "]]> \\x0c" in text
