"""``dvh-pre-commit`` is ``dvh validate``: the same options (one definition), the input flags
of issue 4 included, several files with the worst exit code, names taken literally."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.cli.ci_helpers import write_schema
from tests.conftest import ROOT

HOOK = Path(sys.executable).parent / "dvh-pre-commit"


def _params(command) -> dict[str, tuple[str, ...]]:
    return {p.name: tuple(getattr(p, "opts", ())) for p in command.params}


def test_the_hook_has_exactly_the_options_of_dvh_validate():
    import typer

    from cli.hook import app as hook_app
    from cli.main import app as dvh_app

    hook = typer.main.get_command(hook_app)
    validate = typer.main.get_command(dvh_app).commands["validate"]
    assert _params(hook) == _params(validate)
    flags = {opt for opts in _params(hook).values() for opt in opts}
    assert {"--delimiter", "--encoding", "--no-header", "--null-token", "--input-format",
            "--max-decompressed-bytes", "--cell-limit", "--max-error-rate", "--fail-on",
            "--output-junit"} <= flags


def _hook(tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(HOOK), *args, "--schemas-dir", str(tmp / "s")], cwd=tmp,
                          capture_output=True, text=True, timeout=120,
                          env={"PATH": str(HOOK.parent), "NO_COLOR": "1"})


def test_input_flags_reach_the_files_pre_commit_passes(tmp_path):
    write_schema(tmp_path / "s")
    (tmp_path / "semi[1].csv").write_text("id;code;note\n1;A;ok\n2;B;NA\n")
    (tmp_path / "bare.csv").write_text("3,A,ok\n4,B,ok\n")
    ok = _hook(tmp_path, "--schema", "grid", "--delimiter", ";", "--null-token", "NA",
               "semi[1].csv")
    assert ok.returncode == 0, ok.stdout + ok.stderr  # the file, not a glob of semi1.csv
    bare = _hook(tmp_path, "--schema", "grid", "--no-header", "-f", "json", "bare.csv")
    assert bare.returncode == 0, bare.stdout + bare.stderr
    assert '"rows": 2' in bare.stdout
    without = _hook(tmp_path, "--schema", "grid", "-f", "json", "bare.csv")
    assert without.returncode == 1  # its first row taken as a header: columns missing
    worst = _hook(tmp_path, "--schema", "grid", "--no-header", "bare.csv", "missing.csv")
    assert worst.returncode == 3 and worst.stderr.count("\n") == 1 and "missing.csv" in (
        worst.stderr)
    assert "Traceback" not in worst.stderr


def test_the_hook_module_holds_no_option_of_its_own():
    text = (ROOT / "cli" / "hook.py").read_text()
    assert "typer.Option" not in text and "Annotated" not in text
