"""A partitioned dataset: which files it holds, in which order, and how they are cut up.

A directory (as in pyarrow and Spark), a glob or an fsspec URL (``s3://``, ``gs://``,
``abfs://``...) names one dataset: every CSV and Parquet file under it, in the order of their
path relative to the dataset's root (files and folders starting with ``_`` or ``.``, such as
``_SUCCESS``, are skipped, as Spark and pyarrow do). Reports name each file by that relative
path, so a run names the same files whichever machine it ran on. A data file is known by its
name: ``.csv``, ``.tsv``, ``.tab`` and the Parquet extensions, each also compressed (``.gz``,
``.bz2``, ``.xz``, ``.zst``...), the names a single-file run reads. ``.txt`` is not taken (a
single-file run reads it when the user names it; in a folder it is usually a note).

The partition plan is a pure function of the listing (names, sizes, Parquet row groups), so a
run on one machine and a run on Dask cut the data the same way and fold the same pieces in the
same order: that is what makes their reports equal, not a tolerance. A file up to
``part_bytes`` is one partition; a larger CSV file is cut into byte ranges at line breaks, a
larger Parquet file into runs of row groups. A compressed file is always one partition (a
compressed stream cannot be entered in the middle).

Local paths need nothing but the standard library; URLs need fsspec (installed with
``dvh[dask]``) and the store's own package (``dvh[s3]``, ``dvh[gcs]``, ``dvh[azure]``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from hub.decompress import SUFFIXES as COMPRESSED
from hub.errors import ConfigError, UnreadableInput

PART_BYTES = 256 << 20
SUFFIXES = {".csv": "csv", ".tsv": "csv", ".tab": "csv", ".parquet": "parquet", ".pq": "parquet",
            ".parq": "parquet"}
_URL = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")
_GLOB = re.compile(r"[*?\[]")
STORE_EXTRAS = {"s3": "s3", "s3a": "s3", "gs": "gcs", "gcs": "gcs", "abfs": "azure",
                "abfss": "azure", "az": "azure", "adl": "azure"}


@dataclass(frozen=True)
class DataFile:
    """One file of the dataset. ``url`` is how to open it (a local path or an fsspec URL),
    ``name`` how reports call it (relative to the dataset's root)."""

    index: int
    url: str
    name: str
    fmt: str
    size: int

    @property
    def compressed(self) -> bool:
        """Named like a compressed file (``orders.csv.gz``): read whole, inflated first."""
        return _compression_of(self.name) is not None

    @property
    def remote(self) -> bool:
        return bool(_URL.match(self.url)) and not self.url.startswith("file://")

    @property
    def local_path(self) -> Path:
        return Path(self.url[len("file://"):] if self.url.startswith("file://") else self.url)


@dataclass(frozen=True)
class Partition:
    """A slice of one file validated as a unit: the whole file, a CSV byte range
    ``[start, stop)`` (cut again at line breaks by whoever reads it), or a run of Parquet row
    groups. ``order`` sorts partitions in dataset order: (file, position in the file)."""

    file: DataFile
    start: int | None = None
    stop: int | None = None
    row_groups: tuple[int, ...] | None = None

    @property
    def order(self) -> tuple[int, int]:
        first = self.start if self.start is not None else (
            self.row_groups[0] if self.row_groups else 0)
        return self.file.index, first

    @property
    def first_of_file(self) -> bool:
        return self.order[1] == 0

    @property
    def whole(self) -> bool:
        return self.start is None and self.row_groups is None


@dataclass(frozen=True)
class Dataset:
    """What the user named (``source``) and its files in dataset order."""

    source: str
    files: tuple[DataFile, ...]

    @property
    def fmt(self) -> str:
        kinds = {f.fmt for f in self.files}
        return kinds.pop() if len(kinds) == 1 else "mixed"

    @property
    def bytes(self) -> int:
        return sum(f.size for f in self.files)


def is_url(target: str) -> bool:
    return bool(_URL.match(target))


def is_dataset_target(target: str) -> bool:
    """A directory, or a URL ending in ``/``: the cases that are a dataset without asking."""
    if is_url(target):
        return target.endswith("/")
    return Path(target).is_dir()


def _skipped(rel: str) -> bool:
    return any(part.startswith(("_", ".")) for part in PurePosixPath(rel).parts)


def _compression_of(name: str) -> str | None:
    return COMPRESSED.get(PurePosixPath(name).suffix.lower())


def _fmt_of(name: str) -> str | None:
    """The format a data file's name says (``a.csv.gz`` is CSV), None for other files."""
    path = PurePosixPath(name.lower())
    if _compression_of(name):
        path = path.with_suffix("")
    return SUFFIXES.get(path.suffix)


def filesystem(url: str) -> tuple[Any, str]:
    """(fsspec filesystem, path inside it) for a URL, or a usage error naming what to install."""
    try:
        from fsspec.core import url_to_fs
    except ImportError:
        raise ConfigError("URLs need fsspec: pip install 'dvh[dask]'") from None
    scheme = url.split("://", 1)[0].lower()
    try:
        return url_to_fs(url)
    except (ImportError, ValueError) as exc:
        extra = STORE_EXTRAS.get(scheme)
        hint = f"pip install 'dvh[{extra}]'" if extra else "install its fsspec package"
        raise ConfigError(f"{scheme}:// is not available here ({exc}); {hint}") from None


def list_dataset(target: str) -> Dataset:
    """The dataset a directory, glob or URL names; raises if it holds no CSV/Parquet file
    (compressed or not)."""
    found = _list_url(target) if is_url(target) else _list_local(target)
    files = [f for f in found if _fmt_of(f[1]) and not _skipped(f[1])]
    files.sort(key=lambda f: f[1])
    if not files:
        raise UnreadableInput(f"{target}: no CSV or Parquet files found")
    return Dataset(target, tuple(
        DataFile(i, url, name, _fmt_of(name) or "csv", size)
        for i, (url, name, size) in enumerate(files)))


def _list_local(target: str) -> list[tuple[str, str, int]]:
    path = Path(target)
    if _GLOB.search(target):
        base = _glob_root(target)
        root = Path(base)
        hits = list(root.glob(target[len(base):].lstrip("/")))
    elif path.is_dir():
        root, hits = path, [p for p in path.rglob("*")]
    elif path.is_file():
        root, hits = path.parent, [path]
    else:
        raise UnreadableInput(f"{target}: no such file or directory")
    out = []
    for p in hits:
        try:
            if p.is_file():
                out.append((str(p), p.relative_to(root).as_posix(), p.stat().st_size))
        except OSError as exc:
            raise UnreadableInput(f"{p}: {exc.strerror or exc}") from None
    return out


def _glob_root(pattern: str) -> str:
    """The folder part of a glob before its first wildcard."""
    head = _GLOB.split(pattern, 1)[0]
    if head.endswith("/"):
        return head
    parent = str(PurePosixPath(head).parent)
    return "" if parent == "." else parent


def _list_url(target: str) -> list[tuple[str, str, int]]:
    fs, path = filesystem(target)
    scheme = target.split("://", 1)[0]
    try:
        if _GLOB.search(path):
            root = _glob_root(path).rstrip("/")
            infos = fs.glob(path, detail=True)
        elif fs.isdir(path):
            root = path.rstrip("/")
            infos = fs.find(path, detail=True)
        else:
            root = path.rsplit("/", 1)[0] if "/" in path else ""
            infos = {path: fs.info(path)}
    except FileNotFoundError:
        raise UnreadableInput(f"{target}: no such file or directory") from None
    except OSError as exc:
        raise UnreadableInput(f"{target}: {exc}") from None
    out = []
    for name, info in infos.items():
        if info.get("type") == "directory":
            continue
        rel = name[len(root):].lstrip("/") if root and name.startswith(root) else name
        out.append((f"{scheme}://{name.lstrip('/')}" if scheme != "file" else f"file://{name}",
                    rel, int(info.get("size") or 0)))
    return out


def plan_partitions(dataset: Dataset, part_bytes: int = PART_BYTES) -> list[Partition]:
    """Cut every file into partitions (see the module's docstring), in dataset order."""
    parts: list[Partition] = []
    for f in dataset.files:
        if f.size <= part_bytes or f.compressed:
            parts.append(Partition(f))
        elif f.fmt == "csv":
            parts.extend(Partition(f, start, min(start + part_bytes, f.size))
                         for start in range(0, f.size, part_bytes))
        else:
            parts.extend(_row_group_runs(f, part_bytes))
    return parts


def _row_group_runs(f: DataFile, part_bytes: int) -> list[Partition]:
    """Runs of consecutive row groups of about ``part_bytes`` (compressed) each."""
    meta = parquet_file(f).metadata
    runs: list[Partition] = []
    run: list[int] = []
    size = 0
    for i in range(meta.num_row_groups):
        run.append(i)
        size += meta.row_group(i).total_byte_size
        if size >= part_bytes:
            runs.append(Partition(f, row_groups=tuple(run)))
            run, size = [], 0
    if run or not runs:
        runs.append(Partition(f, row_groups=tuple(run)))
    return runs


def parquet_file(f: DataFile) -> Any:
    """A ``pyarrow.parquet.ParquetFile`` over a local path or an fsspec file (lazy reads, in
    bounded memory: ``hub.readers.parquet_reader``)."""
    import pyarrow as pa

    from hub.readers import parquet_reader

    try:
        if f.remote:
            fs, path = filesystem(f.url)
            return parquet_reader(fs.open(path, "rb"), remote=True)
        return parquet_reader(f.local_path)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, OSError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise UnreadableInput(f"{f.name}: not a readable Parquet file ({first})") from None


def read_range(f: DataFile, start: int, stop: int) -> bytes:
    """Bytes ``[start, stop)`` of a file, local or remote."""
    try:
        if f.remote:
            fs, path = filesystem(f.url)
            return bytes(fs.cat_file(path, start=start, end=stop))
        with f.local_path.open("rb") as fh:
            fh.seek(start)
            return fh.read(stop - start)
    except OSError as exc:
        raise UnreadableInput(f"{f.name}: {exc.strerror or exc}") from None


def next_line_start(f: DataFile, pos: int, step: int = 1 << 16) -> int:
    """The first byte after the first line break at or after ``pos`` (the file's size if
    there is none): where a byte range that was cut at ``pos`` really begins."""
    if pos <= 0:
        return 0
    while pos < f.size:
        chunk = read_range(f, pos - 1, min(pos - 1 + step, f.size))
        nl = chunk.find(b"\n")
        if nl >= 0:
            return pos - 1 + nl + 1
        pos += step - 1
    return f.size
