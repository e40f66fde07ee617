"""Find a schema for ``dvh schema diff``: a file, a registered name, or ``NAME@git-rev``.

``NAME@REV`` reads the schema as it was at a git revision (``git show REV:./NAME.py`` run in
the schemas folder, so the folder may sit anywhere in the repository), writes it to a temporary
file with the same suffix and loads it like any other. Every side is turned into the same
document (``hub.export.export_document``) before comparing.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from hub.errors import ConfigError, SchemaLoadError
from hub.export import export_document
from hub.registry import Registry, load_schema_file

_REV = re.compile(r"^(?P<name>[A-Za-z_]\w*)@(?P<rev>[^\s:]+)$")


def split_rev(spec: str) -> tuple[str, str] | None:
    """``("orders", "HEAD~1")`` for ``orders@HEAD~1``, else None."""
    m = _REV.match(spec)
    return (m.group("name"), m.group("rev")) if m else None


def load_document(spec: str, schemas_dir: Path) -> tuple[str, dict[str, Any]]:
    """A label for the user and the export document of the schema ``spec`` names."""
    path = Path(spec)
    if path.suffix in (".py", ".json") and path.is_file():
        return str(path), export_document(load_schema_file(path))
    rev = split_rev(spec)
    if rev is not None and not path.exists():
        name, revision = rev
        return spec, export_document(_at_revision(name, revision, schemas_dir))
    if spec.isidentifier():
        return f"{spec} (working tree)", export_document(Registry(schemas_dir).get(spec))
    raise ConfigError(f"{spec!r}: not a .py or .json file, a schema name, or NAME@REV")


def _git(schemas_dir: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    git = shutil.which("git")
    if git is None:
        raise ConfigError("NAME@REV needs git, and git is not installed")
    try:
        return subprocess.run([git, "-C", str(schemas_dir), *args], capture_output=True,
                              timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ConfigError(f"git failed: {exc}") from None


def _at_revision(name: str, revision: str, schemas_dir: Path):  # noqa: ANN202 - SchemaEntry
    if not schemas_dir.is_dir():
        raise ConfigError(f"schemas folder {schemas_dir} does not exist")
    errors = []
    for suffix in (".py", ".json"):
        done = _git(schemas_dir, "show", f"{revision}:./{name}{suffix}")
        if done.returncode == 0:
            with tempfile.TemporaryDirectory(prefix="dvh-rev-") as tmp:
                target = Path(tmp) / f"{name}{suffix}"
                target.write_bytes(done.stdout)
                try:
                    return load_schema_file(target)
                except SchemaLoadError as exc:
                    raise SchemaLoadError(f"{name}@{revision}: {exc}") from None
        lines = done.stderr.decode(errors="replace").strip().splitlines()
        errors.append(lines[0] if lines else f"git exited {done.returncode}")
    raise ConfigError(f"{name}@{revision}: not found in git ({errors[0]})")
