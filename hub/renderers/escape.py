"""Escaping shared by every renderer: data from a file is hostile until shown safely.

A cell can hold anything: ``=HYPERLINK(...)`` for a spreadsheet, ``|`` or backticks for a
Markdown table, ``<script>`` for an HTML view, ``\\x00`` for an XML parser, or a newline followed
by ``::error::`` for a GitHub runner. Each output format gets the escaping it needs here, in one
place, and tests feed every format the same hostile values.
"""

from __future__ import annotations

import json
import re
from typing import Any

# Characters XML 1.0 cannot carry at all (even as character references).
_XML_INVALID = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# Control characters (C0, DEL, C1) and line/paragraph separators: shown as escapes, never raw.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
# Leading characters that make a spreadsheet treat a cell as a formula (OWASP CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Markdown punctuation that could start emphasis, code, links, tables, math or strikethrough
# (``<``, ``>`` and ``&`` become HTML entities instead).
_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~$])")


def _escape_char(match: re.Match[str]) -> str:
    ch = match.group(0)
    if ch in _NAMED:
        return _NAMED[ch]
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def one_line(text: str) -> str:
    """Control characters as visible escapes: one value stays on one line."""
    return _CONTROL.sub(_escape_char, text)


def xml_safe(text: str) -> str:
    """Text an XML parser accepts: characters XML forbids become visible escapes.

    ElementTree escapes ``& < > "`` itself; it does not refuse ``\\x00`` or lone surrogates,
    which would make the whole document unreadable.
    """
    return _XML_INVALID.sub(_escape_char, text)


def cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(width - 1, 1)] + "…"


def plural(n: int, word: str) -> str:
    return f"{n:,} {word}" + ("" if n == 1 else "s")


def show_value(value: Any, width: int = 60) -> str:
    """A cell value as users read it: strings quoted, null as ∅, on one line, cut to ``width``."""
    if value is None:
        return "∅"
    if isinstance(value, str):
        return "'" + cut(one_line(value), width) + "'"
    try:
        text = json.dumps(value, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        text = repr(value)
    return cut(one_line(text), width)


def formula_safe(text: str) -> str:
    """A leading apostrophe where a spreadsheet would start a formula (``=``, ``+``, ``@``...)."""
    return "'" + text if text.startswith(FORMULA_START) else text


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def md_text(text: str) -> str:
    """Plain text for a Markdown table cell or line: no markup, no HTML, no table breakage."""
    return _html(_MD_SPECIAL.sub(r"\\\1", formula_safe(one_line(text))))


def md_code(text: str) -> str:
    """A value as an inline code span, whatever backticks or pipes it holds.

    Inside a code span nothing renders (no links, mentions, HTML or emphasis). The fence is
    one backtick longer than the longest run inside; ``|`` is escaped because GFM splits table
    cells before it parses code spans.
    """
    body = formula_safe(one_line(text)).replace("|", "\\|")
    longest = max((len(run) for run in re.findall(r"`+", body)), default=0)
    fence = "`" * (longest + 1)
    return f"{fence} {body} {fence}"


def gh_data(text: str) -> str:
    """A workflow command's message: ``%``, CR and LF percent-encoded (GitHub's rules)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def gh_property(text: str) -> str:
    """A workflow command's property value: the message rules plus ``:`` and ``,``."""
    return gh_data(text).replace(":", "%3A").replace(",", "%2C")
