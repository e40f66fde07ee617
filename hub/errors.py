"""The exceptions dvh raises when it *cannot run* (invalid data is a report, never an exception).

Hierarchy::

    DvhError                    base: every message is one line, safe to show a user
    ├── ConfigError             bad settings or arguments            -> CLI exit 2 / HTTP 400
    │   └── SchemaNotFound      no schema by that name               -> CLI exit 2 / HTTP 404
    ├── SchemaLoadError         a schema module failed to import     -> CLI exit 2 / HTTP 500
    ├── UnsupportedFormat       not CSV or Parquet                   -> CLI exit 3 / HTTP 415
    └── UnreadableInput         the file cannot be read at all       -> CLI exit 3 / HTTP 400

Faces translate these once, at their edge; the core never prints or exits.
"""

from __future__ import annotations


class DvhError(Exception):
    """Base of every error dvh reports to a user; ``str(err)`` is the one-line message.

    ``kind`` is a stable snake_case slug (the ``type`` of the HTTP problem body); subclasses
    set a default and a raise site may name a more precise one (``empty_file``...).
    """

    exit_code: int = 2
    kind: str = "dvh_error"

    def __init__(self, message: str, *, kind: str | None = None) -> None:
        super().__init__(message)
        if kind is not None:
            self.kind = kind


class ConfigError(DvhError):
    """Settings, flags or arguments that make a run impossible."""

    exit_code = 2
    kind = "config_error"


class SchemaNotFound(ConfigError):
    """The requested schema name is not in the registry."""

    kind = "schema_not_found"


class SchemaLoadError(DvhError):
    """A schema module exists but could not be imported or holds no usable model."""

    exit_code = 2
    kind = "schema_load_error"


class UnsupportedFormat(DvhError):
    """The input is neither CSV nor Parquet (by extension, content type or content)."""

    exit_code = 3
    kind = "unsupported_format"


class UnreadableInput(DvhError):
    """The input cannot be opened or decoded as a whole (missing file, corrupt Parquet...)."""

    exit_code = 3
    kind = "unreadable_input"
