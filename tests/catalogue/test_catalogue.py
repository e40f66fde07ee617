"""The catalogue of bad and odd inputs, through the CLI and through a real hub.

Each case's exit code (or HTTP status) and its expected (type, loc, line) items must hold; after
the last upload the hub still answers /health.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from cli.main import app
from tests.catalogue.build import Case, write_all
from tests.conftest import SCHEMAS

runner = CliRunner()


@pytest.fixture(scope="module")
def catalogue(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[Case, Path]]:
    return write_all(tmp_path_factory.mktemp("catalogue"))


def test_catalogue_is_large_enough(catalogue):
    assert len(catalogue) >= 40
    assert sum(1 for c, _ in catalogue if c.exit != 0) >= 25


def _matches(items: list[dict[str, Any]], kind: str, loc: tuple[Any, ...], line: int | None
             ) -> bool:
    for item in items:
        if item["type"] != kind or tuple(item["loc"][: len(loc)]) != loc:
            continue
        if line is None or item.get("line") == line:
            return True
    return False


def check_report(case: Case, report: dict[str, Any]) -> None:
    for kind, loc, line in case.expect:
        assert _matches(report["detail"], kind, loc, line), (case.name, kind, loc, line,
                                                             report["detail"][:5])


def test_catalogue_through_the_cli(catalogue):
    failures = []
    for case, path in catalogue:
        result = runner.invoke(app, ["validate", str(path), "--schema", case.schema,
                                     "--schemas-dir", str(SCHEMAS), "--format", "json",
                                     "--max-errors", "0", *case.flags])
        try:
            assert result.exit_code == case.exit, (result.exit_code, result.output[-400:])
            assert "Traceback" not in result.output
            if case.exit in (0, 1):
                check_report(case, json.loads(result.stdout))
            else:
                line = result.output.strip().splitlines()
                assert len(line) == 1 and line[0].startswith("dvh: error:"), result.output
                if case.expect:
                    assert case.expect[0][0] in ("empty_file", "binary_content",
                                                 "format_mismatch", "corrupt_parquet",
                                                 "corrupt_compression", "decompression_limit")
        except AssertionError as exc:
            failures.append((case.name, str(exc)[:300]))
    assert not failures, failures


def test_unreadable_kinds_are_named(catalogue):
    """The one-line error of an unreadable file is the core's, with its kind slug."""
    from hub.errors import DvhError
    from hub.inputs import ReadOptions
    from hub.registry import Registry
    from hub.validate import validate

    entry = Registry(SCHEMAS).get("orders")
    for case, path in catalogue:
        if case.exit != 3:
            continue
        limit = dict(zip(case.flags[::2], case.flags[1::2], strict=False)).get(
            "--max-decompressed-bytes")
        opts = ReadOptions(max_decompressed_bytes=int(limit)) if limit else ReadOptions()
        with pytest.raises(DvhError) as err:
            validate(path, entry, options=opts)
        assert err.value.kind == case.expect[0][0], case.name


@pytest.mark.slow
def test_catalogue_through_a_real_hub(catalogue, live_server):
    base = live_server["url"]
    failures = []
    for case, path in catalogue:
        params = {"max_errors": 0, **case.params}
        with path.open("rb") as fh:
            r = httpx.post(f"{base}/schemas/{case.schema}/validate", params=params,
                           files={"file": (path.name, fh, "application/octet-stream")},
                           timeout=120)
        try:
            assert r.status_code == case.status, (r.status_code, r.text[:300])
            body = r.json()
            if r.status_code in (200, 422):
                check_report(case, body)
            else:
                assert body["detail"][0]["type"] == case.expect[0][0], body
        except AssertionError as exc:
            failures.append((case.name, str(exc)[:300]))
    assert httpx.get(f"{base}/health", timeout=5).status_code == 200
    assert not failures, failures
