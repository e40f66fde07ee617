"""Warnings and thresholds on a capped report, through the CLI and a real hub: the rate counts
rows with an error only, exactly, whatever ``--max-errors``; warnings alone exit 0 (1 with
``--fail-on warning``) and the hub answers 200 (422) for the same, storing the verdict."""

from __future__ import annotations

import json
import time

import httpx
import pytest

from tests.cli.ci_helpers import invoke, write_csv, write_schema
from tests.conftest import assert_problem
from tests.server.hubproc import hub

N = 60


def _mixed_rows() -> list[list[object]]:
    """60 rows: a bad code (error) every 4th, a long note (warning) every 3rd. Error rows: 15
    (0.25); warning-only rows: multiples of 3 that are not of 4: 15 (0.5 with both)."""
    return [[i, "X" if i % 4 == 0 else "A", "long" if i % 3 == 0 else "ok"] for i in range(N)]


def _warn_only_rows() -> list[list[object]]:
    return [[i, "A", "long" if i % 2 else "ok"] for i in range(10)]


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    root = tmp_path_factory.mktemp("sev")
    schemas = write_schema(root / "schemas", warn_note=True)
    return {"schemas": schemas, "root": root,
            "mixed": write_csv(root / "mixed.csv", _mixed_rows()),
            "warn": write_csv(root / "warn.csv", _warn_only_rows())}


@pytest.fixture(scope="module")
def grid(files):
    """A real hub on 127.0.0.1 serving the Warn() schema."""
    with hub(files["root"], schemas=files["schemas"]) as h:
        yield h["url"]


def _cli(files, file: str, *args: str):
    result = invoke("validate", str(files[file]), "-s", "grid", "--format", "json",
                    "--max-errors", "1", *args, schemas=files["schemas"])
    return result.exit_code, json.loads(result.stdout)


@pytest.mark.parametrize(("args", "code", "counted"), [
    (("--max-error-rate", "0.25"), 0, 15),
    (("--max-error-rate", "0.24"), 1, 15),
    (("--max-error-rate", "0.5", "--fail-on", "warning"), 0, 30),
    (("--max-error-rate", "0.49", "--fail-on", "warning"), 1, 30),
])
def test_rate_flips_exactly_at_the_boundary_of_error_rows_on_a_capped_report(files, args, code,
                                                                            counted):
    exit_code, body = _cli(files, "mixed", *args)
    assert exit_code == code, body["verdict"]
    assert body["truncated"] is True and len(body["detail"]) == 1
    assert (body["invalid_rows"], body["warning_rows"], body["warning_count"]) == (15, 15, 20)
    verdict = body["verdict"]
    assert (verdict["invalid_rows"], verdict["exact"]) == (counted, True)
    assert verdict["decided_by"] == "max_error_rate"
    assert verdict["passed"] is (code == 0)


def test_warnings_only_exit_0_and_1_with_fail_on_warning(files):
    code, body = _cli(files, "warn")
    assert code == 0 and body["valid"] is True and body["verdict"]["passed"] is True
    assert (body["invalid_rows"], body["warning_rows"]) == (0, 5)
    strict, body = _cli(files, "warn", "--fail-on", "warning")
    assert strict == 1 and body["verdict"]["decided_by"] == "fail_on_warning"


def _post(base: str, path, **params) -> httpx.Response:
    return httpx.post(f"{base}/schemas/grid/validate", content=path.read_bytes(),
                      params={"filename": path.name, **params},
                      headers={"content-type": "text/csv"}, timeout=60)


@pytest.mark.parametrize(("file", "params", "status"), [
    ("warn", {}, 200),
    ("warn", {"fail_on": "warning"}, 422),
    ("mixed", {"max_errors": 1, "max_error_rate": 0.25}, 200),
    ("mixed", {"max_errors": 1, "max_error_rate": 0.24}, 422),
    ("mixed", {"max_errors": 1, "max_error_rate": 0.5, "fail_on": "warning"}, 200),
    ("mixed", {"max_errors": 1, "max_errors_total": 4}, 422),
    ("mixed", {}, 422),
])
def test_the_hub_answers_with_the_verdict_and_stores_it(files, grid, file, params, status):
    response = _post(grid, files[file], **params)
    assert response.status_code == status, response.text
    body = response.json()
    assert body["verdict"]["passed"] is (status == 200)
    assert body["verdict"]["fail_on"] == params.get("fail_on", "error")
    stored = httpx.get(f"{grid}/reports/{body['id']}", timeout=10).json()
    assert stored["verdict"] == body["verdict"] and stored["checks"] == body["checks"]
    # the CLI with the same policy, against the same hub, exits as the hub answered
    args = [f"--{k.replace('_', '-')}={v}" for k, v in params.items() if k != "max_errors"]
    result = invoke("validate", str(files[file]), "-s", "grid", "--server", grid,
                    "--max-errors", str(params.get("max_errors", 100)), *args)
    assert result.exit_code == (0 if status == 200 else 1), result.output


def test_a_background_job_stores_the_verdict_too(files, grid):
    response = _post(grid, files["warn"], wait="false", fail_on="warning")
    assert response.status_code == 202
    location = response.headers["Location"]
    for _ in range(200):
        got = httpx.get(f"{grid}{location}", timeout=10)
        if got.status_code == 200:
            break
        time.sleep(0.05)
    assert got.status_code == 200
    assert got.json()["verdict"]["passed"] is False
    assert got.json()["verdict"]["decided_by"] == "fail_on_warning"


def test_bad_gate_parameters_are_problems(files, grid):
    assert_problem(_post(grid, files["warn"], max_error_rate=2), 400, "less_than_equal")
    assert_problem(_post(grid, files["warn"], fail_on="info"), 400, "literal_error")


@pytest.mark.parametrize("policy", [(), ("--max-error-rate", "0.25")])
def test_parity_cli_json_api_body_and_server_mode_with_warnings(files, grid, policy):
    """With declared warnings the API body carries the gate's fields: it equals the CLI's
    local JSON and its ``--server`` JSON, item for item (the stored id aside)."""
    local = invoke("validate", str(files["mixed"]), "-s", "grid", "--format", "json",
                   "--max-errors", "3", *policy, schemas=files["schemas"])
    remote = invoke("validate", str(files["mixed"]), "-s", "grid", "--format", "json",
                    "--max-errors", "3", "--server", grid, *policy)
    params = {"max_errors": 3, **({"max_error_rate": 0.25} if policy else {})}
    api = _post(grid, files["mixed"], **params).json()

    def strip(body: dict) -> dict:
        return {k: v for k, v in body.items() if k != "id"}

    assert strip(json.loads(local.stdout)) == strip(api) == strip(json.loads(remote.stdout))
    assert all(item["severity"] in ("error", "warning") for item in api["detail"])
    assert local.exit_code == remote.exit_code == (0 if policy else 1)
