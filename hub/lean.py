"""Keep a validation run lean: no pandas import, no garbage-collector sweeps mid-run.

Both were measured on a 1M-row file: together they cost more CPU than all the checks.

- pyarrow imports pandas (0.3-0.6 s, and hundreds of thousands of objects the garbage
  collector then walks) the first time it converts a Python value, only to ask "is this a
  pandas object?". Letting that first, optional probe fail makes pyarrow remember "no
  pandas" for such probes; anything that truly needs pandas (``to_pandas()``) still imports
  it on demand, and so does any code that imports pandas itself.
- The collector's sweeps walk every object the imports created, again and again, while the
  run allocates; the run creates no reference cycles worth collecting on the way, and what
  it leaves is collected once the run is over.
"""

from __future__ import annotations

import gc
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.abc import MetaPathFinder
from typing import Any

_lock = threading.Lock()
_probed = False


class _NoPandas(MetaPathFinder):
    def find_spec(self, name: str, path: Any = None, target: Any = None) -> None:
        if name == "pandas" or name.startswith("pandas."):
            raise ImportError("pandas is not needed here")


def keep_pandas_out() -> None:
    """Make pyarrow's optional pandas probe fail once (no-op when pandas is loaded already)."""
    global _probed
    with _lock:
        if _probed or "pandas" in sys.modules:
            _probed = True
            return
        import pyarrow as pa

        finder = _NoPandas()
        sys.meta_path.insert(0, finder)
        try:
            pa.array([0])  # pyarrow probes for pandas here, and caches the answer
        finally:
            sys.meta_path.remove(finder)
        _probed = True


_paused = 0
_was_enabled = True


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause automatic collection while runs are going on (runs may overlap in a server);
    the collector resumes, as it was, when the last one ends."""
    global _paused, _was_enabled
    with _lock:
        if _paused == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _paused += 1
    try:
        yield
    finally:
        with _lock:
            _paused -= 1
            if _paused == 0 and _was_enabled:
                gc.enable()
