"""The shipped pre-commit hook, run by the real ``pre-commit`` on a temporary git repository:
a commit with a bad data file is refused, one with a good file goes through."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT, SAMPLES, SCHEMAS

BIN = Path(sys.executable).parent
MANIFEST = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())


def _env(tmp: Path) -> dict[str, str]:
    return {**os.environ, "PRE_COMMIT_HOME": str(tmp / "pc-home"),
            "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
            "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
            "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com",
            "GITHUB_ACTIONS": "", "NO_COLOR": "1"}


def _run(cwd: Path, env: dict[str, str], *cmd: str, timeout: int = 120
         ) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(cmd), cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout)


def _repo(tmp: Path, env: dict[str, str], config: dict) -> Path:
    repo = tmp / "data-repo"
    (repo / "drops").mkdir(parents=True)
    assert _run(repo, env, "git", "init", "-q").returncode == 0
    (repo / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config))
    return repo


def _copy_tracked_sources(dst: Path, env: dict[str, str]) -> None:
    """Copy what git tracks (as it is in the working tree), not the whole folder: a checkout
    may hold virtualenvs, dangling symlinks or caches that are no part of the package."""
    listed = _run(ROOT, env, "git", "-c", "safe.directory=*", "ls-files", "-z")
    assert listed.returncode == 0, listed.stderr
    for name in filter(None, listed.stdout.split("\0")):
        source = ROOT / name
        if name.split("/", 1)[0] in {"tests", "bench"} or not source.is_file():
            continue
        (dst / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, dst / name)


def test_manifest_declares_the_dvh_validate_hook():
    (hook,) = MANIFEST
    assert hook["id"] == "dvh-validate" and hook["language"] == "python"
    assert hook["entry"] == "dvh-pre-commit" and (BIN / "dvh-pre-commit").exists()
    import re

    pattern = re.compile(hook["files"])
    assert all(pattern.search(f) for f in ("a.csv", "d/b.parquet", "c.tsv"))
    assert not any(pattern.search(f) for f in ("a.py", "csv.md", "a.csv.bak"))


def test_commit_with_a_bad_file_fails_and_with_a_good_file_passes(tmp_path):
    """The manifest's hook as a local hook (``language: system``: dvh from this environment),
    installed as the repository's git hook, exactly as a commit runs it."""
    env = _env(tmp_path)
    hook = {**MANIFEST[0], "language": "system",
            "args": ["--schema", "orders", "--schemas-dir", str(SCHEMAS)]}
    repo = _repo(tmp_path, env, {"repos": [{"repo": "local", "hooks": [hook]}]})
    installed = _run(repo, env, str(BIN / "pre-commit"), "install")
    assert installed.returncode == 0, installed.stderr
    shutil.copy(SAMPLES / "orders_invalid.csv", repo / "drops" / "orders.csv")
    (repo / "notes.txt").write_text("not data\n")
    _run(repo, env, "git", "add", "-A")
    refused = _run(repo, env, "git", "commit", "-qm", "bad drop")
    assert refused.returncode != 0
    out = refused.stdout + refused.stderr
    assert "dvh validate" in out and "Failed" in out and "exit code: 1" in out
    assert "✗ orders.csv  invalid" in out and "26 errors" in out
    assert _run(repo, env, "git", "rev-parse", "HEAD").returncode != 0  # nothing committed
    shutil.copy(SAMPLES / "orders_valid.csv", repo / "drops" / "orders.csv")
    shutil.copy(SAMPLES / "orders_valid.parquet", repo / "drops" / "orders.parquet")
    _run(repo, env, "git", "add", "-A")
    accepted = _run(repo, env, "git", "commit", "-qm", "good drop")
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    (repo / "notes.txt").write_text("still not data\n")
    _run(repo, env, "git", "add", "-A")
    skipped = _run(repo, env, "git", "commit", "-m", "no data")
    assert skipped.returncode == 0 and "(no files to check)Skipped" in skipped.stderr


@pytest.mark.slow
def test_the_shipped_manifest_as_a_remote_repository(tmp_path):
    """``repo: <a git copy of dvh>``: pre-commit builds the hook's own virtualenv from the
    package (dependencies from the package registry) and runs ``dvh-pre-commit`` from it."""
    env = _env(tmp_path)
    src = tmp_path / "dvh-src"
    _copy_tracked_sources(src, env)
    for cmd in (("git", "init", "-q"), ("git", "add", "-A"), ("git", "commit", "-qm", "dvh")):
        assert _run(src, env, *cmd).returncode == 0
    rev = _run(src, env, "git", "rev-parse", "HEAD").stdout.strip()
    config = {"repos": [{"repo": str(src), "rev": rev, "hooks": [
        {"id": "dvh-validate", "args": ["--schema", "payments", "--schemas-dir", str(SCHEMAS)]},
    ]}]}
    repo = _repo(tmp_path, env, config)
    shutil.copy(SAMPLES / "payments_invalid.csv", repo / "drops" / "bad.csv")
    shutil.copy(SAMPLES / "payments_valid.parquet", repo / "drops" / "good.parquet")
    _run(repo, env, "git", "add", "-A")
    pre_commit = str(BIN / "pre-commit")
    bad = _run(repo, env, pre_commit, "run", "--files", "drops/bad.csv", timeout=600)
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "✗ bad.csv  invalid" in bad.stdout
    good = _run(repo, env, pre_commit, "run", "--files", "drops/good.parquet", timeout=600)
    assert good.returncode == 0, good.stdout + good.stderr
    assert "Passed" in good.stdout
