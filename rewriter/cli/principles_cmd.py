"""`rewriter principles`: the article's nine principles, as the tool applies them."""

from __future__ import annotations

from dataclasses import asdict

from ..principles import load_principles
from . import options
from .output import is_terminal, print_json


def principles_command(
    as_json: options.Json = False,
) -> None:
    """Show the nine principles every prompt and every check traces back to."""
    items = load_principles()
    if as_json:
        print_json([asdict(p) for p in items])
        return
    if not is_terminal():
        for p in items:
            print(f"{p.id}  {p.title}\n    {p.advice}\n")
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title="Why are you leaving? Nine principles", show_lines=True)
    table.add_column("id", style="bold cyan", no_wrap=True)
    table.add_column("principle", style="bold")
    table.add_column("advice")
    for p in items:
        table.add_row(p.id, p.title, p.advice)
    Console().print(table)
