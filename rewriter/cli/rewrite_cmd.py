"""`rewriter rewrite`: turn a blunt draft into an answer you can say in an interview.

The draft is never lost: if the rewrite fails (service error, configuration
error, Ctrl-C) after a draft typed or piped in was read, it is saved to a
private temporary file whose path is printed on stderr. A draft given with
--file is already on disk and is not copied.
"""

from __future__ import annotations

import enum
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, cast

import typer

from ..errors import RewriterError, StillNegativeError
from ..models import LEVELS, TONES
from . import options
from .inputs import read_file, read_text
from .output import is_terminal, notice, print_json, safe

# Fixed choices, listed in --help; typer refuses any other value with exit 2.
Tone = enum.Enum("Tone", {t: t for t in TONES}, type=str)  # type: ignore[misc]
Level = enum.Enum("Level", {lv: lv for lv in LEVELS}, type=str)  # type: ignore[misc]

if TYPE_CHECKING:
    from ..models import Finding
    from ..request import EngineChoice, RewriteRequest
    from ..results import Attempt, Rewrite


def rewrite_command(
    draft: Annotated[
        str | None,
        typer.Argument(help="Your blunt draft, or - to read it from standard input.", show_default=False),
    ] = None,
    file: Annotated[
        Path | None, typer.Option("--file", "-f", help="Read the draft from this file.", show_default=False)
    ] = None,
    role: Annotated[str | None, typer.Option("--role", help="The role you are applying for.", show_default=False)] = None,
    company: Annotated[
        str | None, typer.Option("--company", help="The company you are applying to.", show_default=False)
    ] = None,
    job_posting: Annotated[
        Path | None,
        typer.Option("--job-posting", help="A file with the job posting (long ones are trimmed).", show_default=False),
    ] = None,
    tone: Annotated[Tone, typer.Option("--tone", help="How the answer sounds.")] = Tone("professional"),
    seconds: Annotated[
        int, typer.Option("--seconds", help="Target spoken length in seconds (150 words a minute, within 20%).")
    ] = 60,
    level: Annotated[
        Level,
        typer.Option("--level", help="full: write a new answer; light: keep your sentences that pass, rewrite only "
                     "the flagged ones."),
    ] = Level("full"),
    model: options.Model = None,
    base_url: options.BaseUrl = None,
    mode: options.Mode = None,
    engine: options.Engine = "auto",
    max_attempts: Annotated[int, typer.Option("--max-attempts", help="Attempts in total, re-asks included.")] = 3,
    timeout: Annotated[
        float | None,
        typer.Option("--timeout", help="Seconds to wait for each request to the LLM (default 60).", show_default=False),
    ] = None,
    redact: Annotated[
        bool,
        typer.Option("--redact", help="Replace emails, phone numbers and URLs with placeholders before sending; "
                     "restore them in the answer."),
    ] = False,
    redact_name: Annotated[
        list[str] | None,
        typer.Option("--redact-name", help="A name to keep from the LLM, e.g. your employer (repeatable; implies "
                     "--redact).", show_default=False),
    ] = None,
    prompts: options.Prompts = None,
    as_json: options.Json = False,
) -> int:
    """Rewrite your blunt reasons for leaving into a positive, checked interview answer.

    Exit status: 0 a clean answer; 1 errors remain (the best attempt is still shown);
    2 usage, configuration or input error; 3 the LLM service failed.

    Examples:

      rewriter rewrite "My boss micromanages me and I'm underpaid."

      pbpaste | rewriter rewrite - --role "Product Manager" --json
    """
    text = read_text(draft, file, what="draft")
    try:
        # Inside the try: a bad --job-posting must not lose a draft typed or piped in.
        posting = read_file(job_posting, "job posting") if job_posting is not None else None
        from ..request import RewriteRequest

        request = RewriteRequest(
            text, role=role, company=company, job_posting=posting, tone=tone.value, seconds=seconds, model=model,
            base_url=base_url, mode=mode, engine=cast("EngineChoice", engine), max_attempts=max_attempts,
            prompts_dir=prompts, timeout=timeout, redact=redact, redact_names=tuple(redact_name or ()),
            level=level.value,
        )
        result = _run(request)
    except StillNegativeError as exc:
        _print_failure(exc, as_json)
        raise  # app.main prints the one error line and exits 1
    except (RewriterError, KeyboardInterrupt):
        if file is None:
            _keep_draft(text)
        raise
    if engine == "auto" and result.engine == "offline":
        from ..config import SETUP_HELP

        notice(f"no LLM configured, used the offline engine; for LLM rewrites, {SETUP_HELP}")
    for line in result.notices:
        notice(line)
    if as_json:
        print_json(result.to_record())
    elif is_terminal():
        _print_rich(result)
    else:
        _print_plain(result)
    return 0


