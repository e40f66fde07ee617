"""``hub.pieces.plan`` cuts whole lines, within a byte range when asked (a dataset partition),
and stops when the file gets shorter under it."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from hub.pieces import plan

LINES = st.lists(st.binary(max_size=40).map(lambda b: b.replace(b"\n", b"") + b"\n"),
                 min_size=1, max_size=60)


def _line_starts(body: bytes) -> list[int]:
    return [0] + [i + 1 for i, c in enumerate(body) if c == 10]


@settings(max_examples=200, deadline=None)
@given(LINES, st.integers(1, 200), st.data())
def test_a_range_is_cut_into_whole_lines_as_the_whole_file_is(tmp_path_factory, lines,
                                                               piece_bytes, data):
    body = b"".join(lines)
    path = Path(tmp_path_factory.mktemp("pieces")) / "f.csv"
    path.write_bytes(body)
    starts = _line_starts(body)
    lo = data.draw(st.sampled_from(starts))
    hi = data.draw(st.sampled_from([s for s in starts if s >= lo]))
    got = []
    for piece in plan(path, lo, piece_bytes, stop=hi):
        got.append((piece.start, bytes(piece.data), piece.last))
        piece.release()
    assert b"".join(d for _, d, _ in got) == body[lo:hi]
    for start, chunk, last in got:
        assert chunk.endswith(b"\n")  # every range ends at a line start: whole lines only
        assert last == (start + len(chunk) == len(body))
        # a piece outgrows ``piece_bytes`` only when its first line does
        assert len(chunk) <= piece_bytes or chunk.find(b"\n") >= piece_bytes
    # without ``stop`` the same pieces run on to the end of the file
    whole = [(p.start, bytes(p.data)) for p in plan(path, lo, piece_bytes)]
    assert b"".join(d for _, d in whole) == body[lo:]


def test_a_file_that_gets_shorter_ends_the_pieces(tmp_path):
    path = tmp_path / "f.csv"
    path.write_bytes(b"a,b\n" * 1000)
    pieces = plan(path, 0, 400)
    first = next(pieces)
    assert bytes(first.data) == b"a,b\n" * 100
    with path.open("r+b") as fh:
        fh.truncate(200)  # shorter than where the next piece starts
    assert list(pieces) == []
