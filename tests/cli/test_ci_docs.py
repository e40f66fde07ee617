"""The CI examples in docs/ci/ run as written: their validation scripts pass on sample_data/ and
leave the JUnit files where the publishing step looks for them; a bad drop fails them."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT

DOCS = ROOT / "docs" / "ci"


def _github_script() -> tuple[str, str]:
    flow = yaml.safe_load((DOCS / "github-actions.yml").read_text())
    steps = flow["jobs"]["validate"]["steps"]
    run = next(s["run"] for s in steps if s.get("name") == "Validate sample_data/")
    publish = next(s for s in steps if "junit" in s.get("uses", ""))
    return run, publish["with"]["report_paths"]


def _gitlab_script() -> tuple[str, str]:
    job = yaml.safe_load((DOCS / "gitlab-ci.yml").read_text())["validate-data"]
    script = next(s for s in job["script"] if "dvh validate" in s)
    return script, job["artifacts"]["reports"]["junit"]


def _workspace(tmp: Path) -> Path:
    ws = tmp / "ws"
    shutil.copytree(ROOT / "sample_data", ws / "sample_data")
    shutil.copytree(ROOT / "schemas", ws / "schemas")
    return ws


def _bash(script: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
           "GITHUB_ACTIONS": "", "DVH_SCHEMAS_DIR": ""}
    return subprocess.run(["bash", "-eo", "pipefail", "-c", script], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


@pytest.mark.slow
@pytest.mark.parametrize("example", [_github_script, _gitlab_script],
                         ids=["github-actions", "gitlab-ci"])
def test_example_validates_sample_data_and_writes_junit(tmp_path, example):
    script, junit_glob = example()
    ws = _workspace(tmp_path)
    done = _bash(script, ws)
    assert done.returncode == 0, done.stdout + done.stderr
    files = sorted(ws.glob(junit_glob))
    assert [f.name for f in files] == [
        "orders_valid.csv.xml", "orders_valid.parquet.xml", "payments_valid.csv.xml",
        "payments_valid.parquet.xml"]
    for f in files:
        root = ET.parse(f).getroot()
        assert root.tag == "testsuites" and root.get("failures") == "0"
    # a bad drop under a valid-looking name fails the job with the gate's exit code
    shutil.copy(ws / "sample_data" / "orders_invalid.csv", ws / "sample_data" / "orders_valid.csv")
    failed = _bash(script, ws)
    assert failed.returncode == 1
    bad = ET.parse(ws / "reports" / "orders_valid.csv.xml").getroot()
    assert int(bad.get("failures")) > 0
