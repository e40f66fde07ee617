"""The gate: thresholds flip the exit code exactly at their boundary, severities declared in the
schema turn failures into warnings, and the report says what decided."""

from __future__ import annotations

import json

import pytest

from hub.checks import SchemaChecks, classify
from hub.gate import Policy, decide, gate
from hub.registry import Registry
from hub.validate import validate
from tests.cli.ci_helpers import grid_rows, invoke, write_csv, write_schema
from tests.conftest import SAMPLES, SCHEMAS


def _json(result) -> dict:
    return json.loads(result.stdout)


@pytest.mark.parametrize(("bad", "rate", "code"), [
    (29, "0.29", 0), (30, "0.29", 1),   # 0.29 * 100 is 28.999... in binary floats
    (7, "0.07", 0), (8, "0.07", 1),
    (0, "0", 0), (1, "0", 1),
    (100, "1", 0),
])
def test_max_error_rate_flips_exactly_at_the_boundary(tmp_path, bad, rate, code):
    schemas = write_schema(tmp_path / "schemas")
    data = write_csv(tmp_path / "d.csv", grid_rows(100, bad_code=bad))
    result = invoke("validate", str(data), "-s", "grid", "--max-error-rate", rate,
                    "--format", "json", schemas=schemas)
    assert result.exit_code == code, result.output
    verdict = _json(result)["verdict"]
    assert verdict["passed"] is (code == 0)
    assert verdict["invalid_rows"] == bad and verdict["exact"] is True
    if bad:
        assert verdict["decided_by"] == "max_error_rate"
        assert rate in verdict["reason"]


@pytest.mark.parametrize(("bad", "total", "code"), [(5, 5, 0), (6, 5, 1), (0, 0, 0), (1, 0, 1)])
def test_max_errors_total_flips_exactly_at_the_boundary(tmp_path, bad, total, code):
    schemas = write_schema(tmp_path / "schemas")
    data = write_csv(tmp_path / "d.csv", grid_rows(20, bad_code=bad))
    result = invoke("validate", str(data), "-s", "grid", "--max-errors-total", str(total),
                    "--format", "json", schemas=schemas)
    assert result.exit_code == code, result.output
    verdict = _json(result)["verdict"]
    assert verdict["errors"] == bad
    assert verdict["decided_by"] == ("max_errors_total" if bad else "no_errors")


def test_both_thresholds_the_first_exceeded_decides(tmp_path):
    schemas = write_schema(tmp_path / "schemas")
    data = write_csv(tmp_path / "d.csv", grid_rows(100, bad_code=10))
    args = ("validate", str(data), "-s", "grid", "--format", "json")
    by_total = invoke(*args, "--max-error-rate", "0.5", "--max-errors-total", "9",
                      schemas=schemas)
    assert by_total.exit_code == 1 and _json(by_total)["verdict"]["decided_by"] == \
        "max_errors_total"
    by_rate = invoke(*args, "--max-error-rate", "0.09", "--max-errors-total", "10",
                     schemas=schemas)
    assert by_rate.exit_code == 1 and _json(by_rate)["verdict"]["decided_by"] == "max_error_rate"
    both_ok = invoke(*args, "--max-error-rate", "0.1", "--max-errors-total", "10",
                     schemas=schemas)
    assert both_ok.exit_code == 0
    assert "<= --max-errors-total 10" in _json(both_ok)["verdict"]["reason"]


def test_a_rate_does_not_tolerate_a_wrong_header_or_row_count(tmp_path):
    schemas = write_schema(tmp_path / "schemas", rules="min_rows=500")
    data = write_csv(tmp_path / "d.csv", grid_rows(100))
    rate = invoke("validate", str(data), "-s", "grid", "--max-error-rate", "1",
                  "--format", "json", schemas=schemas)
    assert rate.exit_code == 1
    assert _json(rate)["verdict"]["decided_by"] == "errors"
    total = invoke("validate", str(data), "-s", "grid", "--max-errors-total", "1",
                   schemas=schemas)
    assert total.exit_code == 0  # a count of failures tolerates any kind


def test_warnings_pass_unless_fail_on_warning(tmp_path):
    schemas = write_schema(tmp_path / "schemas", warn_note=True)
    data = write_csv(tmp_path / "d.csv", grid_rows(50, long_note=4))
    ok = invoke("validate", str(data), "-s", "grid", "--format", "json", schemas=schemas)
    assert ok.exit_code == 0, ok.output
    body = _json(ok)
    assert body["valid"] is True  # valid: no failure of error severity; warnings are reported
    assert (body["invalid_rows"], body["warning_rows"]) == (0, 4)
    assert body["warning_count"] == 4 and body["verdict"]["decided_by"] == "no_errors"
    assert {item["severity"] for item in body["detail"]} == {"warning"}
    note = next(c for c in body["checks"] if c == {**c, "kind": "column", "name": "note"})
    assert note["status"] == "warning" and note["warnings"] == 4 and note["errors"] == 0
    strict = invoke("validate", str(data), "-s", "grid", "--format", "json", "--fail-on",
                    "warning", schemas=schemas)
    assert strict.exit_code == 1
    assert _json(strict)["verdict"]["decided_by"] == "fail_on_warning"


