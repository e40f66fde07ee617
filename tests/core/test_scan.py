"""The per-piece scan (what the fast path checks on the pieces it parses anyway) must see the
same signs as a plain pass over the whole file: a sign it misses would let the fast reader
drift line numbers or swallow rows without the careful reader taking over."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import hub.scan
from hub.scan import Census, PieceSigns, Signs, StreamScan, census, joined, piece_signs

ALPHABET = [b"a", b",", b'"', b"\n", b"\r", b"\r\n", b"\x00", b"bb"]


def _pieces(body: bytes, cuts: list[int]) -> list[tuple[int, int]]:
    """Cut ``body`` after line breaks only, as hub.segments.plan does."""
    spans, pos = [], 0
    for want in cuts:
        end = body.rfind(b"\n", pos, pos + want) + 1
        if end <= pos:
            continue
        spans.append((pos, end))
        pos = end
    if pos < len(body):
        spans.append((pos, len(body)))
    return spans


def _by_pieces(head: bytes, body: bytes, cuts: list[int], limit: int):
    scan = StreamScan(limit, quote=b"")
    scan.feed(head)
    parts = [PieceSigns(scan.finish(), head.count(b'"'))]
    for start, end in _pieces(body, cuts):
        buf = bytearray(body[start:end]) + bytearray(b"zz")  # buffers are longer than pieces
        parts.append(piece_signs(buf, end - start, limit=limit, one_record_per_line=False,
                                 at_end=end == len(body)))
    return joined(parts)


def _whole(data: bytes, limit: int, chunk: int = 7):
    """The stream scan, fed in small chunks so that signs straddle chunk boundaries."""
    scan = StreamScan(limit)
    for i in range(0, len(data), chunk):
        scan.feed(data[i:i + chunk])
    return scan.finish()


def _naive(data: bytes, limit: int) -> Signs:
    """The definition of each sign, spelled out."""
    body = data[:-1] if data.endswith(b"\r") else data  # a final CR may be a CRLF cut short
    lone = any(body[i] == 13 and (i + 1 == len(body) or body[i + 1] != 10)
               for i in range(len(body)))
    return Signs(nul=b"\x00" in data, odd_quotes=data.count(b'"') % 2 == 1,
                 blank_lines=b"\n\n" in data or b"\n\r\n" in data, lone_cr=lone,
                 long_line=any(len(line) > limit for line in data.split(b"\n")))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(ALPHABET), max_size=60),
       st.lists(st.sampled_from(ALPHABET), max_size=200),
       st.lists(st.integers(1, 40), max_size=20), st.integers(1, 12))
def test_piece_signs_equal_a_whole_file_pass(head, body, cuts, limit):
    head_bytes = b"".join(head).replace(b"\n", b"") + b"\n"  # a header region ends a line
    head_bytes = head_bytes.replace(b"\r", b"") if head_bytes.endswith(b"\r\n") else head_bytes
    body_bytes = b"".join(body)
    expected = _naive(head_bytes + body_bytes, limit)
    assert _by_pieces(head_bytes, body_bytes, cuts, limit) == expected
    assert _whole(head_bytes + body_bytes, limit) == expected


def test_a_long_line_is_found_by_the_block_check():
    limit = 1 << 17  # blocks of 64 KiB: the memchr path, not the exact count
    short = b"x" * 100 + b"\n"
    for length, expected in ((limit, False), (limit + 1, True)):
        body = short * 50 + b"y" * length + b"\n" + short * 50
        found = piece_signs(bytearray(body), len(body), limit=limit, one_record_per_line=True,
                            at_end=True).signs.long_line
        assert found is expected
        assert _whole(body, limit).long_line is expected


def test_a_piece_parsed_one_record_per_line_is_not_rescanned_for_blank_lines():
    body = b"a\n\nb\n"
    proved = piece_signs(bytearray(body), len(body), limit=10, one_record_per_line=True,
                         at_end=True)
    unproved = piece_signs(bytearray(body), len(body), limit=10, one_record_per_line=False,
                           at_end=True)
    assert not proved.signs.blank_lines and unproved.signs.blank_lines


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from([*ALPHABET, "é".encode(), b"\xff"]), max_size=80),
       st.integers(1, 9))
def test_the_census_counts_what_it_says_across_slices(parts, slice_bytes):
    """One pass over slices (of a few bytes here, 1 MB in a run) counts every line break and
    quote and sees any byte past ASCII, wherever the slices cut; and its quote count is the
    one ``piece_signs`` takes instead of counting again."""
    data = b"".join(parts)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(hub.scan, "_SLICE", slice_bytes)
        found = census(memoryview(data))
    assert found == Census(data.count(b"\n"), data.count(b'"'), data.isascii())
    buf = bytearray(data) + bytearray(b"zz")
    assert piece_signs(buf, len(data), limit=5, one_record_per_line=False, at_end=True,
                       quotes=found.quotes) == piece_signs(
        buf, len(data), limit=5, one_record_per_line=False, at_end=True)
