"""Hash a file on a background thread from the moment the CLI knows its name.

Why: a ``dvh validate`` process spends its first ~0.5 s importing (one core, under the GIL)
while the second core idles. SHA-256 releases the GIL, so a file hashed then costs no wall
time, and the ~0.14 CPU-s per 175 MB it takes no longer competes with the two workers later.
This module imports nothing heavy on purpose: it must start before the engine is imported.

Only files up to ``LIMIT`` are hashed early: a larger file would be read twice from disk where
the readers' in-order hashing (hub.readers._Hasher) reads it once.
"""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

LIMIT = 4 << 30
_CHUNK = 4 << 20
_jobs: dict[str, _Job] = {}
_lock = threading.Lock()


def file_identity(path: Path) -> tuple[int, int, int, int] | None:
    """(device, inode, size, modification time): an early start's work is used only if the
    file still has the same (hub.parseahead too)."""
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


class _Job:
    def __init__(self, path: Path, identity: tuple[int, int, int, int]) -> None:
        self.path, self.identity = path, identity
        self._digest: str | None = None
        self._thread = threading.Thread(target=self._run, name="dvh-prehash", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        h = hashlib.sha256()
        try:
            with self.path.open("rb") as fh:
                while chunk := fh.read(_CHUNK):
                    h.update(chunk)
        except OSError:
            return
        self._digest = h.hexdigest()

    def result(self) -> str | None:
        self._thread.join()
        return self._digest


def start(path: Path) -> None:
    """Begin hashing ``path`` if it is a regular file of at most ``LIMIT`` bytes."""
    identity = file_identity(path)
    if identity is None or not path.is_file() or identity[2] > LIMIT:
        return
    with _lock:
        key = str(path.resolve())
        if key not in _jobs:
            _jobs[key] = _Job(path, identity)


def take(path: Path) -> _Job | None:
    """The early hash of ``path`` if one was started on the very same file (same inode, size
    and modification time); None otherwise, and the caller hashes as usual."""
    with _lock:
        job = _jobs.pop(str(path.resolve()), None) if _jobs else None
    if job is None or file_identity(path) != job.identity:
        return None
    return job


def forget() -> None:
    """Drop pending jobs (they finish on their own; their results are discarded)."""
    with _lock:
        _jobs.clear()

