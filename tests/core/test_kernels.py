"""Small helpers the column kernels share, held to their plain definitions."""

from __future__ import annotations

import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from hub.kernels import to_mask


@settings(max_examples=300, deadline=None)
@given(st.lists(st.none() | st.booleans(), max_size=90), st.integers(0, 20), st.integers(0, 90),
       st.integers(1, 4))
def test_a_mask_is_the_values_with_nulls_as_false(values, cut, length, chunks):
    """Bits unpacked by numpy at any offset (a slice), with nulls, and chunked."""
    arr = pa.array(values, type=pa.bool_()).slice(cut, length)
    want = [bool(v) for v in values[cut:cut + length]]
    assert to_mask(arr).tolist() == want
    step = max(len(arr) // chunks, 1)
    parts = [arr.slice(i, step) for i in range(0, len(arr), step)] or [arr]
    assert to_mask(pa.chunked_array(parts, type=pa.bool_())).tolist() == want


def test_a_mask_can_be_written_to():
    mask = to_mask(pa.array([True, False, True]).slice(1))
    mask[0] = True
    assert mask.tolist() == [True, True]
