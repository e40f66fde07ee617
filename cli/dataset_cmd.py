"""``dvh validate DIR``: a directory (or, with ``--dataset`` or ``--dask``, a glob or an fsspec
URL) validated as one partitioned dataset, on this machine or on a Dask cluster.

Only the dispatch lives here; the semantics are ``hub.dataset``'s and the cluster run is
``hub.distributed``'s. The report is the same either way, so gating and outputs do not care.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from cli.validate_cmd import RunOptions

_SCALE = "Datasets and scale-out"

DaskOpt = Annotated[str | None, typer.Option(
    "--dask", help="Validate the argument as one dataset on Dask: 'local' (a cluster of worker "
    "processes on this machine) or a scheduler address such as tcp://host:8786 (the workers "
    "need dvh installed and must reach the files: a shared path or an s3://, gs://, abfs:// "
    "URL).", show_default=False, rich_help_panel=_SCALE)]
DatasetOpt = Annotated[bool, typer.Option(
    "--dataset", help="Validate the argument (a glob such as 'drops/*.csv', or a URL) as one "
    "partitioned dataset: uniqueness and row counts across its files, each error naming its "
    "file. A directory always is one.", rich_help_panel=_SCALE)]

_MANGLED_URL = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):/(?!/)")


def target_of(arg: Path | str) -> str:
    """The argument as the user typed it: a ``Path`` turns ``s3://b/x`` into ``s3:/b/x``."""
    text = str(arg)
    return _MANGLED_URL.sub(r"\1://", text, count=1)


def wants_dataset(arg: Path | str, run: RunOptions) -> bool:
    from hub.dataset_files import is_dataset_target, is_url

    target = target_of(arg)
    return bool(run.dask) or run.dataset or is_url(target) or is_dataset_target(target)


def _tuning() -> dict[str, int]:
    """Sizes for very large datasets (docs/scale.md): ``DVH_PARTITION_MB`` (default 256) and
    ``DVH_BUCKET_ROWS`` (keys per shuffle bucket, default 4,000,000)."""
    from hub.errors import ConfigError

    out = {}
    for env, key, scale in (("DVH_PARTITION_MB", "part_bytes", 1 << 20),
                            ("DVH_BUCKET_ROWS", "bucket_rows", 1)):
        raw = os.environ.get(env)
        if raw is None:
            continue
        if not raw.isdigit() or int(raw) == 0:
            raise ConfigError(f"{env} must be a positive whole number, not {raw!r}")
        out[key] = int(raw) * scale
    return out


def dataset_report(arg: Path | str, run: RunOptions, entry: Any) -> dict[str, Any]:
    """The dataset's report as the API would return it (raises ``DvhError`` on failure)."""
    from hub.dataset import DatasetOptions, validate_dataset
    from hub.errors import ConfigError

    if run.server:
        raise ConfigError("--server takes files; validate a dataset here or with --dask")
    target = target_of(arg)
    read = run.read
    opts = DatasetOptions(max_errors=run.max_errors, read=read,
                          null_tokens=tuple(read.null_tokens) if read else (), **_tuning())
    if not run.dask:
        return validate_dataset(target, entry, opts).to_json_dict()
    from hub.distributed import connect, validate_on_dask

    with connect(run.dask) as client:
        return validate_on_dask(target, entry, client, opts).to_json_dict()
