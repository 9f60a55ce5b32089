"""`rewriter batch --via openai-batch`: the largest jobs go to the OpenAI Batch API.

    submit:  IN ─► request file (the first attempt of every draft, the very body the
             direct call sends) ─► upload (purpose=batch) ─► create the batch
    wait:    poll its state (progress on a terminal)
    collect: download the output ─► every answer checked locally (the pipeline's own
             re-ask loop, fed the batch's replies) ─► clean ones and final failures
             written to OUT at once ─► the ones with errors re-asked, `sync` (direct
             requests, concurrent, throttled) or `batch` (one more batch per round);
             a request that failed inside the batch (429, 5xx) is sent again the same way

The re-ask loop is the pipeline's (`pipeline.prepare` gives the same generator a
direct rewrite drives), so prompts, checks, attempts and the best-attempt rule are
the same whichever way the replies arrive. OUT is the same file `rewriter batch`
writes: resumable, one line per id. `--collect ID` runs the last two steps for a
batch submitted earlier (with the same IN, OUT and model options).
"""

from __future__ import annotations

import asyncio
import json
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import batch
from .batch import Options, Progress, ResultWriter, Row, Summary, Throttle, record_for
from .errors import InputError, RewriterError, ServiceError
from .request import RewriteRequest

if TYPE_CHECKING:
    from .llm import LLMConfig, Reply
    from .llm.batches import BatchAPI, BatchState
    from .pipeline import ReaskLoop as Loop
    from .results import Rewrite
REASK_MODES = ("sync", "batch")
MAX_BATCH_REQUESTS = 50_000  # the Batch API's limits for one input file
MAX_BATCH_BYTES = 200_000_000
MAX_RESENDS = 2  # with --reask batch: rounds a request that failed inside a batch (429, 5xx) is sent again


def _sleep(seconds: float) -> None:  # module-level: tests replay polls without waiting
    time.sleep(seconds)


def _config(shared: RewriteRequest) -> LLMConfig:
    if shared.engine == "offline":
        raise InputError("--via openai-batch sends the drafts to the OpenAI Batch API; it cannot use --engine offline")
    return batch.resolve_config(shared)


def status(batch_id: str, *, base_url: str | None = None) -> BatchState:
    from .llm.batches import BatchAPI

    return BatchAPI(_config(RewriteRequest("", base_url=base_url))).retrieve(batch_id)


def _loop(row: Row, shared: RewriteRequest, config: LLMConfig) -> tuple[Loop, list[dict[str, str]]]:
    """The pipeline's re-ask loop for one draft, and the messages of its first attempt."""
    from .pipeline import prepare

    loop = prepare(row.request(shared), config=config).loop
    assert loop is not None
    return loop, next(loop)


def run(
    in_path: Path,
    out_path: Path,
    *,
    fmt: str = "auto",
    options: Options = Options(),
    reask: str = "sync",
    poll: float = 30.0,
    batch_id: str | None = None,
    wait: bool = True,
    show_progress: bool = False,
    on_prepared: Callable[[Summary], None] | None = None,
    on_notice: Callable[[str], None] | None = None,
) -> Summary | None:
    """Submit IN as a Batch API job (or take `batch_id`), wait for it, and write OUT. None when not waiting."""
    if reask not in REASK_MODES:
        raise InputError(f"unknown --reask {reask!r}: use sync or batch")
    if poll < 0:
        raise InputError("--poll must be zero or more seconds")
    shared = replace(options.request, engine="llm")
    config = _config(options.request)
    from .llm.batches import BatchAPI

    api = BatchAPI(config)
    summary, done = batch.prepare(in_path, out_path, fmt)
    if on_prepared is not None:
        on_prepared(summary)
    say = on_notice or (lambda message: None)
    started = time.monotonic()
    with ResultWriter(out_path) as writer:
        if batch_id is None:
            batch_id = _submit(api, config, shared, batch.pending(in_path, fmt, done), writer, summary, in_path,
                               done)
            if batch_id is None:
                summary.seconds = time.monotonic() - started
                return summary  # nothing left to send
            say(f"submitted OpenAI batch {batch_id}; if this stops, collect it with: "
                f"rewriter batch {in_path} -o {out_path} --collect {batch_id}")
            if not wait:
                return None
        state = _wait(api, batch_id, poll, show_progress)
        _check_model(state, config, say)
        pending = batch.pending(in_path, fmt, done)
        _collect(api, config, options, shared, state, pending, writer, summary, reask, poll, show_progress, say)
    summary.seconds = time.monotonic() - started
    return summary


# ---------------------------------------------------------------- submit


