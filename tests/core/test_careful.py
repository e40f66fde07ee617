"""The careful reader's verdict on a record it could not read."""

from __future__ import annotations

import csv

from hub.inputs import ReadOptions
from hub.registry import Registry
from hub.validate import validate
from tests.conftest import SAMPLES, SCHEMAS


def test_a_record_cut_for_an_oversized_cell_has_one_error_not_a_missing_per_field(tmp_path):
    header, first, *rest = (SAMPLES / "payments_valid.csv").read_text().splitlines()
    cells = first.split(",")
    cells[1] = "9" * 300
    path = tmp_path / "huge.csv"
    path.write_text("\n".join([header, ",".join(cells), *rest]) + "\n")
    before = csv.field_size_limit()
    report = validate(path, Registry(SCHEMAS).get("payments"),
                      options=ReadOptions(cell_limit=100))
    assert [(d.type, d.loc, d.line) for d in report.detail] == [("cell_too_large", ["rows", 0],
                                                                  2)]
    assert (report.error_count, report.invalid_rows, report.rows) == (1, 1, 1 + len(rest))
    assert csv.field_size_limit() == before  # the csv module's global limit is given back
