"""The report page and the index: negotiated on Accept, escaped, no external assets; and the
same page in a real headless chromium (chart drawn, first error in the table, a screenshot)."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import httpx
import pytest

from tests.conftest import ROOT, SAMPLES
from tests.server.hubproc import hub

CSV = {"content-type": "text/csv"}
HTML = {"accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
EVIL = "<script>alert(1)</script>"
ARTIFACTS = Path(os.environ.get("DVH_TEST_ARTIFACTS", ROOT / "test-artifacts"))
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def _hostile_upload(client):
    body = (SAMPLES / "orders_invalid.csv").read_text().replace("not-an-email", EVIL)
    return client.post("/schemas/orders/validate", params={"filename": f"{EVIL}.csv"},
                       content=body.encode(), headers=CSV)


def test_report_page_is_negotiated_and_escapes_every_value(make_client):
    with make_client() as client:
        r = _hostile_upload(client)
        assert r.status_code == 422
        rid = r.json()["id"]
        page = client.get(f"/reports/{rid}", headers=HTML)
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        text = page.text
        assert EVIL not in text and "&lt;script&gt;alert(1)&lt;/script&gt;" in text
        assert r.json()["schema"]["fingerprint"] in text and f"/reports/{rid}?view=json" in text
        for external in ('src="http', "src='http", 'href="http', "url(http", "@import"):
            assert external not in text  # no CDN: nothing is fetched from anywhere
        csp = page.headers["content-security-policy"]
        assert "default-src 'none'" in csp and "script-src 'nonce-" in csp
        assert client.get(f"/reports/{rid}/view").headers["content-type"].startswith("text/html")
        assert client.get(f"/reports/{rid}").json()["id"] == rid  # JSON stays the default
        assert client.get(f"/reports/{rid}?view=json", headers=HTML).json()["id"] == rid
        index = client.get("/", headers=HTML)
        assert index.status_code == 200 and f"/reports/{rid}/view" in index.text
        assert EVIL not in index.text
        assert client.get("/reports", headers=HTML).headers["content-type"].startswith(
            "text/html")


def test_assets_ship_inside_the_package():
    from hub.server.pages import asset

    assert "drawChart" in asset("report.js") and "#chart" in asset("report.css")
    assert (ROOT / "hub" / "server" / "static" / "report.js").is_file()


@pytest.mark.slow
def test_report_page_in_headless_chromium(tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api")
    assert Path(CHROMIUM).exists(), "chromium missing: .ci/run installs Debian's chromium"
    with hub(tmp_path) as h:
        with httpx.Client(base_url=h["url"], timeout=30) as c:
            r = _hostile_upload(c)
        assert r.status_code == 422
        report = r.json()
        first = report["detail"][0]
        profile = tempfile.mkdtemp(prefix="dvh-chromium-", dir=tmp_path)
        with sync_api.sync_playwright() as p:
            browser = p.chromium.launch_persistent_context(
                profile, executable_path=CHROMIUM, headless=True,
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                      "--disable-component-update", "--disable-sync", "--no-first-run"])
            try:
                page = browser.new_page()
                errors: list[str] = []
                page.on("pageerror", lambda e: errors.append(str(e)))
                page.on("console", lambda m: m.type == "error" and errors.append(m.text))
                page.goto(f"{h['url']}/reports/{report['id']}", wait_until="load")
                bars = page.locator("#chart rect.bar")
                assert bars.count() == len(report["errors_by_column"])
                widths = [float(bars.nth(i).get_attribute("width") or 0)
                          for i in range(bars.count())]
                assert min(widths) > 0
                row = page.locator("#errors tbody tr").first
                cells = row.locator("td").all_inner_texts()
                loc = first["loc"]
                column = loc[2] if len(loc) > 2 else loc[-1]
                assert cells[2] == column and cells[3] == first["type"]
                assert cells[5] == first["msg"]
                # filtering by column hides the other rows
                page.select_option("#f-column", "quantity")
                visible = page.locator("#errors tbody tr:visible")
                assert visible.count() == report["errors_by_column"]["quantity"]["errors"]
                assert page.locator("#fingerprint").inner_text() == report["schema"][
                    "fingerprint"]
                assert page.evaluate("window.__pwned === undefined") and not errors, errors
                ARTIFACTS.mkdir(parents=True, exist_ok=True)
                shot = ARTIFACTS / "report_page.png"
                page.screenshot(path=str(shot), full_page=True)
                assert shot.stat().st_size > 10_000
                page.goto(f"{h['url']}/", wait_until="load")
                assert page.locator("#reports tbody tr").count() == 1
            finally:
                browser.close()


def test_report_page_shows_the_gates_verdict_when_there_is_one():
    """A report with warnings only is valid, yet fails ``fail_on=warning``: the page says so."""
    from hub.server.pages import report_page

    base = {"id": "r1", "valid": True, "rows": 3, "invalid_rows": 0, "error_count": 1,
            "source": {"name": "a.csv"}, "schema": {"name": "orders"}, "detail": []}
    failed = report_page({**base, "verdict": {"passed": False,
                                              "reason": "1 warnings with --fail-on warning"}})
    assert "✗ failed" in failed.body.decode() and "fail-on warning" in failed.body.decode()
    assert "✓ valid" in report_page(base).body.decode()
    assert "✓ passed" in report_page({**base, "verdict": {"passed": True}}).body.decode()
