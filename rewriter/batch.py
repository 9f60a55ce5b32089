"""Batch rewriting: a file of drafts in, one result line per draft out.

    run_batch(Path("drafts.jsonl"), Path("results.jsonl"),
              options=Options(RewriteRequest("", model="gpt-4o-mini"), concurrency=8))

Input: JSON Lines or CSV with the columns id, draft and optionally role, company,
job_posting, tone, seconds. It is read twice, streaming both times: once to check
that every row has an id and that ids are unique (before any request), once to
rewrite. Memory stays flat however long the file is: only the ids are held.

Output: JSON Lines, one line per id (its id, then results.to_record() with the number of
attempts), in the order drafts finish. Every line is written with one `write` on a file
opened for appending, so a kill -9 can at most tear the last line; a re-run drops such a
torn line and skips every id already in the output, so no id is ever written twice. The
file is fsync'd every second and at the end.

LLM engine: asyncio workers share one client and one `Throttle`, which every HTTP
request passes through: at most `concurrency` requests are on the wire at once, and a
429 anywhere pauses every request of the batch and halves that number (it grows back
one at a time). A few more workers than `concurrency` keep the next requests built
and waiting, so a freed slot is refilled at once. The per-request retry policy is
rewriter.llm's, unchanged. A ServiceError of kind auth, permission or not_found (401, 403,
404) stops the batch (exit 3): no draft can get past a bad key, model or URL, so none is
marked done; a configuration error stops it before any request (exit 2). Offline engine: a plain loop (compose
is CPU-bound, asyncio would only add overhead).
"""

from __future__ import annotations

import asyncio
import csv
import gc
import hashlib
import json
import os
import time
from array import array
from collections.abc import Awaitable, Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from .errors import ConfigurationError, InputError, ServiceError, ServiceKind
from .request import RewriteRequest

if TYPE_CHECKING:
    from .llm import LLMConfig
    from .results import Rewrite

T = TypeVar("T")
Format = Literal["auto", "jsonl", "csv"]
Status = Literal["ok", "findings", "error"]

FIELDS = ("id", "draft", "role", "company", "job_posting", "tone", "seconds")
OPTIONAL = ("role", "company", "job_posting", "tone", "seconds")
DEFAULT_CONCURRENCY = 8
MAX_CONCURRENCY = 256
FSYNC_EVERY = 1.0  # seconds between fsyncs; every line is written to the OS at once regardless
MAX_PAUSE = 60.0  # the longest a 429 pauses the batch
MAX_ID_CHARS = 200
# The batch stops on these: no draft can succeed past a bad key, permission, model or URL.
FATAL_KINDS: frozenset[ServiceKind] = frozenset({"auth", "permission", "not_found"})


# ---------------------------------------------------------------- reading the input


@dataclass(frozen=True, slots=True)
class Row:
    """One input draft, with where it came from (for error messages)."""

    id: str | int  # as given; compared as text
    line: int
    draft: Any
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return str(self.id)

    def request(self, shared: RewriteRequest) -> RewriteRequest:
        """This draft's request: the batch's shared options with the row's draft and context.

        A bad value is this draft's error (InputError), not the batch's."""
        context: dict[str, Any] = {}
        for name in ("role", "company", "job_posting", "tone"):
            value = self.options.get(name)
            if value is None or value == "":
                continue
            if not isinstance(value, str):
                raise InputError(f"{name} must be text, not {type(value).__name__}")
            context[name] = value
        seconds = self.options.get("seconds")
        if seconds is not None and seconds != "":
            if isinstance(seconds, str) and seconds.strip().isdigit():
                seconds = int(seconds.strip())
            if isinstance(seconds, bool) or not isinstance(seconds, int):
                raise InputError(f"seconds must be a whole number, not {seconds!r}")
            context["seconds"] = seconds
        return replace(shared, draft=self.draft, **context)


