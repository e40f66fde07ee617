"""``dvh schema infer | new | check | diff | add | export``: files written, exit codes, output."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from tests.conftest import SAMPLES, SCHEMAS

runner = CliRunner()


def dvh(*args: str, schemas: Path | None = None):
    env = {"COLUMNS": "200", "DVH_SCHEMAS_DIR": str(schemas or SCHEMAS)}
    return runner.invoke(app, [*args], env=env)


# -- infer ------------------------------------------------------------------------------------

def test_infer_writes_a_schema_the_sample_passes(tmp_path):
    result = dvh("schema", "infer", str(SAMPLES / "payments_valid.csv"), "--name", "pay",
                 "--ranges", schemas=tmp_path)
    assert result.exit_code == 0, result.output
    module = tmp_path / "pay.py"
    assert "payment_id: UUID = Field(alias=\"Payment ID\")" in module.read_text()
    assert "9 fields" in result.output
    checked = dvh("validate", str(SAMPLES / "payments_valid.csv"), "--schema", "pay",
                  schemas=tmp_path)
    assert checked.exit_code == 0, checked.output
    again = dvh("schema", "infer", str(SAMPLES / "payments_valid.csv"), "--name", "pay",
                schemas=tmp_path)
    assert again.exit_code == 2 and "--force" in again.output
    forced = dvh("schema", "infer", str(SAMPLES / "payments_valid.csv"), "--name", "pay",
                 "--force", schemas=tmp_path)
    assert forced.exit_code == 0


def test_infer_to_stdout_and_to_out(tmp_path):
    printed = dvh("schema", "infer", str(SAMPLES / "orders_valid.parquet"), "-n", "orders",
                  "--out", "-")
    assert printed.exit_code == 0 and "class Orders(BaseModel):" in printed.stdout
    out = tmp_path / "deep" / "o.py"
    written = dvh("schema", "infer", str(SAMPLES / "orders_valid.csv"), "-n", "o", "--out",
                  str(out))
    assert written.exit_code == 0 and out.is_file()


@pytest.mark.parametrize(("args", "code", "needle"), [
    (["missing.csv", "--name", "x"], 3, "no such file"),
    ([str(SAMPLES / "orders_valid.csv"), "--name", "bad-name"], 2, "not a valid schema name"),
    ([str(SCHEMAS / "orders.py"), "--name", "x"], 3, "format"),
])
def test_infer_errors_are_one_line(tmp_path, args, code, needle):
    result = dvh("schema", "infer", *args, schemas=tmp_path)
    assert result.exit_code == code and needle in result.output
    assert "Traceback" not in result.output


# -- new --------------------------------------------------------------------------------------

def test_new_scaffold_loads_and_passes_check(tmp_path):
    result = dvh("schema", "new", "customers", schemas=tmp_path)
    assert result.exit_code == 0, result.output
    text = (tmp_path / "customers.py").read_text()
    assert "class Customers(BaseModel):" in text and "# " in text  # commented
    shown = dvh("schema", "show", "customers", schemas=tmp_path)
    assert shown.exit_code == 0 and "Full Name" in shown.stdout
    assert dvh("schema", "check", schemas=tmp_path).exit_code == 0
    assert dvh("schema", "new", "customers", schemas=tmp_path).exit_code == 2


# -- check ------------------------------------------------------------------------------------

BROKEN = {
    "good.py": (SCHEMAS / "orders.py").read_text(),
    "broken.py": "import not_a_module_anywhere\n",
    "badrules.py": (
        "from typing import ClassVar\nfrom pydantic import BaseModel, Field\n"
        "from hub.rules import DatasetRules\n\n"
        "class R(BaseModel):\n"
        "    dvh_rules: ClassVar[DatasetRules] = DatasetRules(primary_key=('Payment ID',))\n"
        "    payment_id: str = Field(alias='Payment ID')\n"),
    "nested.py": (
        "from typing import Any\nfrom pydantic import BaseModel\n\n"
        "class Inner(BaseModel):\n    x: int\n\n"
        "class Outer(BaseModel):\n    inner: Inner\n    anything: Any = None\n"
        "    meta: dict[str, int] = {}\n\n__schema__ = Outer\n"),
    "slow.py": (
        "from pydantic import BaseModel, field_validator\n\n"
        "class S(BaseModel):\n    a: int\n    b: int\n\n"
        "    @field_validator('a')\n    @classmethod\n    def pos(cls, v: int) -> int:\n"
        "        return v\n"),
    "forward.py": "from pydantic import BaseModel\n\nclass F(BaseModel):\n    x: 'Missing'\n",
}


def test_check_reports_every_problem_in_a_folder_with_a_broken_module(tmp_path):
    for name, text in BROKEN.items():
        (tmp_path / name).write_text(text)
    result = dvh("schema", "check", "--format", "json", schemas=tmp_path)
    assert result.exit_code == 1, result.output
    body = json.loads(result.stdout)
    assert body["schemas"] == ["badrules", "broken", "forward", "good", "nested", "slow"]
    found = {(f["schema"], f["field"], f["kind"], f["severity"]) for f in body["findings"]}
    assert ("broken", None, "load_error", "error") in found
    assert ("forward", None, "load_error", "error") in found
    assert ("badrules", "Payment ID", "rule_unknown_field", "error") in found
    assert ("nested", "inner", "unsupported_annotation", "error") in found
    assert ("nested", "meta", "unsupported_annotation", "error") in found
    assert ("nested", "anything", "unknown_annotation", "warning") in found
    assert ("slow", "a", "row_path", "warning") in found
    assert ("slow", "b", "row_path", "warning") in found
    assert not any(f[0] == "good" for f in found)
    hint = next(f["msg"] for f in body["findings"] if f["kind"] == "rule_unknown_field")
    assert "payment_id" in hint
    table = dvh("schema", "check", schemas=tmp_path)
    assert table.exit_code == 1
    assert "6 schemas checked" in table.stdout and "ModuleNotFoundError" in table.stdout


def test_check_passes_on_good_schemas_and_strict_fails_on_warnings(tmp_path):
    assert dvh("schema", "check").exit_code == 0  # the repository's own schemas
    (tmp_path / "slow.py").write_text(BROKEN["slow.py"])
    assert dvh("schema", "check", schemas=tmp_path).exit_code == 0
    assert dvh("schema", "check", "--strict", schemas=tmp_path).exit_code == 1
    missing = dvh("schema", "check", schemas=tmp_path / "nope")
    assert missing.exit_code == 2 and "does not exist" in missing.output


# -- diff -------------------------------------------------------------------------------------

def _variant(tmp_path: Path, name: str, old: str, new: str) -> Path:
    path = tmp_path / name
    text = (SCHEMAS / "orders.py").read_text()
    assert old in text
    path.write_text(text.replace(old, new))
    return path


def test_diff_two_files_breaking_and_compatible(tmp_path):
    orders = SCHEMAS / "orders.py"
    tighter = _variant(tmp_path, "tighter.py", "Field(ge=1, le=1000)", "Field(ge=1, le=100)")
    result = dvh("schema", "diff", str(orders), str(tighter), "--format", "json")
    assert result.exit_code == 1
    body = json.loads(result.stdout)
    assert body["breaking"] == 1
    assert body["changes"][0]["column"] == "quantity"
    assert body["changes"][0]["kind"] == "bound_narrowed"
    looser = _variant(tmp_path, "looser.py", "Field(ge=1, le=1000)", "Field(ge=0, le=1000)")
    ok = dvh("schema", "diff", str(orders), str(looser))
    assert ok.exit_code == 0 and "compatible" in ok.stdout and "bound_widened" in ok.stdout
    same = dvh("schema", "diff", str(orders), "orders")
    assert same.exit_code == 0 and "no changes" in same.stdout


def _git(cwd: Path, *args: str) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True)


def test_diff_against_a_git_revision(tmp_path):
    schemas = tmp_path / "repo" / "contracts"
    schemas.mkdir(parents=True)
    shutil.copy(SCHEMAS / "orders.py", schemas / "orders.py")
    _git(tmp_path / "repo", "init", "-q")
    _git(tmp_path / "repo", "add", ".")
    _git(tmp_path / "repo", "commit", "-qm", "v1")
    text = (schemas / "orders.py").read_text()
    (schemas / "orders.py").write_text(text.replace(
        '"pending", "paid", "shipped", "delivered", "cancelled"',
        '"pending", "paid", "shipped", "delivered"'))
    result = dvh("schema", "diff", "orders@HEAD", schemas=schemas)
    assert result.exit_code == 1, result.output
    assert "values_removed" in result.stdout and "'cancelled'" in result.stdout
    assert dvh("schema", "diff", "orders@HEAD", "orders@HEAD", schemas=schemas).exit_code == 0
    missing = dvh("schema", "diff", "orders@nope", schemas=schemas)
    assert missing.exit_code == 2 and "not found in git" in missing.output


def test_diff_usage_errors():
    result = dvh("schema", "diff", "orders")
    assert result.exit_code == 2 and "NAME@REV" in result.output
    result = dvh("schema", "diff", "no/such.py", "orders")
    assert result.exit_code == 2 and "not a .py or .json file" in result.output


# -- export and add ---------------------------------------------------------------------------

def test_export_then_add_gives_a_declarative_twin(tmp_path):
    exported = dvh("schema", "export", "payments")
    assert exported.exit_code == 0
    doc_path = tmp_path / "payments.json"
    doc_path.write_text(exported.stdout)
    folder = tmp_path / "schemas"
    added = dvh("schema", "add", str(doc_path), "--name", "pay_json", schemas=folder)
    assert added.exit_code == 0, added.output
    assert (folder / "pay_json.json").is_file() and "added schema pay_json" in added.output
    listed = dvh("schema", "list", schemas=folder)
    assert "pay_json" in listed.stdout
    a = dvh("validate", str(SAMPLES / "payments_invalid.csv"), "-s", "payments", "--format",
            "json", "--max-errors", "0")
    b = dvh("validate", str(SAMPLES / "payments_invalid.csv"), "-s", "pay_json", "--format",
            "json", "--max-errors", "0", schemas=folder)
    assert a.exit_code == b.exit_code == 1
    ra, rb = json.loads(a.stdout), json.loads(b.stdout)
    assert ra["detail"] == rb["detail"] and ra["schema"]["fingerprint"] == rb["schema"][
        "fingerprint"]
    again = dvh("schema", "add", str(doc_path), "--name", "pay_json", schemas=folder)
    assert again.exit_code == 2 and "--force" in again.output


def test_add_refuses_what_it_cannot_build(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"properties": {"when": {"type": "string", "format": "email"}}}))
    result = dvh("schema", "add", str(bad), schemas=tmp_path / "s")
    assert result.exit_code == 2 and "property 'when': unsupported format 'email'" in result.output
    assert not (tmp_path / "s" / "bad.json").exists()
    notjson = tmp_path / "x.json"
    notjson.write_text("{nope")
    assert dvh("schema", "add", str(notjson), schemas=tmp_path / "s").exit_code == 3
    shadow = dvh("schema", "add", str(bad), "--name", "orders")
    assert shadow.exit_code == 2 and "orders.py" in shadow.output


def test_export_warns_when_the_json_form_is_lossy(tmp_path):
    (tmp_path / "slow.py").write_text(BROKEN["slow.py"])
    result = dvh("schema", "export", "slow", schemas=tmp_path)
    assert result.exit_code == 0
    assert json.loads(result.stdout)["x-dvh"]["lossy"][0] == "field validator 'pos'"
    assert "warning" in result.output
