"""``dvh schema``: list, show, export and explain the schemas in a folder; infer, scaffold,
check, diff and add them."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from cli.common import cli_errors, fail, schemas_dir

app = typer.Typer(help="Inspect and manage the schemas dvh enforces.", no_args_is_help=True)

SchemasDir = Annotated[Path | None, typer.Option(
    "--schemas-dir", help="Folder of schema modules \\[default: $DVH_SCHEMAS_DIR, then "
    "./schemas].", show_default=False)]
Name = Annotated[str, typer.Argument(help="Schema name (file stem).", show_default=False)]


def _registry(option: Path | None):  # noqa: ANN202 - lazy import keeps startup lean
    from hub.registry import Registry

    return Registry(schemas_dir(option))


@app.command("list")
def list_schemas(schemas_dir_opt: SchemasDir = None) -> None:
    """List schemas, with the ones that fail to load and why (exit 2 if any fails)."""
    with cli_errors():
        registry = _registry(schemas_dir_opt)
        entries, errors = registry.load_all()
    from cli.render import make_console

    console = make_console()
    from rich.markup import escape

    for name, entry in entries.items():
        console.print(f"[bold]{escape(name)}[/]  {len(entry.model.model_fields)} fields  "
                      f"version {escape(entry.version or '-')}  {entry.fingerprint[:19]}…")
    for name, msg in errors.items():
        console.print(f"[bold red]{escape(name)}[/]  failed to load: {escape(msg)}")
    if not entries and not errors:
        console.print(f"no schemas in {registry.root}")
    if errors:
        raise typer.Exit(2)


@app.command("show")
def show(name: Name, schemas_dir_opt: SchemasDir = None) -> None:
    """Fields, types, constraints, nullability and dataset rules of a schema."""
    with cli_errors():
        from hub.describe import describe_fields

        info = describe_fields(_registry(schemas_dir_opt).get(name))
    from cli.render import make_console, render_schema

    render_schema(make_console(), info)


@app.command("export")
def export(name: Name, schemas_dir_opt: SchemasDir = None) -> None:
    """Print the schema's JSON Schema (dataset rules and what JSON Schema cannot say under
    "x-dvh"); `dvh schema add` registers it as a declarative schema."""
    with cli_errors():
        from hub.export import export_document

        doc = export_document(_registry(schemas_dir_opt).get(name))
    typer.echo(json.dumps(doc, indent=2, ensure_ascii=False))
    if doc["x-dvh"].get("lossy"):
        print("dvh: warning: the JSON form cannot carry everything this schema checks: "
              + "; ".join(doc["x-dvh"]["lossy"]), file=sys.stderr)


@app.command("explain")
def explain(name: Name, schemas_dir_opt: SchemasDir = None) -> None:
    """Which path checks each field (vectorised, distinct-value, row) and why."""
    with cli_errors():
        from hub.describe import explain as explain_plan

        rows = explain_plan(_registry(schemas_dir_opt).get(name))
    from rich.markup import escape
    from rich.table import Table

    from cli.render import make_console

    table = Table("field", "column", "path", "why", title=f"schema {name}", title_justify="left")
    for r in rows:
        table.add_row(escape(r["field"]), escape(r["column"]), r["path"], escape(r["why"]))
    console = make_console()
    console.print(table)
    console.print(" vectorised: Arrow accepts the cells it can prove Pydantic accepts; Pydantic "
                  "judges the rest, once per distinct value.\n distinct-value: Pydantic judges "
                  "each distinct value once.  row: validators run per row through Pydantic.",
                  style="dim")


def _write(path: Path, text: str, force: bool) -> None:
    """Write a new file; an existing one only with --force (exit 2 otherwise)."""
    if path.exists() and not force:
        raise fail(f"{path} exists; pass --force to overwrite it")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise fail(f"cannot write {path}: {exc.strerror or exc}") from None


def _check_name(name: str) -> None:
    if not name.isidentifier():
        raise fail(f"{name!r} is not a valid schema name (letters, digits and _; a file stem)")


Out = Annotated[Path | None, typer.Option(
    "--out", "-o", help="Where to write the module ('-' prints it) \\[default: "
    "<schemas-dir>/NAME.py].", show_default=False)]
Force = Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")]


@app.command("infer", no_args_is_help=True)
def infer(
    file: Annotated[Path, typer.Argument(help="CSV or Parquet sample.", show_default=False)],
    name: Annotated[str, typer.Option("--name", "-n", help="Schema name (the module's file "
                                      "stem).", show_default=False)],
    out: Out = None,
    ranges: Annotated[bool, typer.Option("--ranges", help="Add observed min/max (numbers, "
                                         "dates) and lengths (text) as constraints.")] = False,
    sample_rows: Annotated[int, typer.Option("--sample-rows", min=0, help="Rows to read "
                                             "(0: the whole file).")] = 100_000,
    literal_max: Annotated[int, typer.Option("--literal-max", min=0, help="Text columns with "
                                             "at most this many distinct values become "
                                             "Literals (0: never).")] = 10,
    force: Force = False,
    schemas_dir_opt: SchemasDir = None,
) -> None:
    """Write a Pydantic schema module that the sample FILE validates against."""
    _check_name(name)
    target = out if out is not None else schemas_dir(schemas_dir_opt) / f"{name}.py"
    with cli_errors():
        from hub.infer import infer_file
        from hub.pycode import format_code, render_module

        inf = infer_file(file, sample_rows=sample_rows, literal_max=literal_max)
        code = render_module(inf, name, ranges=ranges)
        code = format_code(code, None if str(target) == "-" else target)
    if str(target) == "-":
        typer.echo(code, nl=False)
    else:
        _write(target, code, force)
    nullable = sum(f.nullable for f in inf.fields)
    literals = sum(bool(f.literal) for f in inf.fields)
    read = f"{inf.rows:,} rows" + ("" if inf.complete else " (a sample: the file has more)")
    where = "stdout" if str(target) == "-" else str(target)
    print(f"dvh: {where}: {len(inf.fields)} fields ({nullable} nullable, {literals} Literal) "
          f"from {read}", file=sys.stderr)
    for skipped in inf.skipped:
        print(f"dvh: warning: left out {skipped}", file=sys.stderr)


@app.command("new", no_args_is_help=True)
def new(name: Name, out: Out = None, force: Force = False,
        schemas_dir_opt: SchemasDir = None) -> None:
    """Write a commented scaffold for a new schema module."""
    _check_name(name)
    from hub.pycode import scaffold

    target = out if out is not None else schemas_dir(schemas_dir_opt) / f"{name}.py"
    if str(target) == "-":
        typer.echo(scaffold(name), nl=False)
        return
    _write(target, scaffold(name), force)
    print(f"dvh: wrote {target}; edit it, then run `dvh schema check`", file=sys.stderr)


Fmt = Annotated[str, typer.Option("--format", "-f", help="table or json.")]


def _check_format(fmt: str) -> None:
    if fmt not in ("table", "json"):
        raise fail(f"unknown --format {fmt!r} (table, json)")


@app.command("check")
def check(
    schemas_dir_opt: SchemasDir = None,
    strict: Annotated[bool, typer.Option("--strict", help="Warnings fail too.")] = False,
    fmt: Fmt = "table",
) -> None:
    """Load and lint every schema: load errors, unsupported annotations, rules naming missing
    fields, slow row-path fields. Exit 1 if anything is wrong (with --strict, warnings too)."""
    _check_format(fmt)
    with cli_errors():
        from hub.schemacheck import ERROR, check_registry

        registry = _registry(schemas_dir_opt)
        if not registry.root.is_dir():
            raise fail(f"schemas folder {registry.root} does not exist (--schemas-dir)")
        names, findings = check_registry(registry)
    errors = sum(f.severity == ERROR for f in findings)
    warnings = len(findings) - errors
    failed = errors > 0 or (strict and warnings > 0)
    if fmt == "json":
        typer.echo(json.dumps({"schemas": names, "ok": not failed,
                               "findings": [f.as_dict() for f in findings]}, indent=2))
    else:
        from cli.schema_view import print_findings

        print_findings(registry.root, names, findings, errors, warnings)
    if failed:
        raise typer.Exit(1)


@app.command("diff", no_args_is_help=True)
def diff(
    old: Annotated[str, typer.Argument(help="Old schema: a .py/.json file, a name, or "
                                       "NAME@GIT-REV.", show_default=False)],
    new: Annotated[str | None, typer.Argument(
        help="New schema \\[default: NAME in the working tree, when OLD is NAME@REV].",
        show_default=False)] = None,
    schemas_dir_opt: SchemasDir = None,
    fmt: Fmt = "table",
) -> None:
    """List contract changes, each breaking for producers or compatible; exit 1 if any breaks."""
    _check_format(fmt)
    with cli_errors():
        from hub.schemadiff import diff_documents
        from hub.schemarev import load_document, split_rev

        folder = schemas_dir(schemas_dir_opt)
        if new is None:
            rev = split_rev(old)
            if rev is None:
                raise fail("give NEW, or write OLD as NAME@REV to compare with the working tree")
            new = rev[0]
        old_label, old_doc = load_document(old, folder)
        new_label, new_doc = load_document(new, folder)
        changes = diff_documents(old_doc, new_doc)
    breaking = sum(c.breaking for c in changes)
    if fmt == "json":
        typer.echo(json.dumps({"old": old_label, "new": new_label, "breaking": breaking,
                               "changes": [c.as_dict() for c in changes]}, indent=2))
    else:
        from cli.schema_view import print_changes

        print_changes(old_label, new_label, changes, breaking)
    if breaking:
        raise typer.Exit(1)


@app.command("add", no_args_is_help=True)
def add(
    file: Annotated[Path, typer.Argument(help="JSON Schema document (`dvh schema export` "
                                         "output).", show_default=False)],
    name: Annotated[str | None, typer.Option("--name", "-n", help="Schema name \\[default: "
                                             "x-dvh.name, else the file stem].",
                                             show_default=False)] = None,
    force: Force = False,
    schemas_dir_opt: SchemasDir = None,
) -> None:
    """Register a declarative schema: checked without running code, saved as NAME.json."""
    with cli_errors():
        from hub.errors import UnreadableInput
        from hub.registry import load_schema_document

        try:
            doc = json.loads(file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise UnreadableInput(f"{file}: no such file") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise UnreadableInput(f"{file}: {exc}") from None
        except json.JSONDecodeError as exc:
            raise UnreadableInput(f"{file}: not JSON (line {exc.lineno}: {exc.msg})") from None
        declared = doc.get("x-dvh", {}).get("name") if isinstance(doc, dict) and isinstance(
            doc.get("x-dvh"), dict) else None
        chosen = name or (declared if isinstance(declared, str) else None) or file.stem
        _check_name(chosen)
        folder = schemas_dir(schemas_dir_opt)
        if (folder / f"{chosen}.py").exists():
            raise fail(f"{folder / f'{chosen}.py'} already defines schema {chosen!r}; "
                       "choose another --name")
        entry = load_schema_document(chosen, doc)
    target = folder / f"{chosen}.json"
    _write(target, json.dumps(doc, indent=2, ensure_ascii=False) + "\n", force)
    print(f"dvh: added schema {chosen} ({target}): {len(entry.model.model_fields)} fields, "
          f"version {entry.version or '-'}, {entry.fingerprint}", file=sys.stderr)
    stated = doc.get("x-dvh", {}).get("fingerprint")
    if stated and stated != entry.fingerprint:
        print(f"dvh: warning: the document says fingerprint {stated}; rebuilt it is "
              f"{entry.fingerprint} (edited by hand, or exported by another Pydantic?)",
              file=sys.stderr)
