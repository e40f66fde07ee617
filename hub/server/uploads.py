"""Stream an upload (multipart field ``file`` or a raw body) to a private temp file, bounded.

- Nothing is buffered whole: each chunk goes to disk as it arrives, and the count is checked
  before it is written, so reading stops at ``max_upload_bytes`` plus at most one chunk.
- Multipart is parsed here with python-multipart's streaming parser (not ``request.form()``,
  which spools every part before the caller sees any): exactly one file part, at most
  ``max_form_fields`` other parts of at most ``max_field_bytes`` each, bounded part headers.
- ``Content-Encoding: gzip`` / ``deflate`` is undone while spooling, capped at
  ``max_decompressed_bytes`` (a 1 MB bomb that expands to 10 GB stops at the cap).
- The client's file name is a label (and its extension a format hint) only; the path on disk
  is ``mkstemp``'s. The temp file is removed on every path: on error or client disconnect here,
  after the job otherwise (``Upload.discard``).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import ClientDisconnect, Request

from hub.server.problems import HubProblem
from hub.server.settings import Settings

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
_WBITS = {"gzip": 16 + zlib.MAX_WBITS, "x-gzip": 16 + zlib.MAX_WBITS, "deflate": zlib.MAX_WBITS}
_INFLATE_STEP = 1 << 20


@dataclass
class Upload:
    path: Path
    name: str
    fmt: str
    size: int

    def discard(self) -> None:
        self.path.unlink(missing_ok=True)


_COMPRESSED = (".gz", ".gzip", ".bz2", ".xz", ".zst", ".zstd")
_GENERIC = {"application/octet-stream", "application/gzip", "application/x-gzip",
            "application/x-bzip2", "application/x-xz", "application/zstd", ""}


def format_of(content_type: str | None, filename: str | None) -> str | None:
    """csv or parquet from the content type, then the file name (``.csv.gz`` is CSV);
    ``auto`` for a generic type with no telling name (the core then reads the content);
    None for a type that is neither (415)."""
    media = (content_type or "").split(";")[0].strip().lower()
    if media in CONTENT_TYPES:
        return CONTENT_TYPES[media]
    if filename:
        name = PurePosixPath(filename.replace("\\", "/")).name.lower()
        for suffix in _COMPRESSED:
            if name.endswith(suffix):
                name = name[: -len(suffix)]
                break
        found = _EXTENSIONS.get(PurePosixPath(name).suffix)
        if found:
            return found
    return "auto" if media in _GENERIC else None


def safe_label(filename: str | None, fmt: str) -> str:
    """A display name only: the last path component, printable, bounded."""
    base = PurePosixPath((filename or "").replace("\\", "/")).name
    base = "".join(ch for ch in base if ch.isprintable())[:200]
    return base or f"upload.{fmt}"


def too_large(limit: int, what: str = "upload") -> HubProblem:
    kind = "upload_too_large" if what == "upload" else "decompressed_too_large"
    return HubProblem(413, kind, f"{what} exceeds the limit of {limit} bytes", ["body"],
                      headers={"Connection": "close"})


def _unsupported(media: str) -> HubProblem:
    return HubProblem(
        415, "unsupported_format",
        f"unsupported content type {media!r}: send multipart/form-data with a field 'file', "
        "or text/csv or application/vnd.apache.parquet",
        ["header", "content-type"],
    )


class _Sink:
    """A temp file fed chunk by chunk, counting raw and decoded bytes against the limits."""

    def __init__(self, settings: Settings, encoding: str | None, fmt: str) -> None:
        self.limit = settings.max_upload_bytes
        self.inflated_limit = settings.max_decompressed_bytes
        self.raw = 0
        self.size = 0
        self._inflate = zlib.decompressobj(_WBITS[encoding]) if encoding else None
        fd, name = tempfile.mkstemp(prefix="dvh-upload-", suffix=f".{fmt}",
                                    dir=settings.upload_dir)
        self.path = Path(name)
        self._out = os.fdopen(fd, "wb")

    def write(self, chunk: bytes) -> None:
        self.raw += len(chunk)
        if self.raw > self.limit:
            raise too_large(self.limit)
        if self._inflate is None:
            self._put(chunk)
            return
        data = chunk
        while data:
            try:
                out = self._inflate.decompress(data, _INFLATE_STEP)
            except zlib.error:
                raise HubProblem(400, "unreadable_input", "the body is not valid "
                                 "compressed data (Content-Encoding)", ["body"]) from None
            self._put(out)
            data = self._inflate.unconsumed_tail

    def _put(self, data: bytes) -> None:
        self.size += len(data)
        if self._inflate is not None and self.size > self.inflated_limit:
            raise too_large(self.inflated_limit, "decompressed upload")
        self._out.write(data)

    def close(self) -> None:
        if self._inflate is not None and not self._inflate.eof and self.raw:
            raise HubProblem(400, "unreadable_input", "the compressed body is truncated",
                             ["body"])
        self._out.close()

    def abort(self) -> None:
        with contextlib.suppress(OSError):
            self._out.close()
        self.path.unlink(missing_ok=True)


def _encoding(request: Request) -> str | None:
    value = request.headers.get("content-encoding", "identity").strip().lower()
    if value in ("", "identity"):
        return None
    if value not in _WBITS:
        raise HubProblem(415, "unsupported_encoding", f"unsupported Content-Encoding {value!r} "
                         "(gzip, deflate or none)", ["header", "content-encoding"])
    return value


async def receive_upload(request: Request, settings: Settings) -> Upload:
    """Stream the request's file to disk within the limits; the caller discards it later."""
    content_type = request.headers.get("content-type", "")
    media = content_type.split(";")[0].strip().lower()
    # a form carries the file plus boundaries and part headers: allow for those
    allowance = 64 * 1024 if media == _MULTIPART else 0
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > settings.max_upload_bytes + allowance:
        raise too_large(settings.max_upload_bytes)
    encoding = _encoding(request)
    try:
        if media == _MULTIPART:
            return await _from_form(request, settings, encoding)
        fmt = format_of(content_type, request.query_params.get("filename"))
        if fmt is None:
            raise _unsupported(media)
        sink = _Sink(settings, encoding, fmt)
        try:
            async for chunk in request.stream():
                sink.write(chunk)
            sink.close()
        except BaseException:
            sink.abort()
            raise
        return Upload(sink.path, safe_label(request.query_params.get("filename"), fmt), fmt,
                      sink.size)
    except ClientDisconnect:
        raise HubProblem(400, "client_disconnected", "the client went away mid-upload",
                         ["body"]) from None


