"""The terminal progress bar: off unless stderr is a terminal, and fed by the engine."""

from __future__ import annotations

import io

import cli.progress
from cli.progress import estimate_rows, progress_for
from hub.readers import open_source
from hub.validate import validate
from tests.conftest import SAMPLES


def test_no_bar_when_quiet_or_piped():
    source = open_source(SAMPLES / "orders_valid.csv")
    with progress_for(source, enabled=False) as on_rows:
        assert on_rows is None
    with progress_for(source, enabled=True) as on_rows:  # pytest's stderr is no terminal
        assert on_rows is None


def test_row_estimates(registry):
    entry = registry.get("orders")
    parquet = open_source(SAMPLES / "orders_valid.parquet")
    assert estimate_rows(parquet) == validate(parquet, entry).rows  # from the footer
    csv_source = open_source(SAMPLES / "orders_valid.csv")
    lines = (SAMPLES / "orders_valid.csv").read_bytes().count(b"\n")
    assert estimate_rows(csv_source) == lines - 1  # whole file within the first MB


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_bar_follows_the_run_on_a_terminal(registry, monkeypatch):
    fake = _Tty()
    monkeypatch.setattr("sys.stderr", fake)
    monkeypatch.setattr(cli.progress, "DELAY", 0.0)
    source = open_source(SAMPLES / "orders_valid.csv")
    with progress_for(source, enabled=True) as on_rows:
        assert on_rows is not None
        report = validate(source, registry.get("orders"), on_rows=on_rows)
    assert report.valid
    assert "orders_valid.csv" in fake.getvalue()