def _run(request: RewriteRequest) -> Rewrite:
    from ..pipeline import rewrite

    if not is_terminal(sys.stderr):
        return rewrite(request=request)
    from rich.console import Console

    # The spinner goes to stderr, so stdout stays clean for pipes and --json.
    with Console(stderr=True).status("Rewriting your answer…", spinner="dots"):
        return rewrite(request=request)


def _keep_draft(text: str) -> None:
    """Save the draft somewhere private and say where, so a failure never loses it."""
    try:
        import tempfile  # only on failure: off the start-up path of every command

        fd, path = tempfile.mkstemp(prefix="rewriter-draft-", suffix=".txt")  # mode 0600
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
    except OSError:
        notice("could not save your draft to a file; here it is:")
        print(text, file=sys.stderr)
        return
    notice(f"your draft is saved in {path}")


# ---------------------------------------------------------------- output


def _print_failure(exc: StillNegativeError, as_json: bool) -> None:
    if as_json:
        from ..results import to_record

        print_json(to_record(exc))
        return
    best: Attempt = exc.best
    print("Best attempt (NOT clean: fix the errors below before you use it):")
    print()
    print(safe(best.answer or ""))
    print()
    _print_findings(exc.findings)


def _print_findings(findings: tuple[Finding, ...]) -> None:
    for f in findings:
        print(f"{f.severity} {f.rule} ({f.principle}): \"{safe(f.excerpt)}\"")
        print(f"    {safe(f.message)}")
        print(f"    Try: {safe(f.suggestion)}")


def _print_plain(result: Rewrite) -> None:
    print(safe(result.answer))
    if result.reasons:
        print("\nWhat was reframed:")
        for r in result.reasons:
            print(f"  - {safe(r.reason)} -> {safe(r.reframed_as)}")
    if result.left_out:
        print("\nLeft out (complaints and private details):")
        for item in result.left_out:
            print(f"  - {safe(item)}")
    if result.findings:
        print("\nWarnings:")
        _print_findings(result.findings)


def _print_rich(result: Rewrite) -> None:
    from rich.console import Console
    from rich.panel import Panel
    from rich.text import Text

    console = Console(highlight=False)
    subtitle = f"{result.engine}" + (f" · {result.model}" if result.model else "")
    console.print(Panel(Text(safe(result.answer)), title="Your answer", subtitle=subtitle, border_style="green"))
    if result.reasons:
        console.print(Text("What was reframed", style="bold"))
        for r in result.reasons:
            line = Text("  • ")
            line.append(safe(r.reason), style="dim")
            line.append("  →  ")
            line.append(safe(r.reframed_as), style="green")
            console.print(line)
    if result.left_out:
        console.print(Text("Left out (complaints and private details)", style="bold"))
        for item in result.left_out:
            console.print(Text(f"  • {safe(item)}", style="dim"))
    for f in result.findings:
        console.print(Text(f"warning {f.rule} ({f.principle}): \"{safe(f.excerpt)}\"", style="yellow"))
        console.print(Text(f"  {safe(f.message)} Try: {safe(f.suggestion)}", style="italic"))
    attempts = len(result.attempts)
    if attempts > 1:
        console.print(Text(f"({attempts} attempts)", style="dim"))

