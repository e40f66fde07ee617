"""Write an inferred schema as a Python module a person would have written.

The output is deterministic and laid out the way ``ruff format`` lays it out (double quotes,
sorted imports, long ``Literal``s as exploded aliases with a magic trailing comma), so it is
clean even where ruff is not installed; where it is, ``format_code`` runs it as the last word.
"""

from __future__ import annotations

import keyword
import re
import shutil
import subprocess
import sys
import textwrap
import unicodedata
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

if TYPE_CHECKING:
    from hub.infer import Inference, InferredField

LINE = 88  # ruff's default; a project's own config applies when ruff formats the file
_RESERVED = frozenset(dir(BaseModel))
_IMPORTS = {
    "date": ("datetime", "date"), "datetime": ("datetime", "datetime"),
    "time": ("datetime", "time"), "timedelta": ("datetime", "timedelta"),
    "Decimal": ("decimal", "Decimal"), "UUID": ("uuid", "UUID"),
    "Any": ("typing", "Any"), "Annotated": ("typing", "Annotated"),
    "Literal": ("typing", "Literal"),
}


def py_str(text: str) -> str:
    """A string literal in ruff's preferred quotes (double, unless that needs more escapes)."""
    r = repr(text)
    if r[0] == "'" and '"' not in text:
        r = '"' + r[1:-1] + '"'
    return r


def field_name(header: str, taken: set[str]) -> str:
    """The header itself when it is a safe identifier, else a snake_case name (used with an
    alias); never a keyword, a private name, or an attribute of ``BaseModel``."""
    name = header
    if not _safe(name):
        ascii_text = unicodedata.normalize("NFKD", header).encode("ascii", "ignore").decode()
        ascii_text = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", ascii_text)
        name = re.sub(r"\W+", "_", ascii_text).strip("_").lower() or "column"
        if name[0].isdigit():
            name = f"col_{name}"
        if name.startswith("model_"):
            name = f"x_{name}"
        if keyword.iskeyword(name) or name in _RESERVED or keyword.issoftkeyword(name):
            name += "_"
    base, n = name, 2
    while name in taken:
        name, n = f"{base}_{n}", n + 1
    taken.add(name)
    return name


def _safe(name: str) -> bool:
    return (name.isidentifier() and name.isascii() and not keyword.iskeyword(name)
            and not name.startswith(("_", "model_")) and name not in _RESERVED)


def class_name(name: str, avoid: set[str]) -> str:
    """``orders`` -> ``Orders``; ``card_payments`` -> ``CardPayments``."""
    out = "".join(part[:1].upper() + part[1:] for part in re.split(r"[_\W]+", name) if part)
    out = out if out.isidentifier() else f"Schema{out}"
    while out in avoid:
        out += "Row"
    return out


def _value(v: Any, used: set[str]) -> str:
    if isinstance(v, bool):
        return repr(v)
    if isinstance(v, Decimal):
        used.add("Decimal")
        return f"Decimal({py_str(str(v))})"
    if isinstance(v, date):
        used.add("date")
        return f"date({v.year}, {v.month}, {v.day})"
    return repr(v)


def _type_name(f: InferredField, used: set[str]) -> str:
    if f.py_type is Any:
        used.add("Any")
        return "Any"
    name = f.py_type.__name__
    if name in _IMPORTS:
        used.add(name)
    return name


def _constraints(f: InferredField, ranges: bool, used: set[str]) -> list[str]:
    if not ranges:
        return []
    out = []
    if f.low is not None:
        out += [f"ge={_value(f.low, used)}", f"le={_value(f.high, used)}"]
    if f.min_len is not None and not f.literal:
        out += [f"min_length={f.min_len}", f"max_length={f.max_len}"]
    return out


def _literal_lines(alias: str, values: tuple[str, ...]) -> list[str]:
    body = [f"    {py_str(v)}," for v in values]
    return [f"{alias} = Literal[", *body, "]", ""]


def _call(prefix: str, args: list[str], indent: str) -> list[str]:
    """``prefix(args)`` on one line, or split the way ruff splits a call that does not fit."""
    one = f"{prefix}({', '.join(args)})"
    if len(one) <= LINE:
        return [one]
    inner = f"{indent}    {', '.join(args)}"
    if len(inner) <= LINE:
        return [f"{prefix}(", inner, f"{indent})"]
    return [f"{prefix}(", *[f"{indent}    {a}," for a in args], f"{indent})"]


def render_module(inf: Inference, name: str, *, ranges: bool = False,
                  version: str = "0.1") -> str:
    """The Python source of a schema module holding one model for ``inf``."""
    used: set[str] = set()
    taken: set[str] = set()
    names = [field_name(f.header, taken) for f in inf.fields]
    cls = class_name(name, {*_IMPORTS, "BaseModel", "Field", "ConfigDict"})
    aliases: list[str] = []
    alias_taken = {cls, *_IMPORTS, "BaseModel", "Field", *names}
    body: list[str] = []
    for f, fname in zip(inf.fields, names, strict=True):
        annotation = _annotation(f, ranges, used)
        default = "None" if f.nullable else None
        kwargs = ([f"default={default}"] if default else []) + (
            [f"alias={py_str(f.header)}"] if fname != f.header else [])
        if f.literal:
            used.add("Literal")
            inline = f"Literal[{', '.join(py_str(v) for v in f.literal)}]"
            if len(_field_line(fname, annotation.replace("@LIT@", inline), kwargs, default)
                   ) > LINE:
                alias = class_name(fname, alias_taken)
                alias_taken.add(alias)
                aliases += _literal_lines(alias, f.literal)
                inline = alias
            annotation = annotation.replace("@LIT@", inline)
        body += _field_lines(fname, annotation, kwargs, default)
    if any("Field(" in line for line in body):
        used.add("Field")
    return _assemble(inf, name, cls, version, used, aliases, body)