def detect_format(path: Path, fmt: str = "auto") -> Literal["jsonl", "csv"]:
    if fmt not in ("auto", "jsonl", "csv"):
        raise InputError(f"unknown input format {fmt!r}: use jsonl or csv")
    if fmt != "auto":
        return fmt  # type: ignore[return-value]
    return "csv" if path.suffix.lower() in (".csv", ".tsv") else "jsonl"


def _row(data: Any, line: int, where: str) -> Row:
    if not isinstance(data, dict):
        raise InputError(f"{where}:{line}: each line must be a JSON object with an id and a draft")
    raw_id = data.get("id")
    blank = isinstance(raw_id, str) and not raw_id.strip()
    if isinstance(raw_id, bool) or not isinstance(raw_id, (str, int)) or blank:
        raise InputError(f"{where}:{line}: missing id (every draft needs a unique \"id\", text or a whole number)")
    if len(str(raw_id)) > MAX_ID_CHARS:
        raise InputError(f"{where}:{line}: the id is longer than {MAX_ID_CHARS} characters")
    return Row(raw_id, line, data.get("draft"), {k: data[k] for k in OPTIONAL if k in data})


def read_rows(path: Path, fmt: str = "auto") -> Iterator[Row]:
    """The rows of IN, one at a time. Raises InputError for a file that is not a batch input."""
    kind = detect_format(path, fmt)
    try:
        handle = open(path, encoding="utf-8-sig", errors="replace", newline="" if kind == "csv" else None)
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None
    with handle:
        if kind == "jsonl":
            for number, text in enumerate(handle, 1):
                if not text.strip():
                    continue
                try:
                    data = json.loads(text)
                except ValueError:
                    raise InputError(f"{path}:{number}: not valid JSON (one JSON object per line)") from None
                yield _row(data, number, str(path))
            return
        reader = csv.DictReader(handle, dialect="excel-tab" if path.suffix.lower() == ".tsv" else "excel")
        header = reader.fieldnames or []
        missing = [name for name in ("id", "draft") if name not in header]
        if missing:
            raise InputError(
                f"{path}: the CSV header must name the columns id and draft (missing: {', '.join(missing)})")
        for data in reader:
            # line_num is the physical line where this record ended (records may span lines).
            yield _row({k: v for k, v in data.items() if k in FIELDS}, reader.line_num, str(path))


def scan(path: Path, fmt: str = "auto", done: dict[str, str] | None = None) -> tuple[int, int, int]:
    """Check the whole input before any request: every row has an id, ids are unique.

    Returns the number of rows, how many are already `done`, and how many of those
    were not ok (findings or error: they count in the exit status). Ids are held as
    64-bit digests in a flat array (8-16 bytes each, not a Python object each), so
    memory stays flat on long inputs; a repeated digest is confirmed on the real ids.
    """
    seen = _DigestSet()
    done = done or {}
    count = skipped = not_ok = 0
    for row in read_rows(path, fmt):
        count += 1
        status = done.get(row.key)
        skipped += status is not None
        not_ok += status is not None and status != "ok"
        digest = _digest(row.key)
        if seen.add(digest):
            first = next((r.line for r in read_rows(path, fmt) if r.key == row.key and r.line < row.line), None)
            if first is not None:  # else two ids that share a digest (odds ~2^-64): not a duplicate
                raise InputError(
                    f"{path}:{row.line}: duplicate id {row.key!r} (first on line {first}); ids must be unique")
    if not count:
        raise InputError(f"{path} holds no drafts")
    return count, skipped, not_ok


