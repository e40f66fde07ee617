"""``cli.early``: the command line read before Typer, to start the parse-ahead."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import typer.main

from cli import early
from cli.main import validate_app
from hub import parseahead
from hub.registry import Registry
from hub.validate import validate
from tests.conftest import ROOT, SAMPLES, SCHEMAS


def _validate_params() -> list:
    group = typer.main.get_command(validate_app())
    return group.commands["validate"].params  # type: ignore[attr-defined]


def test_the_option_tables_are_the_commands():
    options, flags = set(), set()
    for param in _validate_params():
        if param.param_type_name != "option":
            continue
        names = {*param.opts, *param.secondary_opts}
        (flags if param.is_flag else options).update(names)
    assert options == early.OPTIONS
    assert flags == early.FLAGS


@pytest.mark.parametrize(("args", "want"), [
    (["d.csv", "-s", "orders"], ("d.csv", (), None)),
    (["--schema=orders", "-q", "d.csv", "e.csv"], ("d.csv", (), None)),
    (["d.csv", "--null-token", "NA", "--null-token", "-", "--null-token", "NA"],
     ("d.csv", ("NA", "-"), None)),
    (["--cell-limit", "99", "--", "-odd.csv"], ("-odd.csv", (), 99)),
    (["-s", "orders", "--format", "json", "-o", "out.json", "D.CSV"], ("D.CSV", (), None)),
])
def test_a_plain_run_is_guessed(args, want):
    path, tokens, limit = early.guess(args)
    assert (str(path), tokens, limit) == want


@pytest.mark.parametrize("args", [
    ["d.parquet", "-s", "orders"],  # not CSV
    ["d.csv", "--delimiter", ";"],  # read otherwise
    ["d.csv", "-d", ";"],
    ["d.csv", "--no-header"],
    ["d.csv", "--encoding=latin-1"],
    ["d.csv", "--server", "http://hub"],  # read by another process
    ["d.csv", "--dataset"],
    ["d.csv", "-sorders"],  # a form it does not read
    ["d.csv", "--frobnicate"],  # unknown
    ["d.csv", "--cell-limit", "lots"],
    ["d.csv", "--schema"],  # value missing
    ["-s", "orders"],  # no file
])
def test_anything_else_is_left_to_the_run(args):
    assert early.guess(args) is None


def test_begin_never_fails_and_skips_small_files(tmp_path):
    early.begin(["--no-such-option"])
    small = tmp_path / "small.csv"
    small.write_text("a\n1\n")
    early.begin([str(small), "-s", "orders"])
    assert not parseahead.running(small)  # below MIN_BYTES: not worth a thread


def _big_orders(path: Path) -> Path:
    lines = (SAMPLES / "orders_invalid.csv").read_text(encoding="utf-8").splitlines()
    header, body = lines[0], lines[1:]
    rows = []
    for i in range(14_000):  # ids stay unique where they were valid
        cells = body[i % len(body)].split(",")
        if cells[0].isdigit():
            cells[0] = str(i + 1)
        rows.append(",".join(cells))
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    assert path.stat().st_size > early.MIN_BYTES
    return path


def test_the_dvh_process_reports_what_the_core_reports(tmp_path):
    """A real ``dvh validate`` on a file above MIN_BYTES (the parse-ahead starts) gives the
    report the core gives without it."""
    data = _big_orders(tmp_path / "drop.csv")
    out, claimed = tmp_path / "report.json", tmp_path / "claimed"
    code = ("import hub.parseahead as p; claim = p.Ahead.claim; "  # leaves a mark when used
            f"p.Ahead.claim = lambda s: (open({str(claimed)!r}, 'w').close(), claim(s))[1]; "
            "from cli.main import run; run()")
    proc = subprocess.run(
        [sys.executable, "-c", code, "validate", str(data), "--schema", "orders",
         "--schemas-dir", str(SCHEMAS), "--format", "json", "--output", str(out),
         "--max-errors", "0"],
        cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1, proc.stderr
    assert claimed.exists()  # the run took the pieces read ahead
    got = json.loads(out.read_text())
    want = validate(data, Registry(SCHEMAS).get("orders"), max_errors=0).to_json_dict()
    assert got["error_count"] > 1000
    for key in ("error_count", "rows", "errors_by_column", "detail", "source"):
        assert got[key] == want[key], key
