"""`rewriter check`: a linter for interview answers."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..errors import InputError
from ..models import Context, Report
from ..validate import check
from . import options
from .inputs import read_file, read_text
from .output import is_terminal, print_json, safe, shorten

# An answer is spoken in a minute or two (~1,500 characters); this leaves room for notes
# around it, and keeps a pasted document from printing hundreds of findings.
MAX_CHECK_CHARS = 10_000
MAX_CHECK_POSTING_CHARS = 20_000  # a posting is only searched for the facts an answer may repeat
MAX_EXCERPT_CHARS = 80  # plain and terminal output; --json keeps every excerpt whole


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
    role: Annotated[
        str | None, typer.Option("--role", help="The role you are applying for (with --draft: not invented).",
                                 show_default=False),
    ] = None,
    company: Annotated[
        str | None, typer.Option("--company", help="The company you are applying to (with --draft: not invented).",
                                 show_default=False),
    ] = None,
    job_posting: Annotated[
        Path | None,
        typer.Option("--job-posting", help="A file with the job posting (with --draft: its facts are not invented).",
                     show_default=False),
    ] = None,
    as_json: options.Json = False,
) -> int:
    """Check an answer for what an interviewer would hear as negative.

    Exit status: 0 no errors (warnings are advice), 1 errors found, 2 bad input
    (including an answer over 10,000 characters).

    Examples:

      rewriter check "My boss never listens and I'm sick of it."

      rewriter check --file answer.txt --draft draft.txt --role "Senior Operations Analyst"

      pbpaste | rewriter check - --json
    """
    answer = _limited(read_text(text, file, what="answer"), "answer", MAX_CHECK_CHARS)
    draft_text = _limited(read_file(draft, "draft"), "draft", MAX_CHECK_CHARS) if draft is not None else None
    posting = (_limited(read_file(job_posting, "job posting"), "job posting", MAX_CHECK_POSTING_CHARS)
               if job_posting is not None else None)
    context = Context(role=(role or "").strip() or None, company=(company or "").strip() or None,
                      job_posting=(posting or "").strip() or None)
    report = check(answer, draft=draft_text, context=context if draft_text is not None else None)
    if as_json:
        print_json(report.to_dict())
    elif is_terminal():
        _print_rich(report)
    else:
        _print_plain(report)
    return 0 if report.ok else 1


def _limited(text: str, what: str, limit: int) -> str:
    if len(text) > limit:
        raise InputError(f"the {what} is {len(text):,} characters; the limit is {limit:,}. "
                         "Check one answer at a time")
    return text


def _summary(report: Report) -> str:
    errors, warnings = len(report.errors), len(report.warnings)
    if not report.findings:
        return "No problems found: this answer reads as positive."
    return f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}."


def _print_plain(report: Report) -> None:
    for f in report.findings:
        print(f"{f.start}-{f.end} {f.severity} {f.rule} ({f.principle}): "
              f"\"{safe(shorten(f.excerpt, MAX_EXCERPT_CHARS))}\"")
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
        line.append(safe(shorten(report.text[s_start:f.start], MAX_EXCERPT_CHARS, keep="end")))
        line.append(safe(shorten(f.excerpt, MAX_EXCERPT_CHARS)), style=f"bold {colour} underline")
        line.append(safe(shorten(report.text[f.end:s_end], MAX_EXCERPT_CHARS, keep="start")))
        console.print(line)
        console.print(Text(f"  {f.message}", style="italic"))
        console.print(Text(f"  Try: {f.suggestion}", style="green"))
        console.print()
    console.print(Text(_summary(report), style="bold green" if report.ok else "bold red"))
