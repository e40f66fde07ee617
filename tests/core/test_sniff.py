"""Delimiter sniffing: the delimiter must split the data lines like the header, not just the
header (hypothesis found a one-column file headed ``|`` read as two blank columns)."""

from __future__ import annotations

import pytest

from hub.sniff import sniff_delimiter


@pytest.mark.parametrize(("text", "expected"), [
    ("|\ntrue\n", ","),                      # a one-column header that contains a "|"
    ("a;b\n1;2\n3;4\n", ";"),
    ("a|b\n1|2\n", "|"),
    ("a\tb\n1\t2\n", "\t"),
    ("a,b\n1,2\n3\n4,5\n", ","),             # a ragged row does not change the verdict
    ("name\nx;y\n", ","),                     # only data lines split: still one column
])
def test_sniffed_delimiter(text: str, expected: str) -> None:
    assert sniff_delimiter(text) == expected
