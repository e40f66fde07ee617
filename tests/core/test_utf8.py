"""A Parquet text column that is not valid UTF-8 (the format does not enforce it): each bad
cell is an ``invalid_encoding`` failure at its row; nothing escapes as a traceback."""

from __future__ import annotations

import subprocess
import sys

import pyarrow as pa
import pyarrow.parquet as pq
from pydantic import BaseModel

from hub.registry import entry_for
from hub.validate import validate
from tests.conftest import ROOT


class Person(BaseModel):
    id: int
    name: str


def _bad_strings(values: list[bytes]) -> pa.Array:
    offsets, data = [0], b""
    for v in values:
        data += v
        offsets.append(len(data))
    return pa.Array.from_buffers(pa.string(), len(values), [
        None, pa.py_buffer(pa.array(offsets, pa.int32()).buffers()[1]), pa.py_buffer(data)])


def _write(path):
    names = _bad_strings([b"ann", b"caf\xe9", b"bob", b"caf\xe9", b"\x80"])
    pq.write_table(pa.table({"id": pa.array([1, 2, 3, 4, 5]), "name": names}), path)
    return path


def test_bad_utf8_in_parquet_is_an_error_at_each_cell(tmp_path):
    report = validate(_write(tmp_path / "people.parquet"), entry_for("person", Person))
    found = [(d.type, d.loc, d.input) for d in report.detail]
    assert found == [("invalid_encoding", ["rows", 1, "name"], "caf\ufffd"),
                     ("invalid_encoding", ["rows", 3, "name"], "caf\ufffd"),
                     ("invalid_encoding", ["rows", 4, "name"], "\ufffd")]
    assert (report.rows, report.invalid_rows, report.error_count) == (5, 3, 3)


def test_the_cli_reports_it_without_a_traceback(tmp_path):
    path = _write(tmp_path / "orders.parquet")
    schemas = tmp_path / "schemas"
    schemas.mkdir()
    (schemas / "person.py").write_text(
        "from pydantic import BaseModel\n\nclass Person(BaseModel):\n    id: int\n    name: str\n")
    run = subprocess.run([sys.executable, "-m", "cli.main", "validate", str(path), "--schema",
                          "person", "--schemas-dir", str(schemas), "--format", "json"],
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 1, run.stderr
    assert "Traceback" not in run.stderr and '"invalid_encoding"' in run.stdout
