"""Property-based fuzzing of the hub's own /openapi.json (schemathesis), against a real hub on
127.0.0.1 with auth on: a bounded number of examples per operation, and never a 5xx."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable

from hub.keys import KeyStore
from tests.server.hubproc import hub

EXAMPLES = 25


@pytest.mark.slow
def test_no_operation_answers_5xx_for_generated_requests(tmp_path):
    schemathesis = pytest.importorskip("schemathesis")
    store = KeyStore(tmp_path / "hub.db")
    _, key = store.create("fuzzer", "admin")
    store.close()
    auth = {"Authorization": f"Bearer {key}"}
    with hub(tmp_path) as h:
        schema = schemathesis.openapi.from_url(f"{h['url']}/openapi.json", headers=auth,
                                               timeout=30)
        operations = [result.ok() for result in schema.get_all_operations()]
        assert len(operations) >= 7
        failures: list[str] = []
        statuses: list[int] = []

        @settings(max_examples=EXAMPLES, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(data=st.data())
        def run(data, strategy) -> None:
            case = data.draw(strategy)
            response = case.call(base_url=h["url"], headers=auth, timeout=30)
            statuses.append(response.status_code)
            if response.status_code >= 500:
                failures.append(f"{case.method} {case.path}: {response.status_code} "
                                f"{response.text[:200]}")

        ran = 0
        for op in operations:
            for mode in ("positive", "negative"):
                try:
                    run(strategy=op.as_strategy(schemathesis.GenerationMode(mode)))
                    ran += 1
                except Unsatisfiable:  # e.g. no invalid request exists for GET /health
                    assert mode == "negative"
        assert ran >= len(operations)
        assert len(statuses) >= 5 * len(operations) and 200 in statuses and 400 in statuses
        assert not failures, failures[:5]
        assert h["proc"].poll() is None  # and the hub is still up