def _digest(key: str) -> int:
    return int.from_bytes(hashlib.blake2b(key.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "little")


class _DigestSet:
    """A set of non-zero 64-bit ints in one array (open addressing): ~16 bytes per id."""

    def __init__(self) -> None:
        self._slots = array("Q", bytes(8 * 1024))
        self._count = 0

    def add(self, digest: int) -> bool:
        """Add; True when it was already there."""
        digest = digest or 1  # 0 marks an empty slot
        slots = self._slots
        mask = len(slots) - 1
        i = digest & mask
        while (value := slots[i]) != 0:
            if value == digest:
                return True
            i = (i + 1) & mask
        slots[i] = digest
        self._count += 1
        if self._count * 2 > len(slots):
            self._grow()
        return False

    def _grow(self) -> None:
        old = self._slots
        self._slots = array("Q", bytes(16 * len(old)))
        self._count = 0
        for value in old:
            if value:
                self.add(value)


# ---------------------------------------------------------------- the output file


def load_done(path: Path) -> tuple[dict[str, str], int]:
    """Ids already in OUT with their status, and how many bytes of a torn last line were cut off.

    Only the last line can be incomplete (each line is one append); it is removed so
    the next append starts on a fresh line. Any other line that is not a result
    means OUT is not this command's output: refuse rather than guess.
    """
    done: dict[str, str] = {}
    if not path.exists():
        return done, 0
    try:
        handle = open(path, "r+b")
    except OSError as exc:
        raise InputError(f"cannot open {path}: {exc.strerror or exc}") from None
    with handle:
        good_end = 0
        for number, raw in enumerate(handle, 1):
            if not raw.endswith(b"\n"):
                break  # torn: written by a run killed mid-line
            good_end += len(raw)
            if not raw.strip():
                continue
            try:
                record = json.loads(raw)
                done[str(record["id"])] = str(record.get("status"))
            except (ValueError, TypeError, KeyError):
                raise InputError(
                    f"{path}:{number} is not a result line: is this the output of an earlier `rewriter batch`? "
                    "Choose another -o file"
                ) from None
        size = handle.seek(0, os.SEEK_END)
        if size > good_end:
            handle.truncate(good_end)
            handle.flush()
            os.fsync(handle.fileno())
    return done, size - good_end


class ResultWriter:
    """Appends one complete line per result: a single write() each, fsync'd every second."""

    def __init__(self, path: Path, *, fsync_every: float = FSYNC_EVERY) -> None:
        self.path = path
        try:
            self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        except OSError as exc:
            raise InputError(f"cannot write {path}: {exc.strerror or exc}") from None
        self._fsync_every = fsync_every
        self._synced = time.monotonic()
        self.written = 0

    def write(self, record: dict[str, Any]) -> None:
        data = (json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")
        view = memoryview(data)
        try:
            while view:  # a regular file takes it all in one write; loop only if the OS says otherwise
                view = view[os.write(self._fd, view):]
            now = time.monotonic()
            if now - self._synced >= self._fsync_every:
                os.fsync(self._fd)
                self._synced = now
        except OSError as exc:
            raise InputError(f"cannot write {self.path}: {exc.strerror or exc}") from None
        self.written += 1

    def close(self) -> None:
        if self._fd < 0:
            return
        try:
            os.fsync(self._fd)
        except OSError:
            pass
        os.close(self._fd)
        self._fd = -1

    def __enter__(self) -> ResultWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# ---------------------------------------------------------------- one result line


def record_for(row: Row, outcome: Rewrite | BaseException, engine: str, model: str | None) -> dict[str, Any]:
    """The output line of a draft: its id, then the record every skin shows (results.to_record),
    with the number of attempts rather than each one, to keep a line short."""
    from .results import to_record

    return {"id": row.id, **to_record(outcome, engine=engine, model=model, attempts_detail=False)}


# ---------------------------------------------------------------- progress


@dataclass
class Summary:
    total: int = 0  # rows in IN
    skipped: int = 0  # already in OUT
    earlier_not_ok: int = 0  # of those, lines with findings or an error
    ok: int = 0
    findings: int = 0
    errors: int = 0
    truncated_bytes: int = 0  # a torn last line removed from OUT
    seconds: float = 0.0
    rate_limited: int = 0  # 429s seen by the shared throttle

    @property
    def done(self) -> int:
        return self.ok + self.findings + self.errors

    def add(self, status: str) -> None:
        if status == "ok":
            self.ok += 1
        elif status == "findings":
            self.findings += 1
        else:
            self.errors += 1

    @property
    def exit_code(self) -> int:
        return 0 if not (self.findings or self.errors or self.earlier_not_ok) else 1

    def line(self, out: Path) -> str:
        rate = f", {self.done / self.seconds:.1f}/s" if self.seconds > 0 and self.done else ""
        skipped = f"; {self.skipped} already in {out}, skipped" if self.skipped else ""
        if self.earlier_not_ok:
            skipped += f" ({self.earlier_not_ok} of them with findings or errors)"
        return (f"{_count(self.done, 'draft')} rewritten in {self.seconds:.1f} s{rate}: {self.ok} ok, "
                f"{self.findings} with findings, {_count(self.errors, 'error')}{skipped}; results in {out}")


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'s' * (n != 1)}"


class Progress:
    """Progress on stderr (rich, imported only when shown): done, ok, findings, errors, rate, ETA."""

    def __init__(self, summary: Summary, todo: int, *, show: bool) -> None:
        self.summary = summary
        self.todo = todo
        self._bar: Any = None
        self._task: Any = None
        self._started = self._shown = time.monotonic()
        if show and todo:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeRemainingColumn
            from rich.progress import Progress as RichProgress

            self._bar = RichProgress(
                TextColumn("[bold]batch"), BarColumn(), MofNCompleteColumn(),
                TextColumn("[green]{task.fields[ok]} ok[/] [yellow]{task.fields[findings]} findings[/] "
                           "[red]{task.fields[errors]} errors[/]  {task.fields[rate]}"),
                TimeRemainingColumn(),
                console=Console(stderr=True), transient=False, refresh_per_second=5,
            )
            self._task = self._bar.add_task("batch", total=todo, ok=0, findings=0, errors=0, rate="")

    def __enter__(self) -> Progress:
        if self._bar is not None:
            self._bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()

    def advance(self, status: str) -> None:
        self.summary.add(status)
        if self._bar is not None:
            s = self.summary
            now = time.monotonic()
            if now - self._shown < 0.1 and s.done < self.todo:
                return  # a redraw costs more than an offline rewrite: ten a second is plenty
            self._shown = now
            elapsed = now - self._started
            rate = f"{s.done / elapsed:.1f}/s" if elapsed > 0 else ""
            self._bar.update(self._task, completed=s.done, ok=s.ok, findings=s.findings, errors=s.errors, rate=rate)


# ---------------------------------------------------------------- the shared throttle


class Throttle:
    """One per batch, shared by every worker: every HTTP request of the batch passes through
    it (it is the rewriter.llm.gate.Gate of the batch's client).

    At most `limit` requests are on the wire at once; at first `limit` is --concurrency.
    A 429 anywhere pauses every request of the batch (for the server's Retry-After, else a
    backoff that doubles on each consecutive 429 up to MAX_PAUSE) and halves `limit`; each
    run of `limit` successes lets one more back in (additive increase, multiplicative
    decrease). The retry of the request that got the 429 is still rewriter.llm's tenacity
    policy: this only slows everyone else down.
    """

    def __init__(self, concurrency: int, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.max = concurrency
        self.limit = concurrency
        self.active = 0
        self.resume_at = 0.0
        self.backoff = 0.0
        self.streak = 0
        self.hits = 0
        self._clock = clock
        self._waiters: list[asyncio.Future[None]] = []

    async def acquire(self) -> None:
        while self.active >= self.limit:
            waiter = asyncio.get_running_loop().create_future()
            self._waiters.append(waiter)
            await waiter  # woken on every change; the loop checks again
        self.active += 1
        # The pause is waited out last, just before the request goes: a 429 that came
        # back while this request waited for its slot still holds it back.
        try:
            while (wait := self.resume_at - self._clock()) > 0:
                await asyncio.sleep(wait)
        except BaseException:  # cancelled (Ctrl-C, a batch stopped by a fatal error): the slot is not kept
            self.release()
            raise

    def release(self) -> None:
        self.active -= 1
        self._wake()

    def after_response(self, status: int, retry_after: float | None) -> None:
        if status == 429:
            self.hits += 1
            self.backoff = min(MAX_PAUSE, self.backoff * 2 if self.backoff else 1.0)
            pause = min(MAX_PAUSE, retry_after if retry_after is not None else self.backoff)
            self.resume_at = max(self.resume_at, self._clock() + pause)
            self.limit = max(1, self.limit // 2)
            self.streak = 0
        elif status < 400:
            self.backoff = 0.0
            self.streak += 1
            if self.limit < self.max and self.streak >= self.limit:
                self.limit += 1
                self.streak = 0
                self._wake()

    def _wake(self) -> None:
        # Few wait (prefetch() per batch, plus retries): waking them all is simpler than counting.
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            if not waiter.done():  # a cancelled waiter is done
                waiter.set_result(None)


# ---------------------------------------------------------------- running


@dataclass(frozen=True, slots=True)
class Options:
    """What every draft of a batch shares: the request options (its draft is ignored:
    each row brings its own, with its context) and how many requests go at once."""

    request: RewriteRequest = RewriteRequest("")
    concurrency: int = DEFAULT_CONCURRENCY


def pending(path: Path, fmt: str, done: dict[str, str]) -> Iterator[Row]:
    return (row for row in read_rows(path, fmt) if row.key not in done)


def prepare(in_path: Path, out_path: Path, fmt: str = "auto") -> tuple[Summary, dict[str, str]]:
    """Everything before the first request: the input checked, OUT read (a torn tail cut)."""
    if in_path.resolve() == out_path.resolve():
        raise InputError("the output file must not be the input file")
    done, cut = load_done(out_path)
    total, skipped, not_ok = scan(in_path, fmt, done)  # ids in OUT that IN lacks are not counted
    return Summary(total=total, skipped=skipped, earlier_not_ok=not_ok, truncated_bytes=cut), done


def run_batch(
    in_path: Path,
    out_path: Path,
    *,
    fmt: str = "auto",
    options: Options = Options(),
    show_progress: bool = False,
    on_prepared: Callable[[Summary], None] | None = None,
) -> Summary:
    """Rewrite every draft of IN not yet in OUT; append one line per draft to OUT.

    The configuration is read and checked once, before the input is read: a bad setting
    is a ConfigurationError before any request, and no draft is marked done for it.
    """
    from .pipeline import choose_engine

    if not 1 <= options.concurrency <= MAX_CONCURRENCY:
        raise InputError(f"--concurrency must be between 1 and {MAX_CONCURRENCY}, not {options.concurrency}")
    shared = options.request
    engine = choose_engine(shared.engine, shared.base_url)
    config = None
    if engine == "llm":  # configuration errors now, before reading anything twice
        config = resolve_config(shared)
    summary, done = prepare(in_path, out_path, fmt)
    if on_prepared is not None:
        on_prepared(summary)
    todo = summary.total - summary.skipped
    started = time.monotonic()
    with ResultWriter(out_path) as writer, Progress(summary, todo, show=show_progress) as progress, \
            _startup_objects_frozen():
        rows = pending(in_path, fmt, done)
        if engine == "offline":
            _run_offline(rows, writer, progress, shared)
        else:
            assert config is not None
            throttle = Throttle(options.concurrency)
            try:
                asyncio.run(_run_llm(rows, writer, progress, options, config, throttle))
            except BaseExceptionGroup as group:  # a worker's failure (e.g. disk full) ends the batch
                raise first_error(group) from None
            finally:
                summary.rate_limited = throttle.hits
    summary.seconds = time.monotonic() - started
    return summary


@contextmanager
def _startup_objects_frozen() -> Iterator[None]:
    """Keep the objects alive before the batch out of the garbage collector's walks during it.

    Some 120,000 objects (the SDK's types, the lexicons, the templates) are loaded by then
    and live to the end; every full collection walks them all, which stalls every draft in
    flight for ~50 ms. Frozen, a collection walks only what the batch itself allocates.
    A caller that froze objects of its own is left as it was.
    """
    if gc.get_freeze_count():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def resolve_config(shared: RewriteRequest) -> LLMConfig:
    """The LLM configuration of a whole batch, read and checked once; the prompts loaded once."""
    from .llm import LLMConfig
    from .prompts import Prompts

    config = LLMConfig.resolve(model=shared.model, base_url=shared.base_url, mode=shared.mode,
                               timeout=shared.timeout)
    Prompts.load(shared.prompts_dir)
    return config


def first_error(group: BaseExceptionGroup[BaseException]) -> BaseException:
    """The first exception of a task group's failure, however deeply nested."""
    for exc in group.exceptions:
        return first_error(exc) if isinstance(exc, BaseExceptionGroup) else exc
    return group


def stops_batch(exc: BaseException) -> bool:
    """A failure that is not the draft's: every draft would fail alike, so the batch stops
    (exit 2 or 3) and no draft is marked done for it; drafts without a line are redone on the
    next run. A configuration error, or a key, permission, model or URL the service refuses."""
    if isinstance(exc, ConfigurationError):
        return True
    return isinstance(exc, ServiceError) and exc.kind in FATAL_KINDS


def _run_offline(rows: Iterator[Row], writer: ResultWriter, progress: Progress, shared: RewriteRequest) -> None:
    from .pipeline import prepare

    shared = replace(shared, engine="offline")
    for row in rows:
        outcome: Rewrite | BaseException
        try:
            outcome = prepare(row.request(shared)).run()
        except Exception as exc:  # noqa: BLE001 - a failed draft never stops the batch; recorded, not raised
            if stops_batch(exc):
                raise
            outcome = exc
        record = record_for(row, outcome, "offline", None)
        writer.write(record)
        progress.advance(record["status"])


async def _run_llm(rows: Iterator[Row], writer: ResultWriter, progress: Progress, options: Options,
                   config: LLMConfig, throttle: Throttle) -> None:
    from .pipeline import prepare

    shared = replace(options.request, engine="llm")

    async def work(row: Row, client: Any) -> dict[str, Any]:
        outcome: Rewrite | BaseException
        try:
            outcome = await prepare(row.request(shared), client=client, config=config).arun(client)
        except Exception as exc:  # noqa: BLE001 - a failed draft never stops the batch; recorded, not raised
            if stops_batch(exc):
                raise
            outcome = exc
        return record_for(row, outcome, "llm", config.model)

    await run_pool(rows, work, writer, progress, concurrency=options.concurrency, config=config, throttle=throttle)


async def run_pool(items: Iterable[T], work: Callable[[T, Any], Awaitable[dict[str, Any]]], writer: ResultWriter,
                   progress: Progress, *, concurrency: int, config: LLMConfig, throttle: Throttle) -> None:
    """Workers share one client and one throttle; each result is written as it completes.

    There are a few more workers than requests allowed on the wire (`prefetch`): while
    `concurrency` requests wait on the server, the others have their next request built
    and queued at the throttle, so a slot that frees is refilled at once instead of after
    a draft's prompts are rendered and its answer checked.

    `work(item, client)` returns the item's result line and never raises for a failed draft.
    """
    from .llm.gate import gated_async_client

    client = gated_async_client(config, throttle)
    workers = concurrency + prefetch(concurrency)
    queue: asyncio.Queue[T | None] = asyncio.Queue(maxsize=workers * 2)  # flat memory

    async def worker() -> None:
        while (item := await queue.get()) is not None:
            record = await work(item, client)
            writer.write(record)
            progress.advance(record["status"])

    async def feed() -> None:
        for item in items:
            await queue.put(item)
        for _ in range(workers):
            await queue.put(None)

    try:
        async with asyncio.TaskGroup() as group:
            group.create_task(feed())
            for _ in range(workers):
                group.create_task(worker())
    finally:
        await client.close()


def prefetch(concurrency: int) -> int:
    """Drafts readied beyond --concurrency, their requests waiting for a slot.

    None at --concurrency 1: one draft at a time, in input order, as that setting promises.
    """
    return 0 if concurrency == 1 else max(2, concurrency // 4)
