"""`rewriter check`: a linter for interview answers."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..models import Context, Report
from ..validate import check
from . import options
from .inputs import read_file, read_text
from .output import is_terminal, print_json, safe


def check_command(
    text: Annotated[
        str | None,
        typer.Argument(help="The answer to check, or - to read it from standard input.", show_default=False),
    ] = None,
    file: Annotated[
        Path | None, typer.Option("--file", "-f", help="Read the answer from this file.", show_default=False)
    ] = None,
    draft: Annotated[
        Path | None,
        typer.Option(
            "--draft",
            help="The original draft: numbers and names in the answer that are not in it are flagged as invented.",
            show_default=False,
        ),
    ] = None,
    as_json: options.Json = False,
) -> int:
    """Check an answer for what an interviewer would hear as negative.

    Exit status: 0 no errors (warnings are advice), 1 errors found, 2 bad input.

    Examples:

      rewriter check "My boss never listens and I'm sick of it."

      pbpaste | rewriter check - --json
    """
    answer = read_text(text, file, what="answer")
    draft_text = read_file(draft, "draft") if draft is not None else None
    report = check(answer, draft=draft_text, context=Context() if draft_text else None)
    if as_json:
        print_json(report.to_dict())
    elif is_terminal():
        _print_rich(report)
    else:
        _print_plain(report)
    return 0 if report.ok else 1


def _summary(report: Report) -> str:
    errors, warnings = len(report.errors), len(report.warnings)
    if not report.findings:
        return "No problems found: this answer reads as positive."
    return f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}."


def _print_plain(report: Report) -> None:
    for f in report.findings:
        print(f"{f.start}-{f.end} {f.severity} {f.rule} ({f.principle}): \"{safe(f.excerpt)}\"")
        print(f"    {f.message}")
        print(f"    Try: {f.suggestion}")
    print(_summary(report))


def _print_rich(report: Report) -> None:
    from rich.console import Console
    from rich.text import Text

    from ..validate.doc import sentence_span

    console = Console(highlight=False)
    for f in report.findings:
        colour = "red" if f.severity == "error" else "yellow"
        head = Text()
        head.append(f"{f.severity:<7}", style=f"bold {colour}")
        head.append(f" {f.rule} ", style="bold")
        head.append(f"({f.principle})", style="dim")
        console.print(head)
        s_start, s_end = sentence_span(report.text, f.start, f.end)
        line = Text("  ")
        line.append(safe(report.text[s_start:f.start]))
        line.append(safe(f.excerpt), style=f"bold {colour} underline")
        line.append(safe(report.text[f.end:s_end]))
        console.print(line)
        console.print(Text(f"  {f.message}", style="italic"))
        console.print(Text(f"  Try: {f.suggestion}", style="green"))
        console.print()
    console.print(Text(_summary(report), style="bold green" if report.ok else "bold red"))
