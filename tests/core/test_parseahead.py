"""The parse-ahead the CLI starts before its imports: same report, same hash, or not used."""

from __future__ import annotations

import csv
import hashlib
import os
import sys
from pathlib import Path

import pytest

from hub import parseahead
from hub.inputs import ReadOptions
from hub.parseahead import Ahead, AheadPiece
from hub.pieces import Piece
from hub.prehash import file_identity
from hub.registry import entry_for
from hub.validate import validate
from tests.core.orders_data import Order, body_of, order_rows, write_orders

PIECE = 4096  # ~50 pieces in the file below


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    return write_orders(tmp_path_factory.mktemp("ahead") / "orders.csv", order_rows(3000, seed=11))


@pytest.fixture(scope="module")
def reference(data) -> dict:
    body = validate(data, entry_for("order", Order), max_errors=0, piece_bytes=PIECE)
    assert body.error_count > 100 and body.source.sha256 == _sha(data)
    return body_of(body)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _run(path: Path, **kw):
    return validate(path, entry_for("order", Order), max_errors=0, piece_bytes=PIECE, **kw)


@pytest.fixture(autouse=True)
def _clean():
    interval = sys.getswitchinterval()
    yield
    for path in list(parseahead._jobs):
        job = parseahead.take(Path(path))
        if job is not None:
            job.discard()
    assert sys.getswitchinterval() == interval  # every job gave the interval back


@pytest.mark.parametrize("max_pieces", [1, 6, 200])
def test_pieces_parsed_ahead_change_nothing(data, reference, max_pieces):
    job = parseahead.start(data, piece_bytes=PIECE, max_pieces=max_pieces)
    assert job is not None
    job.wait()  # parsed all it may: the run takes parsed pieces, then reads on
    report = _run(data)
    assert body_of(report) == reference
    assert report.source.sha256 == _sha(data)  # the thread's hash, resumed by the run
    assert parseahead.take(data) is None  # the run took it


def test_pieces_read_but_not_parsed_go_to_the_workers(data, reference):
    """Claimed before it may parse (the caller still importing): the pieces read are handed
    over raw, and the run parses them itself."""
    job = Ahead(data, file_identity(data), null_tokens=(), line_limit=1 << 20,
                piece_bytes=PIECE, max_pieces=5)
    job._read_done.wait()
    job.header = ["id", "shop", "ref", "email", "qty", "note"]  # as the parse stage sets it
    items, next_pos = job.claim()
    assert len(items) == 5 and all(isinstance(i, Piece) for i in items)
    assert next_pos == items[-1].start + items[-1].length
    job._imported.set()  # the thread sees it was stopped and parses nothing
    job._thread.join()
    assert all(i.length for i in items)  # nothing released behind the run's back
    for item in items:
        item.release()


def test_a_claim_mid_parse_hands_the_rest_over(data):
    job = parseahead.start(data, piece_bytes=PIECE, max_pieces=40)
    assert job is not None
    job._read_done.wait()
    while job.header is None:  # the parse stage has begun
        job._thread.join(0.001)
    items, _next = job.claim()
    kinds = [type(i) for i in items]
    first_raw = kinds.index(Piece) if Piece in kinds else len(kinds)
    assert all(k is AheadPiece for k in kinds[:first_raw])  # begun ones first, in order,
    assert all(k is Piece for k in kinds[first_raw:])  # then the ones never begun
    for item in items:
        if isinstance(item, AheadPiece):
            parsed, _signs = item.future.result(timeout=30)
            assert parsed.batch is not None
        else:
            item.release()


def test_other_null_tokens_make_the_run_read_for_itself(data, reference):
    job = parseahead.start(data, null_tokens=("x",), piece_bytes=PIECE)
    job.wait()
    report = _run(data)
    assert body_of(report) == reference  # "x" would have nulled the bad ids
    assert report.source.sha256 == _sha(data)


def test_a_file_changed_after_the_start_is_read_again(tmp_path, reference):
    path = write_orders(tmp_path / "orders.csv", order_rows(3000, seed=11))
    job = parseahead.start(path, piece_bytes=PIECE)
    job.wait()
    write_orders(path, order_rows(3000, seed=12))
    os.utime(path, ns=(1, 1))
    report = _run(path)
    assert body_of(report) != reference
    assert report.source.sha256 == _sha(path)
    assert parseahead.take(path) is None


def _semicolons(path: Path) -> Path:
    rows = order_rows(3000, seed=11)
    rows[7][5] = "a;b, c"
    rows[9][5] = 'say "hi"'
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, delimiter=";", lineterminator="\n").writerows(
            [["id", "shop", "ref", "email", "qty", "note"], *rows])
    return path


def test_a_semicolon_file_is_parsed_ahead_with_semicolons(tmp_path, monkeypatch):
    """The thread sniffs the delimiter as the run will, so a ``.csv`` of semicolons is parsed
    ahead and used, not parsed with commas and thrown away."""
    import hub.runner

    streams: list[int] = []
    real_stream = hub.runner.iter_csv
    monkeypatch.setattr(hub.runner, "iter_csv",
                        lambda *a, **k: streams.append(1) or real_stream(*a, **k))
    path = _semicolons(tmp_path / "orders.csv")
    want = body_of(_run(path))
    assert want["error_count"] > 100
    job = parseahead.start(path, piece_bytes=PIECE, max_pieces=6)
    job.wait()
    assert job.delimiter == ";"
    claims = []
    real_claim = job.claim
    job.claim = lambda: claims.append(1) or real_claim()  # type: ignore[method-assign]
    report = _run(path)
    assert claims == [1]  # the run took the pieces
    assert streams == []  # ... parsed as they are (pieces split wrong would go to the stream)
    assert body_of(report) == want
    assert report.source.sha256 == _sha(path)


def test_a_file_read_otherwise_drops_the_pieces_and_their_buffers(tmp_path):
    """The run splits on commas (``--delimiter ,``) where the thread sniffed semicolons."""
    path = _semicolons(tmp_path / "orders.csv")
    job = parseahead.start(path, piece_bytes=PIECE)
    job.wait()
    report = _run(path, options=ReadOptions(delimiter=","))
    assert not report.valid and report.rows == 3000  # one column: every field missing
    assert report.source.sha256 == _sha(path)
    assert job.items == []  # let go
    assert job.pool.free.qsize() == 0  # and the buffers they were read into


def test_an_unreadable_file_lets_the_pieces_go(tmp_path):
    path = tmp_path / "orders.csv"
    path.write_bytes(b"\x00\x01" * 50_000)
    job = parseahead.start(path, piece_bytes=PIECE)
    job.wait()
    with pytest.raises(Exception):  # noqa: B017 - whichever reader says so, it is not a crash
        _run(path)
    assert parseahead.take(path) is None and job.items == []
