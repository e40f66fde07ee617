"""Spool an upload (multipart field ``file`` or a raw body) to a private temp file.

The client's file name is only used as a label and for its extension; the path on disk is
generated here. The caller removes the file on every path.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from starlette.datastructures import UploadFile
from starlette.requests import Request

from hub.server.problems import HubProblem

_CHUNK = 1 << 20
_MULTIPART = "multipart/form-data"
CONTENT_TYPES = {
    "text/csv": "csv",
    "application/csv": "csv",
    "text/tab-separated-values": "csv",
    "application/vnd.apache.parquet": "parquet",
    "application/x-parquet": "parquet",
    "application/parquet": "parquet",
}
_EXTENSIONS = {".csv": "csv", ".tsv": "csv", ".parquet": "parquet", ".pq": "parquet"}


@dataclass
class Upload:
    path: Path
    name: str
    fmt: str
    size: int


def _format_of(content_type: str | None, filename: str | None) -> str | None:
    media = (content_type or "").split(";")[0].strip().lower()
    if media in CONTENT_TYPES:
        return CONTENT_TYPES[media]
    if filename:
        return _EXTENSIONS.get(PurePosixPath(filename).suffix.lower())
    return None


def _safe_label(filename: str | None, fmt: str) -> str:
    """A display name only: the last path component, printable, bounded."""
    base = PurePosixPath((filename or "").replace("\\", "/")).name
    base = "".join(ch for ch in base if ch.isprintable())[:200]
    return base or f"upload.{fmt}"


def _too_large(limit: int) -> HubProblem:
    return HubProblem(413, "upload_too_large", f"upload exceeds the limit of {limit} bytes",
                      ["body"])


def _unsupported(media: str) -> HubProblem:
    return HubProblem(
        415, "unsupported_format",
        f"unsupported content type {media!r}: send multipart/form-data with a field 'file', "
        "or text/csv or application/vnd.apache.parquet",
        ["header", "content-type"],
    )


async def receive_upload(request: Request, limit: int, spool_dir: Path | None) -> Upload:
    """Stream the request's file to disk, refusing anything larger than ``limit`` bytes."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit + 64 * 1024:
        raise _too_large(limit)
    content_type = request.headers.get("content-type", "")
    media = content_type.split(";")[0].strip().lower()
    if media == _MULTIPART:
        return await _from_form(request, limit, spool_dir)
    fmt = _format_of(content_type, request.query_params.get("filename"))
    if fmt is None:
        raise _unsupported(media)
    name = _safe_label(request.query_params.get("filename"), fmt)
    fd, tmp = tempfile.mkstemp(prefix="dvh-upload-", suffix=f".{fmt}", dir=spool_dir)
    size = 0
    try:
        with os.fdopen(fd, "wb") as out:
            async for chunk in request.stream():
                size += len(chunk)
                if size > limit:
                    raise _too_large(limit)
                out.write(chunk)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return Upload(Path(tmp), name, fmt, size)


async def _from_form(request: Request, limit: int, spool_dir: Path | None) -> Upload:
    form = await request.form(max_files=1, max_fields=16, max_part_size=64 * 1024)
    try:
        field = form.get("file")
        if not isinstance(field, UploadFile):
            raise HubProblem(400, "missing_file",
                             "multipart body has no file field named 'file'", ["body", "file"])
        fmt = _format_of(field.content_type, field.filename) or _format_of(
            None, request.query_params.get("filename"))
        if fmt is None:
            raise _unsupported(field.content_type or "application/octet-stream")
        name = _safe_label(field.filename, fmt)
        fd, tmp = tempfile.mkstemp(prefix="dvh-upload-", suffix=f".{fmt}", dir=spool_dir)
        size = 0
        try:
            with os.fdopen(fd, "wb") as out:
                while chunk := await field.read(_CHUNK):
                    size += len(chunk)
                    if size > limit:
                        raise _too_large(limit)
                    out.write(chunk)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return Upload(Path(tmp), name, fmt, size)
    finally:
        await form.close()
