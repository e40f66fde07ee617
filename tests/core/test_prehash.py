"""The early hash the CLI starts before its imports: used only for the very same file."""

from __future__ import annotations

import hashlib
import os

from hub import prehash
from hub.registry import Registry
from hub.validate import validate
from tests.conftest import SAMPLES, SCHEMAS


def test_an_early_hash_is_the_files_sha256_and_is_used_once(tmp_path):
    data = tmp_path / "orders.csv"
    data.write_bytes((SAMPLES / "orders_valid.csv").read_bytes())
    prehash.start(data)
    job = prehash.take(data)
    assert job is not None and job.result() == hashlib.sha256(data.read_bytes()).hexdigest()
    assert prehash.take(data) is None  # taken: a second run hashes on its own


def test_a_file_changed_after_the_early_hash_is_hashed_again(tmp_path):
    data = tmp_path / "orders.csv"
    data.write_bytes((SAMPLES / "orders_valid.csv").read_bytes())
    prehash.start(data)
    data.write_bytes((SAMPLES / "orders_invalid.csv").read_bytes())
    os.utime(data, ns=(1, 1))  # a new modification time, whatever the clock's resolution
    report = validate(data, Registry(SCHEMAS).get("orders"))
    assert report.source.sha256 == hashlib.sha256(data.read_bytes()).hexdigest()
    assert not report.valid


def test_validate_reports_the_early_hash(tmp_path):
    data = tmp_path / "orders.csv"
    data.write_bytes((SAMPLES / "orders_valid.csv").read_bytes())
    prehash.start(data)
    report = validate(data, Registry(SCHEMAS).get("orders"))
    assert report.source.sha256 == hashlib.sha256(data.read_bytes()).hexdigest()
    assert prehash.take(data) is None  # validate used it
