"""`rewriter batch IN -o FILE`: rewrite a whole file of drafts, resumably.

The core is rewriter/batch.py (and rewriter/batch_api.py for `--via openai-batch`);
this is the skin: options, the progress bar on a terminal, the summary line.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, cast

import typer

from ..errors import InputError
from . import options
from .output import is_terminal, notice, safe

if TYPE_CHECKING:
    from ..request import EngineChoice, RewriteRequest


def batch_command(
    input_path: Annotated[
        Path | None,
        typer.Argument(metavar="IN", help="Drafts: JSON Lines or CSV with id, draft and optional role, company, "
                       "job_posting, tone, seconds; - reads them from standard input.", show_default=False),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Results, JSON Lines, one per id; re-running skips ids already in it.",
                     show_default=False),
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="auto (by extension: .csv is CSV), jsonl or csv.")] = "auto",
    concurrency: Annotated[
        int,
        typer.Option("--concurrency", "-c", help="Requests on the wire at once (LLM engine); 1 runs the drafts one by "
                     "one, in order. 8 stays within most accounts' rate limits; a 429 lowers it by itself."),
    ] = 8,
    engine: options.Engine = "auto",
    model: options.Model = None,
    base_url: options.BaseUrl = None,
    mode: options.Mode = None,
    max_attempts: Annotated[int, typer.Option("--max-attempts", help="Attempts per draft, re-asks included.")] = 3,
    prompts: options.Prompts = None,
    via: Annotated[
        str, typer.Option("--via", help="direct (requests now) or openai-batch (the OpenAI Batch API, cheaper, "
                          "within 24 h).")
    ] = "direct",
    reask: Annotated[
        str, typer.Option("--reask", help="With --via openai-batch: re-ask answers with errors `sync` or in a "
                          "second `batch`.")
    ] = "sync",
    status: Annotated[
        str | None, typer.Option("--status", help="Show the state of an OpenAI batch submitted earlier.",
                                 show_default=False)
    ] = None,
    collect: Annotated[
        str | None, typer.Option("--collect", help="Collect the results of an OpenAI batch submitted earlier "
                                 "(needs IN and -o/--output).", show_default=False)
    ] = None,
    poll: Annotated[float, typer.Option("--poll", help="Seconds between status checks of an OpenAI batch.")] = 30.0,
    no_wait: Annotated[
        bool, typer.Option("--no-wait", help="With --via openai-batch: submit, print the batch id and exit.")
    ] = False,
) -> int:
    """Rewrite every draft of a file; one JSON line per draft in the -o/--output file.

    Each line: id, status (ok, findings, error), answer, findings, attempts, usage, message.

    A failed draft never stops the batch. A stopped run (Ctrl-C, crash, kill -9) resumes when run again.

    Exit status: 0 every draft ok; 1 some have findings or errors (see the output file).

    2 usage, configuration or input error (bad file, duplicate ids).

    3 the service refused the batch (bad key, model or URL) or the Batch API failed.

    Examples:

      rewriter batch drafts.jsonl -o results.jsonl

      rewriter batch drafts.csv -o results.jsonl --engine offline

      cat drafts.jsonl | rewriter batch - -o results.jsonl
    """
    show = is_terminal(sys.stderr)
    if status is not None:
        from .. import batch_api

        state = batch_api.status(status, base_url=base_url)
        print(f"batch {state.id}: {state.status}, {state.completed} of {state.total} requests done, "
              f"{state.failed} failed")
        for line in state.errors:
            print(f"  error: {safe(line)}")
        if state.status == "completed":
            print(f"collect it with: rewriter batch IN -o results.jsonl --collect {state.id}")
        return 0
    if input_path is None or output is None:
        raise InputError("give the input file (or - for standard input) and -o/--output FILE, "
                         "e.g. rewriter batch drafts.jsonl -o results.jsonl")
    from ..request import RewriteRequest

    shared = RewriteRequest("", engine=cast("EngineChoice", engine), model=model, base_url=base_url, mode=mode,
                            max_attempts=max_attempts, prompts_dir=prompts)
    with _input(input_path, fmt) as drafts:
        return _run_batch(drafts, output, fmt, show, shared=shared, concurrency=concurrency, via=via,
                          collect=collect, reask=reask, poll=poll, no_wait=no_wait)


@contextmanager
def _input(path: Path, fmt: str) -> Iterator[Path]:
    """The input file; for `-`, standard input in a private temporary file (mode 0600),
    removed afterwards: the batch reads its input twice (ids checked before any request,
    then rewritten), and a pipe can be read only once. Unless --format says, standard
    input is JSON Lines when its first character is `{`, else CSV."""
    if str(path) != "-":
        yield path
        return
    import tempfile

    data = sys.stdin.buffer.read()
    if fmt == "auto":
        fmt = "jsonl" if data.lstrip()[:1] == b"{" else "csv"
    fd, name = tempfile.mkstemp(prefix="rewriter-batch-", suffix=f".{fmt}")
    try:
        with os.fdopen(fd, "wb") as spool:
            spool.write(data)
        yield Path(name)
    except InputError as exc:  # name what the user gave, not the spool file
        raise InputError(str(exc).replace(name, "standard input")) from None
    finally:
        Path(name).unlink(missing_ok=True)


def _run_batch(input_path: Path, output: Path, fmt: str, show: bool, *, shared: RewriteRequest, concurrency: int,
               via: str, collect: str | None, reask: str, poll: float, no_wait: bool) -> int:
    from .. import batch

    engine, base_url = shared.engine, shared.base_url
    options = batch.Options(shared, concurrency=concurrency)

    def prepared(summary: batch.Summary) -> None:
        if summary.truncated_bytes:
            notice(f"removed an incomplete last line from {output} (an interrupted run); its draft is redone")
        if summary.skipped:
            notice(f"{summary.skipped} of {summary.total} drafts already in {output}: skipped")

    if collect is not None or via == "openai-batch":
        from .. import batch_api

        summary = batch_api.run(input_path, output, fmt=fmt, options=options, reask=reask, poll=poll,
                                batch_id=collect, wait=not no_wait, show_progress=show, on_prepared=prepared,
                                on_notice=notice)
    elif via != "direct":
        raise InputError(f"unknown --via {via!r}: use direct or openai-batch")
    else:
        from ..config import SETUP_HELP, llm_configured

        if engine == "auto" and not llm_configured(base_url):
            notice(f"no LLM configured, using the offline engine; for LLM rewrites, {SETUP_HELP}")
        summary = batch.run_batch(input_path, output, fmt=fmt, options=options, show_progress=show,
                                  on_prepared=prepared)
    if summary is None:  # submitted, not waited for
        return 0
    if summary.rate_limited:
        notice(f"the server rate-limited the batch {summary.rate_limited} times; it slowed down and carried on")
    notice(summary.line(output))
    return summary.exit_code