def test_rate_counts_only_rows_with_errors_exactly_whatever_the_cap(tmp_path):
    schemas = write_schema(tmp_path / "schemas", warn_note=True)
    data = write_csv(tmp_path / "d.csv", grid_rows(100, bad_code=5, long_note=10))
    args = ("validate", str(data), "-s", "grid", "--format", "json")
    ok = invoke(*args, "--max-error-rate", "0.05", schemas=schemas)
    assert ok.exit_code == 0, ok.output
    verdict = _json(ok)["verdict"]
    assert (verdict["invalid_rows"], verdict["exact"], verdict["warnings"]) == (5, True, 10)
    assert (_json(ok)["invalid_rows"], _json(ok)["warning_rows"]) == (5, 10)  # the engine's
    assert invoke(*args, "--max-error-rate", "0.04", schemas=schemas).exit_code == 1
    # warnings count too with --fail-on warning: 15 rows
    strict = invoke(*args, "--max-error-rate", "0.15", "--fail-on", "warning", schemas=schemas)
    assert strict.exit_code == 0 and _json(strict)["verdict"]["invalid_rows"] == 15
    assert invoke(*args, "--max-error-rate", "0.14", "--fail-on", "warning",
                  schemas=schemas).exit_code == 1
    # a capped detail changes nothing: the engine counted warning rows as it found them
    capped = invoke(*args, "--max-error-rate", "0.05", "--max-errors", "3", schemas=schemas)
    verdict = _json(capped)["verdict"]
    assert capped.exit_code == 0, capped.output
    assert _json(capped)["truncated"] is True
    assert (verdict["invalid_rows"], verdict["exact"]) == (5, True)
    assert "upper bound" not in verdict["reason"]


def test_an_older_hubs_truncated_report_is_judged_on_an_upper_bound(tmp_path):
    """Without ``warning_rows`` (a hub before exact severity), a capped report mixing warnings
    and errors cannot tell warning rows apart: the gate says so and errs on failing."""
    entry = Registry(write_schema(tmp_path / "s", warn_note=True)).get("grid")
    data = write_csv(tmp_path / "d.csv", grid_rows(100, bad_code=5, long_note=10))
    report = validate(data, entry, max_errors=3).to_json_dict()
    older = {k: v for k, v in report.items() if k not in ("warning_rows", "warning_count")}
    older["invalid_rows"] = 15  # older hubs counted every failing row
    older["detail"] = [{k: v for k, v in it.items() if k != "severity"} for it in older["detail"]]
    out = gate(older, SchemaChecks.from_entry(entry), Policy(max_error_rate=0.05))
    assert (out["verdict"]["invalid_rows"], out["verdict"]["exact"]) == (15, False)
    assert not out["verdict"]["passed"] and "upper bound" in out["verdict"]["reason"]


@pytest.mark.parametrize(("rule", "rows", "kind"), [
    ("unique", grid_rows(10, dup=2), "unique"),
    ("row_count", grid_rows(3), "row_count"),
])
def test_dataset_rules_declared_as_warnings(tmp_path, rule, rows, kind):
    schemas = write_schema(tmp_path / "schemas", rules=f"min_rows=5, warn=({rule!r},)")
    data = write_csv(tmp_path / "d.csv", rows)
    result = invoke("validate", str(data), "-s", "grid", "--format", "json", schemas=schemas)
    assert result.exit_code == 0, result.output
    body = _json(result)
    assert body["error_count"] == body["warning_count"] > 0
    check = next(c for c in body["checks"] if c["kind"] == kind)
    assert check["status"] == "warning"


def test_extra_column_as_a_warning_and_as_an_error(tmp_path):
    data = write_csv(tmp_path / "d.csv", [[1, "A", "ok", "x"]], ("id", "code", "note", "extra"))
    warn = write_schema(tmp_path / "w", rules="warn=('columns',)")
    assert invoke("validate", str(data), "-s", "grid", schemas=warn).exit_code == 0
    err = write_schema(tmp_path / "e")
    result = invoke("validate", str(data), "-s", "grid", "--format", "json",
                    "--max-errors-total", "0", schemas=err)  # a gate option: checks in JSON
    assert result.exit_code == 1
    columns = next(c for c in _json(result)["checks"] if c["kind"] == "columns")
    assert columns["errors"] == 1 and "extra" in columns["note"]


