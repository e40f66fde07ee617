"""Compressed and non-comma files in a directory dataset: listed, read as a single-file run
reads them, and reported exactly as if each file were validated on its own."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from tests.dataset.builders import MIXED_SCHEMA, write_mixed

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def mixed(tmp_path_factory):
    from hub.registry import Registry

    base = tmp_path_factory.mktemp("mixed")
    (base / "schemas").mkdir()
    (base / "schemas" / "parcels.py").write_text(MIXED_SCHEMA, encoding="utf-8")
    names = write_mixed(base / "drop")
    return base, base / "drop", names, Registry(base / "schemas").get("parcels")


def one_by_one(data: Path, names: list[str], entry) -> dict:
    """What the dataset report must be: each file's own report, items naming the file, counts
    summed (the ids are unique across files, so no duplicate crosses a file)."""
    from hub.validate import validate

    detail, rows, invalid, errors = [], 0, 0, 0
    by_column: dict[str, Counter] = {}
    for name in names:
        report = validate(data / name, entry, max_errors=0, name=name).to_json_dict()
        rows += report["rows"]
        invalid += report["invalid_rows"]
        errors += report["error_count"]
        for column, info in report["errors_by_column"].items():
            by_column.setdefault(column, Counter()).update(info["by_type"])
        for item in report["detail"]:
            if item["type"] == "duplicate_value":  # a dataset names the first one's file
                item["ctx"]["first_file"] = name
                item["msg"] += f" of {name}"
            detail.append({**item, "file": name})
    return {"rows": rows, "invalid_rows": invalid, "error_count": errors,
            "by_type": {c: dict(n) for c, n in by_column.items()}, "detail": detail}


def summary(report: dict) -> dict:
    return {"rows": report["rows"], "invalid_rows": report["invalid_rows"],
            "error_count": report["error_count"],
            "by_type": {c: info["by_type"] for c, info in report["errors_by_column"].items()},
            "detail": report["detail"]}


def test_directory_lists_compressed_and_tab_separated_files(mixed):
    from hub.dataset_files import list_dataset

    _, data, names, _ = mixed
    files = list_dataset(str(data)).files
    assert [f.name for f in files] == names  # notes.txt, README.md, _SUCCESS are not data
    assert {f.name for f in files if f.compressed} == {
        "b.csv.gz", "c.csv.bz2", "d/e.csv.zst", "f.csv.xz", "h.tsv.gz"}


@pytest.mark.parametrize("part_bytes", [None, 1500])
def test_same_report_as_each_file_on_its_own(mixed, part_bytes):
    """Tiny partitions cut the plain CSV into byte ranges; a compressed file stays whole, and
    a tab- or semicolon-separated file falls back to being read whole: same report."""
    from hub.dataset import DatasetOptions, validate_dataset
    from hub.dataset_files import list_dataset, plan_partitions

    _, data, names, entry = mixed
    kw = {"part_bytes": part_bytes} if part_bytes else {}
    if part_bytes:
        parts = plan_partitions(list_dataset(str(data)), part_bytes)
        cut = {p.file.name for p in parts if not p.whole}
        assert "a.csv" in cut and "g.tsv" in cut and not any(".gz" in n for n in cut)
    got = validate_dataset(str(data), entry, DatasetOptions(max_errors=0, **kw)).to_json_dict()
    expected = one_by_one(data, names, entry)
    assert got["rows"] == 8 * 401
    assert {d["file"] for d in got["detail"]} == set(names)  # every file has bad rows
    assert summary(got) == expected
    from hub.validate import validate

    for f, name in zip(got["files"], names, strict=True):  # each file's own exact counts
        alone = validate(data / name, entry, max_errors=0)
        assert (f["name"], f["rows"], f["invalid_rows"], f["error_count"]) == (
            name, alone.rows, alone.invalid_rows, alone.error_count)
        assert f["by_column"] == {c: info.by_type for c, info in alone.errors_by_column.items()}


def test_cli_directory_with_compressed_files(mixed):
    base, data, names, _ = mixed
    cmd = [sys.executable, "-m", "cli.main", "validate", str(data), "--schema", "parcels",
           "--schemas-dir", str(base / "schemas"), "-f", "json", "--max-errors", "0"]
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 1, done.stderr
    from tests.dataset.test_compressed import one_by_one as reference

    assert summary(json.loads(done.stdout)) == reference(data, names, mixed[3])


@pytest.mark.parametrize("part_bytes", [None, 64])
def test_files_the_arrow_pieces_cannot_read_go_to_the_careful_reader(mixed, tmp_path,
                                                                      part_bytes):
    """A row with too few or too many cells, a repeated column name, a NUL byte after a blank
    line: the run does not stop at the first such file (as it did) nor miss the NUL and drift
    the line numbers; each is reported as a single-file run reports it."""
    from hub.dataset import DatasetOptions, validate_dataset

    _, _, _, entry = mixed
    drop = tmp_path / "odd"
    drop.mkdir()
    (drop / "a.csv").write_text("parcel_id,weight,country\n1,2.0,DE\n2,1.0\n3,1.0,FR,x\n"
                                + "".join(f"{i},1.5,IT\n" for i in range(4, 40)))
    (drop / "b.csv").write_text("parcel_id,weight,weight,country\n50,1,2,DE\n51,-1,2,FR\n")
    (drop / "c.csv").write_text("parcel_id,weight,country\n60,0,DE\n")
    rows = [f"{i},1.5,IT\n" for i in range(70, 100)]  # hub.scan's signs, mid-file
    rows[12], rows[20] = "\n", "82,1.5,F\x00R\n"
    (drop / "d.csv").write_text("parcel_id,weight,country\n" + "".join(rows))
    kw = {"part_bytes": part_bytes} if part_bytes else {}
    got = validate_dataset(str(drop), entry, DatasetOptions(max_errors=0, **kw)).to_json_dict()
    names = ["a.csv", "b.csv", "c.csv", "d.csv"]
    assert summary(got) == one_by_one(drop, names, entry)
    types = {d["type"] for d in got["detail"]}
    assert {"too_few_cells", "too_many_cells", "greater_than", "nul_character"} <= types
    nul = next(d for d in got["detail"] if d["type"] == "nul_character")
    assert (nul["file"], nul["line"], nul["loc"][1]) == ("d.csv", 22, 19)  # 1 blank line


def test_a_compressed_file_the_arrow_pieces_cannot_trust_goes_to_the_careful_reader(
        mixed, tmp_path):
    """An inflated file with a blank line and a NUL byte: its pieces' signs send it to the
    careful reader in a dataset as in a single-file run (the NUL was missed: an inflated
    partition's signs were not looked at)."""
    import gzip

    from hub.dataset import DatasetOptions, validate_dataset

    _, _, _, entry = mixed
    drop = tmp_path / "odd_gz"
    drop.mkdir()
    rows = [f"{i},1.5,IT\n" for i in range(70, 100)]
    rows[12], rows[20] = "\n", "82,1.5,F\x00R\n"
    text = "parcel_id,weight,country\n" + "".join(rows)
    (drop / "d.csv.gz").write_bytes(gzip.compress(text.encode()))
    got = validate_dataset(str(drop), entry, DatasetOptions(max_errors=0)).to_json_dict()
    assert summary(got) == one_by_one(drop, ["d.csv.gz"], entry)
    nul = [(d["file"], d["line"], d["loc"][1]) for d in got["detail"]
           if d["type"] == "nul_character"]
    assert nul == [("d.csv.gz", 22, 19)]  # 1 blank line
