"""Fuzz the readers and the engine: random bytes and mutated valid files never raise anything
but dvh's own documented errors (bounded in examples and time)."""

from __future__ import annotations

import gzip
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hub.errors import DvhError
from hub.inputs import ReadOptions
from hub.validate import validate
from tests.conftest import SAMPLES

SEEDS = [(SAMPLES / name).read_bytes() for name in (
    "orders_valid.csv", "orders_invalid.csv", "orders_valid.parquet")]
SUFFIXES = [".csv", ".parquet", ".csv.gz", ".tsv", ".bin"]


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 8))):
        op = draw(st.sampled_from(["flip", "cut", "insert", "dup"]))
        pos = draw(st.integers(0, max(len(data) - 1, 0)))
        if op == "flip" and data:
            data[pos] = draw(st.integers(0, 255))
        elif op == "cut":
            del data[pos: pos + draw(st.integers(1, 64))]
        elif op == "insert":
            data[pos:pos] = draw(st.binary(min_size=1, max_size=16)) + draw(
                st.sampled_from([b"", b'"', b"\n", b"\r", b",", b"\x00", b"\xff"]))
        else:
            data[pos:pos] = data[pos: pos + draw(st.integers(1, 200))]
    if draw(st.booleans()) and draw(st.booleans()):
        return gzip.compress(bytes(data))
    return bytes(data)


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.one_of(st.binary(max_size=2048), mutated()), suffix=st.sampled_from(SUFFIXES),
       schema=st.sampled_from(["orders", "payments"]))
def test_no_exception_escapes_but_dvh_errors(registry, data, suffix, schema):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"fuzz{suffix}"
        path.write_bytes(data)
        try:
            report = validate(path, registry.get(schema), max_errors=20,
                              options=ReadOptions(max_decompressed_bytes=1 << 22),
                              temp_dir=Path(tmp))
        except DvhError as exc:
            assert str(exc) and "\n" not in str(exc) and exc.kind
        else:
            assert report.rows >= 0 and report.error_count >= len(report.detail) - 1
        assert list(Path(tmp).iterdir()) == [path]  # no temp file left behind
