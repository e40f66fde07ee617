"""``hub.arrowops`` answers exactly as ``pyarrow.compute`` and numpy do, and a CSV run of
``dvh validate`` never imports ``pyarrow.compute`` or ``numpy.ma``."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hub import arrowops as ops
from tests.conftest import ROOT, SAMPLES

TEXT = pa.array(["12", " 3", None, "-4.50", "a\\b", "0.0", "", "x\x0by", "é", "12", None, "7."])
NUMS = pa.array([5, None, -1, 5, 2, 9, None, 0], pa.int64())
SORTED = pa.array(["a", "b", "b", "d"], pa.large_string())


def _same(got: object, want: object) -> None:
    assert type(got) is type(want)
    assert got.equals(want), (got, want)  # type: ignore[attr-defined]


CASES = [
    ("cast", (TEXT.slice(0, 1), pa.int64()), {}),
    ("cast", (NUMS, pa.string()), {}),
    ("cast", (pa.array([300]), pa.int8(), False), {"safe": False}),
    ("take", (TEXT, pa.array([3, 0, 2])), {}),
    ("filter", (TEXT, pa.array([True, False, None] * 4)), {}),
    ("fill_null", (TEXT, "?"), {}),
    ("fill_null", (NUMS, -1), {}),
    ("is_null", (TEXT,), {}),
    ("is_valid", (NUMS,), {}),
    ("if_else", (pa.array([True, False, None]), pa.array([1, 2, 3]), pa.scalar(None, pa.int64())),
     {}),
    ("replace_with_mask", (NUMS, pa.array([True, False] * 4), pa.array([10, 20, 30, 40])), {}),
    ("dictionary_encode", (TEXT,), {}),
    ("count_distinct", (TEXT,), {}),
    ("sort_indices", (NUMS,), {}),
    ("sort_indices", (TEXT,), {}),
    ("search_sorted", (SORTED, pa.array(["b", "c", "z", "a"], pa.large_string())), {}),
    ("is_in", (TEXT, pa.array(["12", "é"])), {"value_set": pa.array(["12", "é"])}),
    ("equal", (NUMS, NUMS.slice(0, 8)), {}),
    ("not_equal", (NUMS.slice(1), NUMS.slice(0, 7)), {}),
    ("less_equal", (NUMS, 2), {}),
    ("and_", (pa.array([True, False, None, True]), pa.array([True, True, True, None])), {}),
    ("invert", (pa.array([True, False, None]),), {}),
    ("match_substring_regex", (TEXT, r"^-?[0-9]+(?:\.[0-9]+)?$"), {}),
    ("match_substring", (TEXT, "."), {}),
    ("find_substring", (TEXT, "."), {}),
    ("replace_substring", (TEXT, "\\", "\\\\"), {}),
    ("utf8_ltrim", (TEXT, "-0"), {}),
    ("utf8_rtrim", (TEXT, "0."), {}),
    ("binary_join_element_wise", (TEXT, TEXT, "\x1f"), {}),
    ("binary_length", (TEXT,), {}),
    ("utf8_length", (TEXT,), {}),
    ("ascii_is_decimal", (TEXT,), {}),
    ("ascii_lower", (pa.array(["AbC", None, "É"]),), {}),
    ("string_is_ascii", (TEXT,), {}),
]


@pytest.mark.parametrize(("name", "args", "kw"), CASES, ids=[c[0] for c in CASES])
def test_each_call_answers_as_pyarrow_compute(name, args, kw):
    got = getattr(ops, name)(*args)
    if name == "cast" and len(args) == 3:
        want = pc.cast(args[0], args[1], safe=False)
    elif name == "is_in":
        want = pc.is_in(args[0], value_set=kw["value_set"])
    else:
        want = getattr(pc, name)(*args)
    _same(got, want)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.booleans(), max_size=70), st.lists(st.integers(-2**63, 2**63 - 1),
                                                      max_size=70))
def test_numpy_arrays_become_the_same_arrow_arrays(flags, ints):
    flags_np, ints_np = np.array(flags, dtype=bool), np.array(ints, dtype=np.int64)
    _same(ops.mask(flags_np), pa.array(flags_np))
    _same(ops.indices(ints_np), pa.array(ints_np))
    valid = np.resize(flags_np, len(ints_np)) if len(flags_np) else np.ones(len(ints_np), bool)
    _same(ops.int64_with_nulls(ints_np, valid), pa.array(ints_np, mask=~valid))
    assert ops.int64_with_nulls(ints_np, valid).null_count == int((~valid).sum())


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(-5, 5), max_size=40))
def test_sorted_distinct_is_numpy_unique(values):
    arr = np.array(values, dtype=np.int64)
    assert ops.sorted_distinct(arr).tolist() == np.unique(arr).tolist()


def test_a_run_imports_neither_pyarrow_compute_nor_numpy_ma():
    """Both cost a dvh run 60-90 ms of start-up; any array method or ``np.unique`` on the
    validate path would import them again (CSV and Parquet: ``pyarrow.parquet`` imports
    neither)."""
    code = ("import sys; sys.argv = ['dvh', 'validate', sys.argv[1], '--schema', 'orders', "
            "'--schemas-dir', sys.argv[3], '--format', 'json', '-o', sys.argv[2]]\n"
            "import os\n"
            "def leave(code, _exit=os._exit):\n"
            "    print(sorted(m for m in ('pyarrow.compute', 'numpy.ma', 'pandas') "
            "if m in sys.modules), code, flush=True)\n"
            "    _exit(0)\n"
            "os._exit = leave\n"
            "from cli.main import run\n"
            "run()\n")
    for sample in ("orders_invalid.csv", "orders_valid.csv", "orders_valid.parquet"):
        out = subprocess.run([sys.executable, "-c", code, str(SAMPLES / sample), "/dev/null",
                              str(ROOT / "schemas")],
                             capture_output=True, text=True, cwd=ROOT, check=True, timeout=120)
        verdict = 1 if "invalid" in sample else 0
        assert out.stdout.strip() == f"[] {verdict}", out.stdout + out.stderr
