"""Several outputs in one run, ``--output`` as before, clear errors for unwritable outputs, and
``--server``: a pipeline uploads to a real hub and gates on its report with the same formats and
exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import httpx
import pytest

from hub.renderers.escape import one_line
from tests.cli.ci_helpers import HOSTILE, grid_rows, invoke, write_csv, write_schema
from tests.conftest import ROOT, SAMPLES, free_port, wait_healthy


def test_several_formats_at_once(tmp_path):
    out = {name: tmp_path / "out" / name for name in ("r.json", "r.xml", "r.md", "r.gh")}
    out["r.json"].parent.mkdir()
    result = invoke("validate", str(SAMPLES / "orders_invalid.csv"), "-s", "orders",
                    "--format", "table", "--output-json", str(out["r.json"]),
                    "--output-junit", str(out["r.xml"]), "--output-markdown", str(out["r.md"]),
                    "--output-github", str(out["r.gh"]))
    assert result.exit_code == 1
    assert "✗ orders_invalid.csv" in result.stdout  # the table on stdout
    assert json.loads(out["r.json"].read_text())["error_count"] == 26
    assert ET.parse(out["r.xml"]).getroot().get("failures") == "13"
    assert out["r.md"].read_text().startswith("### ❌ ")
    assert out["r.gh"].read_text().count("::error ") == 27


def test_output_still_writes_the_main_format(tmp_path):
    out = tmp_path / "report.xml"
    result = invoke("validate", str(SAMPLES / "payments_valid.csv"), "-s", "payments",
                    "--format", "junit", "-o", str(out))
    assert result.exit_code == 0 and result.stdout == ""
    assert ET.parse(out).getroot().tag == "testsuites"


def test_an_output_that_cannot_be_written_is_a_usage_error(tmp_path):
    result = invoke("validate", str(SAMPLES / "orders_valid.csv"), "-s", "orders",
                    "--output-junit", str(tmp_path / "no" / "such" / "dir" / "r.xml"))
    assert result.exit_code == 2
    assert "cannot write" in result.stderr and "Traceback" not in result.output


def test_table_shows_the_gate_when_a_threshold_decides(tmp_path):
    schemas = write_schema(tmp_path / "s")
    data = write_csv(tmp_path / "d.csv", grid_rows(100, bad_code=1))
    result = invoke("validate", str(data), "-s", "grid", "--max-error-rate", "0.01",
                    schemas=schemas)
    assert result.exit_code == 0
    assert "✓ d.csv  passed" in result.stdout
    assert "gate: passed · decided by max_error_rate: error rate 1.00% (1 of 100 rows) <= " \
        "--max-error-rate 0.01" in result.stdout
    assert "exit 0" in result.stdout


def test_several_files_through_the_pre_commit_entry(tmp_path):
    """``dvh-pre-commit`` as a process: one JUnit suite per file, JSON with a summary, worst
    exit code, an unreadable file reported on stderr while the others still run."""
    exe = str(Path(sys.executable).parent / "dvh-pre-commit")
    junit = tmp_path / "r.xml"
    files = [SAMPLES / "orders_valid.csv", SAMPLES / "orders_invalid.csv",
             tmp_path / "gone.csv", SAMPLES / "orders_valid.parquet"]
    proc = subprocess.run([exe, "--schema", "orders", "--schemas-dir", str(ROOT / "schemas"),
                           "--format", "json", "--output-junit", str(junit),
                           *map(str, files)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 3, proc.stderr
    assert proc.stderr.count("dvh: error:") == 1 and "gone.csv" in proc.stderr
    body = json.loads(proc.stdout)
    assert body["summary"] == {"files": 3, "passed": 2, "failed": 1, "exit_code": 3}
    suites = ET.parse(junit).getroot().findall("testsuite")
    assert [s.get("name").rsplit("/", 1)[-1] for s in suites] == [
        "orders_valid.csv", "orders_invalid.csv", "orders_valid.parquet"]


@pytest.fixture
def grid_hub(tmp_path):
    """A real hub on 127.0.0.1 serving a schema with an alias, a Warn() column and rules."""
    schemas = tmp_path / "schemas"
    schemas.mkdir()
    (schemas / "grid.py").write_text(
        "from typing import Annotated, ClassVar, Literal\n"
        "from pydantic import BaseModel, Field\n"
        "from hub.rules import DatasetRules, Unique, Warn\n"
        "class Row(BaseModel):\n"
        "    dvh_rules: ClassVar[DatasetRules] = DatasetRules(warn=('unique',))\n"
        "    id: Annotated[int, Unique()] = Field(alias='Row ID')\n"
        "    code: Literal['A', 'B']\n"
        "    note: Annotated[str, Field(max_length=3), Warn()] = ''\n")
    port = free_port()
    cmd = [sys.executable, "-m", "cli.main", "serve", "--host", "127.0.0.1", "--port",
           str(port), "--schemas-dir", str(schemas), "--db", str(tmp_path / "hub.db")]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(base, proc)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def test_server_mode_gates_on_the_hubs_report_with_the_schemas_severities(tmp_path, grid_hub):
    rows = [[0, "A", "long"], [0, "A", "ok"], [2, "X", "ok"], [3, "B", "ok"]]
    data = write_csv(tmp_path / "d.csv", rows, ("Row ID", "code", "note"))
    args = ("validate", str(data), "-s", "grid", "--server", grid_hub)
    strict = invoke(*args, "--format", "json", "--max-errors-total", "0")
    assert strict.exit_code == 1
    body = json.loads(strict.stdout)
    assert body["id"] and body["warning_count"] == 2  # the long note and the duplicate id
    assert body["verdict"]["errors"] == 1 and body["verdict"]["decided_by"] == \
        "max_errors_total"
    kinds = {(c["kind"], c["name"]): c["status"] for c in body["checks"]}
    assert kinds[("unique", "Row ID")] == "warning" and kinds[("column", "code")] == "failed"
    tolerant = invoke(*args, "--format", "junit", "--max-errors-total", "1")
    assert tolerant.exit_code == 0
    suite = ET.fromstring(tolerant.stdout).find("testsuite")
    assert suite.find("properties/property[@name='report_id']") is not None
    stored = httpx.get(f"{grid_hub}/reports", timeout=10).json()
    assert stored["total"] == 2  # each run uploaded once and the hub kept it
    warned = invoke(*args, "--fail-on", "warning", "--max-errors-total", "1")
    assert warned.exit_code == 1


def test_server_mode_with_the_shared_live_server(live_server):
    base = live_server["url"]
    gh = invoke("validate", str(SAMPLES / "orders_invalid.csv"), "-s", "orders", "--server",
                base, "--format", "github", "--max-errors-total", "26")
    assert gh.exit_code == 0 and gh.stdout.rstrip().splitlines()[-1].startswith("::notice ")
    md = invoke("validate", str(SAMPLES / "orders_valid.parquet"), "-s", "orders", "--server",
                base, "--format", "markdown")
    assert md.exit_code == 0 and md.stdout.startswith("### ✅ ")
    unknown = invoke("validate", str(SAMPLES / "orders_valid.csv"), "-s", "nope", "--server",
                     base, "--format", "junit")
    assert unknown.exit_code == 2 and unknown.stdout == ""
    missing = invoke("validate", str(SAMPLES / "nope.csv"), "-s", "orders", "--server", base)
    assert missing.exit_code == 3


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_values_in_the_table_and_in_json(tmp_path, value):
    schemas = write_schema(tmp_path / "s")
    data = write_csv(tmp_path / "d.csv", [[0, value, "ok"]])
    table = invoke("validate", str(data), "-s", "grid", schemas=schemas)
    assert table.exit_code == 1
    assert not any(ch in table.stdout for ch in "\x01\x0b\x1b\r\t")  # no terminal injection
    assert one_line(value)[:12] in table.stdout  # markup shown literally, not interpreted
    body = json.loads(invoke("validate", str(data), "-s", "grid", "--format", "json",
                             schemas=schemas).stdout)
    assert body["detail"][0]["input"] == value  # JSON carries the exact value, escaped


def test_annotations_use_paths_relative_to_the_github_workspace(tmp_path):
    data = tmp_path / "drops" / "orders.csv"
    data.parent.mkdir()
    data.write_bytes((SAMPLES / "orders_invalid.csv").read_bytes())
    result = invoke("validate", str(data), "-s", "orders", "--format", "github",
                    env={"GITHUB_WORKSPACE": str(tmp_path)})
    assert result.stdout.startswith("::error file=drops/orders.csv,line=1,")
