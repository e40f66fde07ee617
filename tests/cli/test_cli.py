"""The CLI through Typer's runner and as a real ``dvh`` process: exit codes, output, errors."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from tests.conftest import ROOT, SAMPLES, SCHEMAS

runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, [*args], env={"DVH_SCHEMAS_DIR": str(SCHEMAS), "COLUMNS": "120"})


@pytest.mark.parametrize(("file", "schema", "code"), [
    ("orders_valid.csv", "orders", 0),
    ("orders_valid.parquet", "orders", 0),
    ("orders_invalid.csv", "orders", 1),
    ("payments_valid.csv", "payments", 0),
    ("payments_valid.parquet", "payments", 0),
    ("payments_invalid.csv", "payments", 1),
])
def test_exit_codes_on_samples(file, schema, code):
    result = invoke("validate", str(SAMPLES / file), "--schema", schema)
    assert result.exit_code == code, result.output


def test_json_is_the_report(tmp_path):
    result = invoke("validate", str(SAMPLES / "orders_invalid.csv"), "--schema", "orders",
                    "--format", "json", "--max-errors", "4")
    body = json.loads(result.stdout)
    assert result.exit_code == 1
    assert body["error_count"] == 26 and len(body["detail"]) == 4 and body["truncated"]
    assert body["id"] is None and body["schema"]["name"] == "orders"


def test_output_writes_file(tmp_path):
    out = tmp_path / "r.json"
    result = invoke("validate", str(SAMPLES / "orders_valid.csv"), "--schema", "orders",
                    "--format", "json", "--output", str(out))
    assert result.exit_code == 0
    assert json.loads(out.read_text())["valid"] is True


def test_table_view_shows_summary_columns_and_first_errors():
    result = invoke("validate", str(SAMPLES / "orders_invalid.csv"), "--schema", "orders")
    out = result.stdout
    assert "✗ orders_invalid.csv" in out and "26 errors" in out
    assert "errors by column" in out and "int_parsing" in out
    assert "row 2 (line 4)" in out and "'abc'" in out
    assert "10 of 26 errors shown" in out


def test_table_escapes_markup_from_data(tmp_path):
    path = tmp_path / "evil.csv"
    shutil.copy(SAMPLES / "orders_valid.csv", path)
    with path.open("a") as fh:
        fh.write("9,[bold red]x[/],DE,1,1,paid,2026-01-01,,,\n")
    result = invoke("validate", str(path), "--schema", "orders")
    assert result.exit_code == 1
    assert "[bold red]x[/]" in result.stdout


@pytest.mark.parametrize(("args", "code", "needle"), [
    (["validate", "missing.csv", "--schema", "orders"], 3, "no such file"),
    (["validate", str(SAMPLES / "orders_valid.csv"), "--schema", "nope"], 2, "unknown schema"),
    (["validate", str(SAMPLES / "orders_valid.csv"), "--schema", "orders", "--format", "xml"],
     2, "xml"),
    (["validate", str(ROOT / "README.md"), "--schema", "orders"], 3, "format"),
])
def test_errors_are_one_line_with_exit_code(args, code, needle):
    result = invoke(*args)
    assert result.exit_code == code, result.output
    assert needle in result.output
    assert "Traceback" not in result.output


def test_schema_commands():
    listed = invoke("schema", "list")
    assert listed.exit_code == 0 and "orders" in listed.stdout and "payments" in listed.stdout
    shown = invoke("schema", "show", "payments")
    assert shown.exit_code == 0
    assert "Payment ID" in shown.stdout and "primary_key" in shown.stdout
    assert "decimal_places=2" in shown.stdout
    exported = invoke("schema", "export", "orders")
    doc = json.loads(exported.stdout)
    assert doc["title"] == "Order" and doc["x-dvh"]["rules"]["unique"] == ["order_id"]
    explained = invoke("schema", "explain", "orders")
    assert explained.exit_code == 0 and "order_id" in explained.stdout


def test_schema_list_reports_broken_module(tmp_path):
    shutil.copy(SCHEMAS / "orders.py", tmp_path / "orders.py")
    (tmp_path / "broken.py").write_text("raise RuntimeError('boom')\n")
    result = runner.invoke(app, ["schema", "list", "--schemas-dir", str(tmp_path)])
    assert result.exit_code == 2
    assert "orders" in result.stdout and "broken" in result.stdout and "boom" in result.stdout


def test_report_commands_read_the_local_store(tmp_path):
    from hub.registry import Registry
    from hub.store import ReportStore
    from hub.validate import validate

    db = tmp_path / "r.db"
    store = ReportStore(db)
    stored = store.add(validate(SAMPLES / "orders_invalid.csv", Registry(SCHEMAS).get("orders")))
    listed = invoke("report", "list", "--db", str(db), "--json")
    assert json.loads(listed.stdout)["items"][0]["id"] == stored.id
    shown = invoke("report", "show", stored.id, "--db", str(db), "--json")
    assert json.loads(shown.stdout)["error_count"] == 26
    missing = invoke("report", "show", "NOPE", "--db", str(db))
    assert missing.exit_code == 2 and "no report" in missing.output


def test_real_dvh_process():
    """The installed console script, as a user runs it."""
    dvh = shutil.which("dvh", path=str(Path(sys.executable).parent)) or "dvh"
    env = {**os.environ, "DVH_SCHEMAS_DIR": str(SCHEMAS)}
    ok = subprocess.run([dvh, "validate", str(SAMPLES / "payments_valid.csv"), "-s",
                         "payments"], capture_output=True, text=True, env=env, timeout=60)
    assert ok.returncode == 0, ok.stderr
    bad = subprocess.run([dvh, "validate", str(SAMPLES / "payments_invalid.csv"), "-s",
                          "payments", "--format", "json"], capture_output=True, text=True,
                         env=env, timeout=60)
    assert bad.returncode == 1 and json.loads(bad.stdout)["valid"] is False
    gone = subprocess.run([dvh, "validate", "nope.csv", "-s", "payments"], capture_output=True,
                          text=True, env=env, timeout=60)
    assert gone.returncode == 3
    assert gone.stderr.strip().count("\n") == 0 and "Traceback" not in gone.stderr


@pytest.mark.parametrize(("command", "wanted"), [
    (("validate",), "[default: $DVH_SCHEMAS_DIR"),
    (("serve",), "[default: cores + 2]"),
    (("keys", "create"), "[default: the hub's]"),
])
def test_help_keeps_the_default_it_explains(command, wanted):
    """Typer renders help as rich markup, where an unescaped "[default: ...]" is a style tag
    and vanishes: the help then said "Folder of schema modules ." with no default."""
    result = runner.invoke(app, [*command, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert wanted in " ".join(result.output.split()), result.output


@pytest.mark.parametrize("args", [
    ["validate", "--help"],
    ["validate"],
    ["validate", "--bogus", "x.csv"],
    ["validate", "x.csv", "--format", "yaml"],
])
def test_the_validate_only_app_reads_like_the_whole_one(args, tmp_path):
    """``dvh validate`` runs on an app that knows only that command (cli.main.validate_app,
    ~35 ms less start-up); its help, usage and errors must not change."""
    from cli.main import validate_app

    env = {"COLUMNS": "120", "DVH_SCHEMAS_DIR": str(tmp_path)}
    whole = runner.invoke(app, args, env=env)
    only = runner.invoke(validate_app(), args, env=env)
    assert (only.exit_code, only.output) == (whole.exit_code, whole.output)
    assert whole.exit_code in (0, 2) and "validate" in whole.output
