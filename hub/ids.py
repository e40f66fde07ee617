"""Time-ordered report ids (ULID layout: 48-bit milliseconds + 80 random bits, Crockford base32).

Sorting ids sorts reports by creation time, which is what ``GET /reports`` pages over.
"""

from __future__ import annotations

import secrets
import time

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_id() -> str:
    value = (int(time.time() * 1000) << 80) | secrets.randbits(80)
    chars = []
    for _ in range(26):
        chars.append(_ALPHABET[value & 31])
        value >>= 5
    return "".join(reversed(chars))
