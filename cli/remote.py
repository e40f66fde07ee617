"""Talk to a running hub: upload a file, read reports. Maps HTTP outcomes to CLI exit codes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hub.errors import ConfigError, DvhError, SchemaNotFound, UnreadableInput, UnsupportedFormat

_MEDIA = {"csv": "text/csv", "parquet": "application/vnd.apache.parquet"}


def _client(server: str, timeout: float = 600.0) -> Any:
    import os

    import httpx

    key = os.environ.get("DVH_API_KEY")  # a hub with API keys: `dvh keys create`
    headers = {"Authorization": f"Bearer {key}"} if key else None
    return httpx.Client(base_url=server.rstrip("/"), timeout=timeout, headers=headers)


def _problem(response: Any) -> str:
    try:
        detail = response.json()["detail"]
        if isinstance(detail, list) and detail:
            return "; ".join(str(d.get("msg")) for d in detail)
        return str(detail)
    except Exception:
        return response.text[:200] or f"HTTP {response.status_code}"


def _raise_for(response: Any, server: str) -> None:
    msg = f"{server}: {_problem(response)}"
    status = response.status_code
    if status == 404:
        raise SchemaNotFound(msg)
    if status == 415:
        raise UnsupportedFormat(msg)
    if status in (400, 413):
        raise UnreadableInput(msg)
    raise ConfigError(f"{msg} (HTTP {status})")


def read_params(read: Any) -> dict[str, Any]:
    """The reading options as the hub's query parameters (only what the user set)."""
    if read is None:
        return {}
    params: dict[str, Any] = {}
    if read.delimiter:
        params["delimiter"] = read.delimiter
    if read.encoding:
        params["encoding"] = read.encoding
    if not read.header:
        params["header"] = "false"
    if read.null_tokens:
        params["null_token"] = list(read.null_tokens)
    return params


def upload(server: str, schema: str, path: Path, fmt: str, max_errors: int,
           read: Any = None, policy: dict[str, Any] | None = None) -> dict[str, Any]:
    """POST the file as a raw body; the server's report (200 passes, 422 fails).

    Compressed files travel as they are; the hub inflates them (by name and content).
    ``policy`` (the gate's query parameters) lets the hub store the verdict the pipeline
    gates on."""
    import httpx

    url = f"/schemas/{schema}/validate"
    params = {"max_errors": max_errors, "filename": path.name, **read_params(read),
              **(policy or {})}
    try:
        with _client(server) as client, path.open("rb") as fh:
            response = client.post(url, content=fh, params=params,
                                   headers={"content-type": _MEDIA[fmt]})
    except httpx.HTTPError as exc:
        raise ConfigError(f"cannot reach the hub at {server}: {exc}") from None
    if response.status_code in (200, 422):
        try:
            body = response.json()
        except ValueError:
            raise DvhError(f"{server}: answered {response.status_code} without JSON") from None
        return body
    _raise_for(response, server)
    raise AssertionError("unreachable")


def get_json(server: str, path: str, params: dict[str, Any] | None = None) -> Any:
    import httpx

    try:
        with _client(server, timeout=30) as client:
            response = client.get(path, params=params)
    except httpx.HTTPError as exc:
        raise ConfigError(f"cannot reach the hub at {server}: {exc}") from None
    if response.status_code == 404:
        raise ConfigError(f"{server}: {_problem(response)}")
    if response.status_code >= 400:
        _raise_for(response, server)
    return response.json()
