"""Terminal views of ``dvh schema check`` and ``dvh schema diff`` (values markup-escaped)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from rich.markup import escape
from rich.table import Table

from cli.render import make_console

if TYPE_CHECKING:
    from hub.schemacheck import Finding
    from hub.schemadiff import Change


def print_findings(root: Path, names: list[str], findings: list[Finding], errors: int,
                   warnings: int) -> None:
    console = make_console()
    if findings:
        table = Table("schema", "field", "", "kind", "problem", title=f"schemas in {root}",
                      title_justify="left")
        for f in findings:
            mark = "[bold red]error[/]" if f.severity == "error" else "[yellow]warning[/]"
            table.add_row(escape(f.schema), escape(f.field or "-"), mark, f.kind, escape(f.msg))
        console.print(table)
    ok = len(names) - len({f.schema for f in findings if f.severity == "error"})
    style = "bold red" if errors else "bold green"
    empty = "" if names else f" (no schemas in {escape(str(root))})"
    console.print(f"[{style}]{len(names)} schemas checked[/] · {ok} fine · {errors} errors · "
                  f"{warnings} warnings{empty}")


def print_changes(old: str, new: str, changes: list[Change], breaking: int) -> None:
    console = make_console()
    title = f"{escape(old)} → {escape(new)}"
    if not changes:
        console.print(f"[bold green]no changes[/] {title}")
        return
    table = Table("", "column", "change", "detail", title=title, title_justify="left")
    for c in changes:
        mark = "[bold red]breaking[/]" if c.breaking else "[green]compatible[/]"
        table.add_row(mark, escape(c.column or "(schema)"), c.kind, escape(c.detail))
    console.print(table)
    style = "bold red" if breaking else "bold green"
    console.print(f"[{style}]{len(changes)} changes · {breaking} breaking[/]"
                  + (" · exit 1" if breaking else ""))