def test_unknown_warn_rule_is_a_schema_error(tmp_path):
    schemas = write_schema(tmp_path / "schemas", rules="warn=('uniq',)")
    data = write_csv(tmp_path / "d.csv", grid_rows(3))
    result = invoke("validate", str(data), "-s", "grid", schemas=schemas)
    assert result.exit_code == 2
    assert "uniq" in result.output and "Traceback" not in result.output


def test_severity_is_part_of_the_contract_but_absent_when_undeclared(tmp_path):
    plain = Registry(write_schema(tmp_path / "a")).get("grid")
    warned = Registry(write_schema(tmp_path / "b", warn_note=True)).get("grid")
    assert "warn_columns" not in plain.describe()["rules"]
    assert warned.describe()["rules"]["warn_columns"] == ["note"]
    assert plain.fingerprint != warned.fingerprint


@pytest.mark.parametrize(("file", "schema"), [("orders_invalid.csv", "orders"),
                                              ("payments_invalid.csv", "payments")])
def test_checks_account_for_every_failure(registry, file, schema):
    entry = registry.get(schema)
    report = validate(SAMPLES / file, entry, max_errors=0).to_json_dict()
    out = classify(report, SchemaChecks.from_entry(entry))
    assert sum(c["errors"] + c["warnings"] for c in out["checks"]) == report["error_count"]
    assert {c["kind"] for c in out["checks"]} >= {"columns", "column", "unique"}
    assert out["warning_count"] == 0
    assert all(c["kind"] != "other" for c in out["checks"])


def test_warning_count_matches_tagged_items_and_checks_on_a_sample(registry):
    entry = registry.get("payments")
    checks = SchemaChecks.from_entry(entry)
    warn = SchemaChecks(checks.columns, checks.unique, checks.primary_key, checks.row_count,
                        warn_columns=frozenset({"Payment ID", "amount"}),
                        warn_rules=frozenset({"primary_key"}))
    report = validate(SAMPLES / "payments_invalid.csv", entry, max_errors=0).to_json_dict()
    out = gate(report, warn, Policy())
    tagged = sum(1 for item in out["detail"] if item.get("severity") == "warning")
    assert out["warning_count"] == tagged == sum(c["warnings"] for c in out["checks"])
    by_kind = {(c["kind"], c["name"]): c for c in out["checks"]}
    assert by_kind[("unique", "Payment ID")]["status"] == "warning"  # Warn() column covers it
    assert by_kind[("primary_key", "order_id,attempt")]["status"] == "warning"
    assert out["verdict"]["errors"] == report["error_count"] - tagged


def test_decide_is_pure_and_the_policy_is_validated():
    report = {"rows": 10, "invalid_rows": 0, "error_count": 0, "valid": True}
    before = dict(report)
    assert decide(report, Policy())["passed"] is True and report == before
    with pytest.raises(ValueError, match="max_error_rate"):
        Policy(max_error_rate=1.5)


def test_bad_threshold_flags_are_usage_errors():
    data = str(SAMPLES / "orders_valid.csv")
    for flag, value in (("--max-error-rate", "2"), ("--max-errors-total", "-1"),
                        ("--fail-on", "info")):
        result = invoke("validate", data, "-s", "orders", flag, value)
        assert result.exit_code == 2, (flag, result.output)


def test_plain_json_stays_the_api_report(registry):
    """No gate option, no declared warning: ``--format json`` is the engine's report exactly."""
    result = invoke("validate", str(SAMPLES / "orders_invalid.csv"), "-s", "orders",
                    "--format", "json", "--schemas-dir", str(SCHEMAS))
    core = validate(SAMPLES / "orders_invalid.csv", registry.get("orders")).to_json_dict()
    assert result.exit_code == 1 and json.loads(result.stdout) == core


def test_checks_from_a_hub_description_with_and_without_headers(registry):
    desc = registry.get("payments").describe()
    with_headers = SchemaChecks.from_description(desc)
    assert with_headers.unique == ("Payment ID",)
    assert with_headers.primary_key == "order_id,attempt"
    older_hub = {k: v for k, v in desc.items() if k != "headers"}
    fallback = SchemaChecks.from_description(older_hub)
    assert "Payment ID" in fallback.columns  # JSON Schema keys are the aliases


def test_failures_under_an_unknown_key_are_kept_as_other_checks():
    report = {"rows": 2, "invalid_rows": 1, "error_count": 3, "valid": False,
              "truncated": False, "detail": [],
              "errors_by_column": {"a": {"errors": 1, "by_type": {"int_parsing": 1}},
                                   "mystery": {"errors": 2, "by_type": {"new_rule": 2}}}}
    out = gate(report, SchemaChecks(columns=("a",)), Policy())
    other = next(c for c in out["checks"] if c["kind"] == "other")
    assert (other["name"], other["errors"]) == ("mystery", 2)
    assert out["verdict"]["errors"] == 3 and not out["verdict"]["passed"]