def _annotation(f: InferredField, ranges: bool, used: set[str]) -> str:
    base = "@LIT@" if f.literal else _type_name(f, used)
    cons = _constraints(f, ranges, used)
    if cons:
        used.add("Annotated")
        base = f"Annotated[{base}, Field({', '.join(cons)})]"
    return f"{base} | None" if f.nullable else base


def _field_line(fname: str, annotation: str, kwargs: list[str], default: str | None) -> str:
    head = f"    {fname}: {annotation}"
    if any(k.startswith("alias=") for k in kwargs):
        return f"{head} = Field({', '.join(kwargs)})"
    return f"{head} = {default}" if default else head


def _field_lines(fname: str, annotation: str, kwargs: list[str], default: str | None
                 ) -> list[str]:
    head = f"    {fname}: {annotation}"
    if any(k.startswith("alias=") for k in kwargs):
        return _call(f"{head} = Field", kwargs, "    ")
    return [f"{head} = {default}" if default else head]


def _assemble(inf: Inference, name: str, cls: str, version: str, used: set[str],
              aliases: list[str], body: list[str]) -> str:
    std: dict[str, set[str]] = {}
    for item in sorted(used - {"Field"}):
        module, obj = _IMPORTS[item]
        std.setdefault(module, set()).add(obj)
    imports = [f"from {m} import {', '.join(sorted(objs, key=_isort_key))}"
               for m, objs in sorted(std.items())]
    pyd = "from pydantic import BaseModel, Field" if "Field" in used else (
        "from pydantic import BaseModel")
    read = f"{inf.rows:,} rows" + ("" if inf.complete else " sampled")
    doc = [
        f'"""Schema ``{name}``, inferred by ``dvh schema infer`` from {_doc_safe(inf.source)} '
        f"({read}).",
        "",
        "Review before enforcing: types, nullability and Literal values reflect the sample only.",
    ]
    if inf.skipped:
        doc += ["", "Columns left out:", *[f"- {_doc_safe(s)}" for s in inf.skipped]]
    doc.append('"""')
    lines = [*_wrap_doc(doc), ""]
    if imports:
        lines += [*imports, ""]
    lines += [pyd, "", f"__version__ = {py_str(version)}", "", ""]
    if aliases:
        lines += [*aliases, ""]
    lines += [f"class {cls}(BaseModel):",
              f'    """One row of {_doc_safe(inf.source)}."""', ""]
    lines += body or ["    pass"]
    return "\n".join(lines) + "\n"


def _isort_key(name: str) -> tuple[int, str]:
    # ruff's isort order-by-type: CONSTANTS, then Classes, then functions and variables.
    kind = 0 if name.isupper() and len(name) > 1 else 1 if name[:1].isupper() else 2
    return kind, name


def _doc_safe(text: str) -> str:
    """File names and headers inside a docstring: no quotes or backslashes that could end it."""
    cleaned = "".join(c if c.isprintable() else "?" for c in text)
    return cleaned.replace("\\", "/").replace('"""', "'''").rstrip('"')


def _wrap_doc(lines: list[str]) -> list[str]:
    """Ruff does not reflow docstrings, so wrap them here (a long file name may still overflow)."""
    out: list[str] = []
    for line in lines:
        out += textwrap.wrap(line, LINE, break_long_words=False, break_on_hyphens=False) or [""]
    return out


def find_ruff() -> str | None:
    """``ruff`` next to this interpreter (a venv), else on PATH."""
    return shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")


def format_code(code: str, filename: Path | None = None, *, isolated: bool = False) -> str:
    """``ruff format`` the source when ruff is available; otherwise it is returned as is
    (it is laid out in ruff's style already)."""
    ruff = find_ruff()
    if ruff is None:
        return code
    cmd = [ruff, "format", "--no-cache", *(["--isolated"] if isolated else []),
           *(["--stdin-filename", str(filename)] if filename is not None else []), "-"]
    try:
        done = subprocess.run(cmd, input=code, capture_output=True, text=True, timeout=60,
                              check=False)
    except (OSError, subprocess.TimeoutExpired):
        return code
    return done.stdout if done.returncode == 0 and done.stdout else code


_SCAFFOLD = '''"""Schema ``{name}``: one row of the files it checks.

Edit the fields, then run ``dvh schema check`` and ``dvh validate FILE --schema {name}``.
"""

from datetime import date
from typing import Annotated, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from hub.rules import DatasetRules, Unique

# The contract's version; every report also carries its fingerprint (a hash of what it says).
__version__ = "0.1"


class {cls}(BaseModel):
    """One row of the file: say where it comes from and who produces it."""

    # Columns the model does not list: "ignore" them, or "forbid" them (each is an error).
    model_config = ConfigDict(extra="ignore")

    # Whole-file rules: composite keys, row-count bounds, extra null tokens.
    dvh_rules: ClassVar[DatasetRules] = DatasetRules(min_rows=1)

    # A required integer column: values unique and greater than 0.
    record_id: Annotated[int, Field(gt=0), Unique()]
    # A header that is not a Python name is mapped with an alias.
    full_name: str = Field(alias="Full Name", max_length=200)
    # A closed set of values (a Literal; an Enum works too).
    status: Literal["active", "inactive"]
    # An optional column: an empty cell is None.
    signed_up: date | None = None
'''


def scaffold(name: str) -> str:
    """A commented starting point for a new schema module (valid, loadable Python)."""
    cls = class_name(name, {"BaseModel", "ConfigDict", "Field", "DatasetRules", "Unique",
                            "Annotated", "ClassVar", "Literal", "Date"})
    return _SCAFFOLD.format(name=name, cls=cls)