class _Form:
    """Callbacks for python-multipart: one file part to a sink, small fields kept in memory."""

    def __init__(self, request: Request, settings: Settings, encoding: str | None) -> None:
        self.request, self.settings, self.encoding = request, settings, encoding
        self.sink: _Sink | None = None
        self.upload: Upload | None = None
        self.fields = 0
        self.files = 0
        self._headers: dict[str, str] = {}
        self._field, self._value = b"", b""
        self._part: str | None = None  # "file", "field" or "skip"
        self._field_size = 0
        self._filename: str | None = None

    def callbacks(self) -> dict[str, Any]:
        return {
            "on_part_begin": self._begin, "on_header_field": self._hfield,
            "on_header_value": self._hvalue, "on_header_end": self._hend,
            "on_headers_finished": self._headers_done, "on_part_data": self._data,
        }

    def _begin(self) -> None:
        self._headers, self._field, self._value, self._part = {}, b"", b"", None
        self._field_size = 0

    def _hfield(self, data: bytes, start: int, end: int) -> None:
        self._field += data[start:end]

    def _hvalue(self, data: bytes, start: int, end: int) -> None:
        self._value += data[start:end]

    def _hend(self) -> None:
        self._headers[self._field.decode("latin-1").lower()] = self._value.decode("latin-1")
        self._field, self._value = b"", b""

    def _headers_done(self) -> None:
        _, params = parse_options_header(self._headers.get("content-disposition", ""))
        name = params.get(b"name", b"").decode("latin-1")
        filename = params.get(b"filename")
        if filename is not None:
            self.files += 1
            if self.files > 1:
                raise HubProblem(400, "too_many_files", "send one file per request", ["body"])
            if name != "file":
                self._part = "skip"
                return
            self._filename = filename.decode("utf-8", "replace")
            fmt = format_of(self._headers.get("content-type"), self._filename) or format_of(
                None, self.request.query_params.get("filename"))
            if fmt is None:
                raise _unsupported(self._headers.get("content-type")
                                   or "application/octet-stream")
            self.sink = _Sink(self.settings, self.encoding, fmt)
            self.upload = Upload(self.sink.path, safe_label(self._filename, fmt), fmt, 0)
            self._part = "file"
        else:
            self.fields += 1
            if self.fields > self.settings.max_form_fields:
                raise HubProblem(400, "too_many_fields", "too many form fields (at most "
                                 f"{self.settings.max_form_fields} besides 'file')", ["body"])
            self._part = "field"

    def _data(self, data: bytes, start: int, end: int) -> None:
        if self._part == "file" and self.sink is not None:
            self.sink.write(data[start:end])
        elif self._part in ("field", "skip"):
            self._field_size += end - start
            limit = self.settings.max_field_bytes
            if self._part == "skip":
                limit = self.settings.max_upload_bytes
            if self._field_size > limit:
                raise HubProblem(413, "field_too_large", f"a form part exceeds {limit} bytes",
                                 ["body"], headers={"Connection": "close"})


async def _from_form(request: Request, settings: Settings, encoding: str | None) -> Upload:
    _, params = parse_options_header(request.headers.get("content-type"))
    boundary = params.get(b"boundary")
    if not boundary:
        raise HubProblem(400, "invalid_multipart", "multipart body without a boundary",
                         ["header", "content-type"])
    form = _Form(request, settings, None)
    # A compressed multipart body is rare; undo it per file part is not supported.
    if encoding is not None:
        raise HubProblem(415, "unsupported_encoding", "Content-Encoding applies to raw bodies "
                         "only; compress the file inside the form instead",
                         ["header", "content-encoding"])
    parser = MultipartParser(boundary, form.callbacks(), max_header_count=8,
                             max_header_size=8 * 1024)
    # the file is counted by its sink; this bounds everything around it (fields, preamble)
    envelope = settings.max_upload_bytes + settings.max_form_fields * settings.max_field_bytes \
        + 64 * 1024
    seen = 0
    try:
        async for chunk in request.stream():
            seen += len(chunk)
            if seen > envelope:
                raise too_large(settings.max_upload_bytes)
            parser.write(chunk)
        parser.finalize()
        if form.upload is None or form.sink is None:
            raise HubProblem(400, "missing_file", "multipart body has no file field named "
                             "'file'", ["body", "file"])
        form.sink.close()
    except MultipartParseError as exc:
        if form.sink is not None:
            form.sink.abort()
        raise HubProblem(400, "invalid_multipart", f"malformed multipart body: {exc}",
                         ["body"]) from None
    except BaseException:
        if form.sink is not None:
            form.sink.abort()
        raise
    form.upload.size = form.sink.size
    return form.upload