def _submit(api: BatchAPI, config: LLMConfig, shared: RewriteRequest, rows: Iterator[Row], writer: ResultWriter,
            summary: Summary, in_path: Path, done: dict[str, str]) -> str | None:
    """Write the request file and submit it; a draft refused before any request gets its line now (and joins `done`)."""
    from .llm.batches import batch_request
    from .llm.modes import wire_mode

    with tempfile.TemporaryDirectory(prefix="rewriter-batch-") as tmp:
        request_file = Path(tmp) / "requests.jsonl"
        count = 0
        with request_file.open("w", encoding="utf-8") as out:
            for row in rows:
                try:
                    _, messages = _loop(row, shared, config)
                except RewriterError as exc:  # a bad draft: its line now, no request
                    if batch.stops_batch(exc):
                        raise
                    record = record_for(row, exc, "llm", config.model)
                    _write(writer, summary, record)
                    done[row.key] = record["status"]  # never written twice by the collect pass
                    continue
                out.write(json.dumps(batch_request(row.key, messages, config), ensure_ascii=False) + "\n")
                count += 1
        if not count:
            return None
        if count > MAX_BATCH_REQUESTS or request_file.stat().st_size > MAX_BATCH_BYTES:
            raise InputError(
                f"{count} drafts ({request_file.stat().st_size // 1_000_000} MB of requests) exceed one OpenAI "
                f"batch ({MAX_BATCH_REQUESTS} requests, {MAX_BATCH_BYTES // 1_000_000} MB): split the input file"
            )
        file_id = api.upload(request_file)
    state = api.create(file_id, {"rewriter": "batch", "input": in_path.name[:200], "model": config.model,
                                 "mode": wire_mode(config)})
    return state.id


def _check_model(state: BatchState, config: LLMConfig, say: Callable[[str], None]) -> None:
    model = state.metadata.get("model")
    if model and model != config.model:
        say(f"batch {state.id} was submitted for model {model!r}, not {config.model!r}: "
            "re-asks use the model given now")


# ---------------------------------------------------------------- wait


def _wait(api: BatchAPI, batch_id: str, poll: float, show_progress: bool) -> BatchState:
    state = api.retrieve(batch_id)
    bar = _PollBar(batch_id, show_progress)
    with bar:
        while not state.finished:
            bar.update(state)
            _sleep(poll)
            state = api.retrieve(batch_id)
        bar.update(state)
    if state.status != "completed":
        why = f": {'; '.join(state.errors)}" if state.errors else ""
        raise ServiceError(f"OpenAI batch {batch_id} ended {state.status}{why}")
    return state


class _PollBar:
    def __init__(self, batch_id: str, show: bool) -> None:
        self._bar: Any = None
        if show:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            self._bar = Progress(TextColumn(f"[bold]{batch_id}"), TextColumn("{task.fields[status]}"), BarColumn(),
                                 MofNCompleteColumn(), TimeElapsedColumn(), console=Console(stderr=True))
            self._task = self._bar.add_task("poll", total=None, status="submitted")

    def __enter__(self) -> _PollBar:
        if self._bar is not None:
            self._bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()

    def update(self, state: BatchState) -> None:
        if self._bar is not None:
            self._bar.update(self._task, total=state.total or None, completed=state.completed + state.failed,
                             status=state.status)


# ---------------------------------------------------------------- collect


def _index(path: Path) -> dict[str, int]:
    """custom_id -> byte offset of its line: the results stay on disk, not in memory."""
    offsets: dict[str, int] = {}
    with path.open("rb") as handle:
        offset = 0
        for raw in handle:
            if raw.strip():
                try:
                    offsets[str(json.loads(raw)["custom_id"])] = offset
                except (ValueError, KeyError, TypeError):
                    raise ServiceError(f"the batch output has a line that is not a result (byte {offset})") from None
            offset += len(raw)
    return offsets


def _download(api: BatchAPI, state: BatchState, tmp: Path) -> list[tuple[Path, dict[str, int]]]:
    files = []
    for name, file_id in (("output", state.output_file_id), ("errors", state.error_file_id)):
        if file_id:
            path = tmp / f"{name}.jsonl"
            api.download(file_id, path)
            files.append((path, _index(path)))
    return files


def _result_line(files: list[tuple[Path, dict[str, int]]], key: str) -> dict[str, Any] | None:
    for path, offsets in files:
        if key in offsets:
            with path.open("rb") as handle:
                handle.seek(offsets[key])
                return json.loads(handle.readline())
    return None


def _step(loop: Loop, reply: Reply) -> tuple[str, Any]:
    """Feed one reply into the loop: ("done", Rewrite), ("reask", messages) or ("failed", exception)."""
    try:
        return "reask", loop.send(reply)
    except StopIteration as stop:
        return "done", stop.value
    except RewriterError as exc:
        return "failed", exc


def _read(line: dict[str, Any], config: LLMConfig) -> Reply | ServiceError:
    """A result line's Reply, or the ServiceError of a request that failed inside the batch
    (its `retryable` says whether sending it again may help: 429, 5xx, 408)."""
    from .llm.batches import interpret_batch_result

    try:
        return interpret_batch_result(line, config)
    except ServiceError as exc:
        return exc


