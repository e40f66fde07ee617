"""A real uvicorn process on 127.0.0.1: multipart and raw uploads via httpx, and the CLI
talking to it with ``--server``. Also pins parity: CLI json = API body = core function."""

from __future__ import annotations

import json
import sqlite3

import httpx
from typer.testing import CliRunner

from cli.main import app
from hub.validate import validate
from tests.conftest import SAMPLES

runner = CliRunner()
_VOLATILE = ("id",)


def _strip(body: dict) -> dict:
    return {k: v for k, v in body.items() if k not in _VOLATILE}


def test_real_server_multipart_and_raw_uploads(live_server):
    base = live_server["url"]
    with (SAMPLES / "orders_invalid.csv").open("rb") as fh:
        r = httpx.post(f"{base}/schemas/orders/validate",
                       files={"file": ("orders_invalid.csv", fh, "text/csv")}, timeout=30)
    assert r.status_code == 422 and r.json()["error_count"] == 26
    raw = httpx.post(f"{base}/schemas/orders/validate",
                     content=(SAMPLES / "orders_valid.parquet").read_bytes(),
                     headers={"content-type": "application/vnd.apache.parquet"}, timeout=30)
    assert raw.status_code == 200 and raw.json()["valid"]
    # both are in SQLite, which a second reader sees
    with sqlite3.connect(live_server["db"]) as conn:
        ids = {row[0] for row in conn.execute("SELECT id FROM reports")}
    assert ids == {r.json()["id"], raw.json()["id"]}
    assert httpx.get(f"{base}/reports").json()["total"] == 2


def test_parity_cli_json_api_and_core(live_server, registry):
    path = SAMPLES / "payments_invalid.csv"
    core = validate(path, registry.get("payments"), max_errors=100).to_json_dict()
    cli = runner.invoke(app, ["validate", str(path), "--schema", "payments", "--format", "json",
                              "--schemas-dir", str(SAMPLES.parent / "schemas")])
    with path.open("rb") as fh:
        api = httpx.post(f"{live_server['url']}/schemas/payments/validate",
                         files={"file": (path.name, fh, "text/csv")}, timeout=30).json()
    assert _strip(json.loads(cli.stdout)) == _strip(core) == _strip(api)
    assert api["id"] and core["id"] is None


def test_cli_server_mode_uses_the_hubs_verdict(live_server):
    base = live_server["url"]
    bad = runner.invoke(app, ["validate", str(SAMPLES / "orders_invalid.csv"), "--schema",
                              "orders", "--server", base, "--format", "json"])
    assert bad.exit_code == 1
    body = json.loads(bad.stdout)
    assert body["id"] and body["error_count"] == 26
    good = runner.invoke(app, ["validate", str(SAMPLES / "orders_valid.parquet"), "--schema",
                               "orders", "--server", base])
    assert good.exit_code == 0 and "✓" in good.stdout
    unknown = runner.invoke(app, ["validate", str(SAMPLES / "orders_valid.csv"), "--schema",
                                  "nope", "--server", base])
    assert unknown.exit_code == 2 and "unknown schema" in unknown.output
    listed = runner.invoke(app, ["report", "list", "--server", base, "--json"])
    assert json.loads(listed.stdout)["total"] == 2
    shown = runner.invoke(app, ["report", "show", body["id"], "--server", base])
    assert shown.exit_code == 0 and "orders_invalid.csv" in shown.stdout


def test_unreachable_server_is_a_clear_error():
    result = runner.invoke(app, ["validate", str(SAMPLES / "orders_valid.csv"), "--schema",
                                 "orders", "--server", "http://127.0.0.1:9"])
    assert result.exit_code == 2 and "cannot reach the hub" in result.output
