"""The Arrow compute calls the checks make, without importing ``pyarrow.compute``.

Why: ``import pyarrow.compute`` builds a Python wrapper, with a signature and a docstring, for
each of Arrow's ~300 compute functions: 45-70 ms on one core here, on every ``dvh validate``
run, before the first check. A check needs a dozen of those functions. Each function below
makes the same call the wrapper makes (``call_function`` with the same options) and is named
after it, so ``ops.cast(arr, t)`` is ``pc.cast(arr, t)``. The array methods that call into
``pyarrow.compute`` (``take``, ``filter``, ``fill_null``, ``cast``, ``is_null``...) import it
too, so the checks call these instead.

Arrays are made from numpy by ``mask``, ``indices`` and ``int64_with_nulls`` rather than
``pa.array(ndarray)``: pyarrow asks whether such an array is a ``np.ma.MaskedArray``, which
imports ``numpy.ma`` (15-21 ms here) on the first conversion of each run.

``tests/core/test_arrowops.py`` holds every function here to ``pyarrow.compute``'s answer.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa

try:  # where pyarrow keeps them; ``pyarrow.compute`` re-exports these very objects
    from pyarrow import _compute as _c
except ImportError:  # pragma: no cover - a pyarrow that moved them: slower, same answers
    from pyarrow import compute as _c  # type: ignore[no-redef]

call_function = _c.call_function

Arrayish = Any  # pa.Array | pa.ChunkedArray | pa.Scalar


# -- arrays from numpy ---------------------------------------------------------------------

def mask(values: np.ndarray) -> pa.BooleanArray:
    """A numpy bool array as an Arrow boolean array (no nulls)."""
    bits = np.packbits(np.asarray(values, dtype=bool), bitorder="little")
    return pa.Array.from_buffers(pa.bool_(), len(values), [None, pa.py_buffer(bits)])


def indices(values: np.ndarray) -> pa.Int64Array:
    """Positions (any numpy integers) as an Arrow int64 array (no nulls), for ``take``."""
    data = np.ascontiguousarray(values, dtype=np.int64)
    return pa.Array.from_buffers(pa.int64(), len(data), [None, pa.py_buffer(data)])


def int64_with_nulls(values: np.ndarray, valid: np.ndarray) -> pa.Int64Array:
    """``values`` as int64, null where ``valid`` is False."""
    data = np.ascontiguousarray(values, dtype=np.int64)
    nulls = len(data) - int(np.count_nonzero(valid))
    bitmap = pa.py_buffer(np.packbits(np.asarray(valid, dtype=bool), bitorder="little"))
    return pa.Array.from_buffers(pa.int64(), len(data), [bitmap, pa.py_buffer(data)],
                                 null_count=nulls)


# -- selection and conversion --------------------------------------------------------------

def cast(arr: Arrayish, target: pa.DataType, safe: bool = True) -> Arrayish:
    options = _c.CastOptions.safe(target) if safe else _c.CastOptions.unsafe(target)
    return call_function("cast", [arr], options)


def take(arr: Arrayish, positions: Arrayish) -> Arrayish:
    return call_function("take", [arr, positions], _c.TakeOptions(boundscheck=True))


def filter(arr: Arrayish, keep: Arrayish) -> Arrayish:  # noqa: A001 - pc.filter's name
    return call_function("filter", [arr, keep], _c.FilterOptions("drop"))


def fill_null(arr: Arrayish, value: Any) -> Arrayish:
    return call_function("coalesce", [arr, pa.scalar(value, type=arr.type)])


def is_null(arr: Arrayish) -> Arrayish:
    return call_function("is_null", [arr], _c.NullOptions(nan_is_null=False))


def is_valid(arr: Arrayish) -> Arrayish:
    return call_function("is_valid", [arr])


def if_else(cond: Arrayish, left: Arrayish, right: Arrayish) -> Arrayish:
    return call_function("if_else", [cond, left, right])


def replace_with_mask(arr: Arrayish, where: Arrayish, values: Arrayish) -> Arrayish:
    return call_function("replace_with_mask", [arr, where, values])


# -- distinct values, sorting, lookup -------------------------------------------------------

def dictionary_encode(arr: Arrayish) -> Arrayish:
    return call_function("dictionary_encode", [arr], _c.DictionaryEncodeOptions("mask"))


def count_distinct(arr: Arrayish) -> pa.Scalar:
    return call_function("count_distinct", [arr], _c.CountOptions("only_valid"))


def sort_indices(arr: Arrayish) -> Arrayish:
    return call_function("sort_indices", [arr], _c.SortOptions())


def search_sorted(sorted_values: Arrayish, needles: Arrayish) -> Arrayish:
    return call_function("search_sorted", [sorted_values, needles], _c.SearchSortedOptions())


def is_in(arr: Arrayish, value_set: pa.Array) -> Arrayish:
    return call_function("is_in", [arr], _c.SetLookupOptions(value_set, skip_nulls=False))


# -- comparisons and logic ------------------------------------------------------------------

def equal(left: Arrayish, right: Arrayish) -> Arrayish:
    return call_function("equal", [left, right])


def not_equal(left: Arrayish, right: Arrayish) -> Arrayish:
    return call_function("not_equal", [left, right])


def less_equal(left: Arrayish, right: Any) -> Arrayish:
    return call_function("less_equal", [left, right])


def and_(left: Arrayish, right: Arrayish) -> Arrayish:
    return call_function("and", [left, right])


def invert(arr: Arrayish) -> Arrayish:
    return call_function("invert", [arr])


# -- strings --------------------------------------------------------------------------------

def match_substring_regex(arr: Arrayish, pattern: str) -> Arrayish:
    return call_function("match_substring_regex", [arr], _c.MatchSubstringOptions(pattern))


def match_substring(arr: Arrayish, pattern: str) -> Arrayish:
    return call_function("match_substring", [arr], _c.MatchSubstringOptions(pattern))


def find_substring(arr: Arrayish, pattern: str) -> Arrayish:
    return call_function("find_substring", [arr], _c.MatchSubstringOptions(pattern))


def replace_substring(arr: Arrayish, pattern: str, replacement: str) -> Arrayish:
    return call_function("replace_substring", [arr],
                         _c.ReplaceSubstringOptions(pattern, replacement))


def utf8_ltrim(arr: Arrayish, characters: str) -> Arrayish:
    return call_function("utf8_ltrim", [arr], _c.TrimOptions(characters))


def utf8_rtrim(arr: Arrayish, characters: str) -> Arrayish:
    return call_function("utf8_rtrim", [arr], _c.TrimOptions(characters))


def binary_join_element_wise(*args: Arrayish) -> Arrayish:
    """The last argument is the separator, as in ``pc.binary_join_element_wise``."""
    *strings, sep = args
    if isinstance(sep, str):
        sep = pa.scalar(sep, pa.string())
    return call_function("binary_join_element_wise", [*strings, sep], _c.JoinOptions())


def binary_length(arr: Arrayish) -> Arrayish:
    return call_function("binary_length", [arr])


def utf8_length(arr: Arrayish) -> Arrayish:
    return call_function("utf8_length", [arr])


def ascii_is_decimal(arr: Arrayish) -> Arrayish:
    return call_function("ascii_is_decimal", [arr])


def ascii_lower(arr: Arrayish) -> Arrayish:
    return call_function("ascii_lower", [arr])


def string_is_ascii(arr: Arrayish) -> Arrayish:
    return call_function("string_is_ascii", [arr])


# -- numpy ----------------------------------------------------------------------------------

def sorted_distinct(values: np.ndarray) -> np.ndarray:
    """``np.unique(values)`` for a 1-d array. numpy's own asks ``np.ma.is_masked`` first,
    which imports ``numpy.ma`` (see the module docstring)."""
    ordered = np.sort(values)
    if len(ordered) < 2:
        return ordered
    keep = np.empty(len(ordered), dtype=bool)
    keep[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    return ordered[keep]