def _collect(api: BatchAPI, config: LLMConfig, options: Options, shared: RewriteRequest, state: BatchState,
             rows: Iterator[Row], writer: ResultWriter, summary: Summary, reask: str, poll: float,
             show_progress: bool, say: Callable[[str], None]) -> None:
    reasks: dict[str, tuple[Row, Loop, list[dict[str, str]]]] = {}
    missing = 0
    with tempfile.TemporaryDirectory(prefix="rewriter-batch-") as tmp:
        files = _download(api, state, Path(tmp))
        for row in rows:
            line = _result_line(files, row.key)
            try:
                loop, first = _loop(row, shared, config)
            except RewriterError as exc:
                if batch.stops_batch(exc):
                    raise
                _write(writer, summary, record_for(row, exc, "llm", config.model))
                continue
            if line is None:  # not in this batch (or it expired first): left for a later run to send
                loop.close()
                missing += 1
                continue
            reply = _read(line, config)
            if isinstance(reply, ServiceError):
                if reply.retryable:  # the batch's failure, not the answer's: sent again as the same attempt
                    reasks[row.key] = (row, loop, first)
                else:
                    loop.close()
                    _write(writer, summary, record_for(row, reply, "llm", config.model))
                continue
            kind, value = _step(loop, reply)
            if kind == "reask":
                reasks[row.key] = (row, loop, value)
            else:
                _write(writer, summary, record_for(row, value, "llm", config.model))
    if missing:
        say(f"{missing} drafts of the input have no result in OpenAI batch {state.id}; they are not in "
            "the output yet: run the command again without --collect to send them")
    if not reasks:
        return
    if reask == "sync":
        _reask_sync(list(reasks.values()), config, options, writer, summary, show_progress)
    else:
        _reask_batches(api, reasks, config, writer, summary, poll, show_progress)


def _write(writer: ResultWriter, summary: Summary, record: dict[str, Any]) -> None:
    writer.write(record)
    summary.add(record["status"])


def _reask_sync(items: list[tuple[Row, Loop, list[dict[str, str]]]], config: LLMConfig, options: Options,
                writer: ResultWriter, summary: Summary, show_progress: bool) -> None:
    """Re-asks as direct requests: concurrent, throttled, each result written as it completes."""
    from .llm import AsyncLLM

    async def work(item: tuple[Row, Loop, list[dict[str, str]]], client: Any) -> dict[str, Any]:
        row, loop, messages = item
        llm = AsyncLLM(config, client)
        while True:
            try:
                reply = await llm.complete(messages)
            except RewriterError as exc:
                loop.close()
                return record_for(row, exc, "llm", config.model)
            except Exception as exc:  # noqa: BLE001 - a failed draft never stops the batch
                loop.close()
                return record_for(row, exc, "llm", config.model)
            kind, value = _step(loop, reply)
            if kind != "reask":
                return record_for(row, value, "llm", config.model)
            messages = value

    counted = Summary()
    throttle = Throttle(options.concurrency)
    with Progress(counted, len(items), show=show_progress) as progress:
        try:
            asyncio.run(batch.run_pool(iter(items), work, writer, progress, concurrency=options.concurrency,
                                       config=config, throttle=throttle))
        except BaseExceptionGroup as group:
            raise batch.first_error(group) from None
    summary.ok += counted.ok
    summary.findings += counted.findings
    summary.errors += counted.errors
    summary.rate_limited += throttle.hits


def _reask_batches(api: BatchAPI, reasks: dict[str, tuple[Row, Loop, list[dict[str, str]]]], config: LLMConfig,
                   writer: ResultWriter, summary: Summary, poll: float, show_progress: bool) -> None:
    """Re-asks as further batches, one round at a time, until every loop has finished."""
    from .llm.batches import batch_request

    from .llm.modes import wire_mode

    resent: dict[str, int] = {}
    while reasks:
        with tempfile.TemporaryDirectory(prefix="rewriter-batch-") as tmp:
            request_file = Path(tmp) / "reasks.jsonl"
            with request_file.open("w", encoding="utf-8") as out:
                for key, (_, _, messages) in reasks.items():
                    out.write(json.dumps(batch_request(key, messages, config), ensure_ascii=False) + "\n")
            file_id = api.upload(request_file)
        state = api.create(file_id, {"rewriter": "reask", "model": config.model, "mode": wire_mode(config)})
        state = _wait(api, state.id, poll, show_progress)
        following: dict[str, tuple[Row, Loop, list[dict[str, str]]]] = {}
        with tempfile.TemporaryDirectory(prefix="rewriter-batch-") as tmp:
            files = _download(api, state, Path(tmp))
            for key, (row, loop, messages) in reasks.items():
                line = _result_line(files, key)
                if line is None:
                    loop.close()
                    missing = ServiceError(f"the re-ask batch {state.id} holds no result for this draft")
                    _write(writer, summary, record_for(row, missing, "llm", config.model))
                    continue
                reply = _read(line, config)
                if isinstance(reply, ServiceError):
                    if reply.retryable and resent.get(key, 0) < MAX_RESENDS:
                        resent[key] = resent.get(key, 0) + 1
                        following[key] = (row, loop, messages)
                    else:
                        loop.close()
                        _write(writer, summary, record_for(row, reply, "llm", config.model))
                    continue
                kind, value = _step(loop, reply)
                if kind == "reask":
                    following[key] = (row, loop, value)
                else:
                    _write(writer, summary, record_for(row, value, "llm", config.model))
        reasks = following


__all__ = ["REASK_MODES", "run", "status"]

