"""rewrite(): validate input → render prompts → call → check → re-ask → Rewrite.

The only module that knows the order. The re-ask loop is written once, as a
generator that yields the messages to send and receives the reply; `rewrite`
and `arewrite` are thin drivers that step it with a sync or an async caller.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Generator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Unpack

from .config import SETUP_HELP, llm_configured
from .errors import ConfigurationError, InputError, ServiceError, StillNegativeError
from .left_out import complete as complete_left_out
from .models import LEVELS, TONES, Context, Finding, Report
from .request import EngineChoice, RewriteOptions, RewriteRequest
from .results import Attempt, Reframe, Rewrite
from .validate import check
from .variants import Outcome, check_count, combine

if TYPE_CHECKING:
    from .llm import LLM, AsyncLLM, LLMConfig, Reply
    from .prompts import Prompts
    from .redact import Redactor

# The re-ask loop: yields the messages of each attempt, receives its Reply, returns the Rewrite.
ReaskLoop = Generator[list[dict[str, str]], "Reply", Rewrite]

MAX_DRAFT_CHARS = 5000  # refused before any request: ~800 words, far beyond a spoken answer
MAX_POSTING_CHARS = 4000  # a job posting beyond this is trimmed, with a notice
MAX_CARRIED_ANSWER_CHARS = 4000  # the previous answer shown back on a re-ask
MAX_CARRIED_FINDINGS = 12  # findings listed in one re-ask message
MAX_SECONDS = 600
MAX_TIMEOUT = 3600  # seconds per request

NOT_ENGLISH = "the draft does not read as English"


# ---------------------------------------------------------------- inputs


def _validate_inputs(request: RewriteRequest) -> tuple[Context, tuple[str, ...]]:
    draft, seconds, job_posting = request.draft, request.seconds, request.job_posting
    if not isinstance(draft, str) or not draft.strip():
        raise InputError("the draft is empty: write what you would really say, bluntly")
    if len(draft) > MAX_DRAFT_CHARS:
        raise InputError(
            f"the draft is {len(draft)} characters; the limit is {MAX_DRAFT_CHARS}. "
            "Keep it to your reasons for leaving"
        )
    if not 5 <= seconds <= MAX_SECONDS:
        raise InputError(f"seconds must be between 5 and {MAX_SECONDS}, not {seconds}")
    if request.max_attempts < 1:
        raise InputError("max_attempts must be at least 1")
    tone, level = (request.tone or "professional").strip().lower() or "professional", request.level
    if tone not in TONES:
        raise InputError(f"unknown tone {tone!r}: use one of {', '.join(TONES)}")
    if level not in LEVELS:
        raise InputError(f"unknown level {level!r}: use one of {', '.join(LEVELS)}")
    check_count(request.variants)
    notices: list[str] = []
    posting = job_posting.strip() if job_posting else None
    if posting and len(posting) > MAX_POSTING_CHARS:
        cut = posting.rfind(" ", 0, MAX_POSTING_CHARS)
        posting = posting[: cut if cut > MAX_POSTING_CHARS // 2 else MAX_POSTING_CHARS].rstrip()
        notices.append(
            f"the job posting was trimmed to its first {len(posting)} of {len(job_posting or '')} characters"
        )
    context = Context(
        role=(request.role or "").strip() or None,
        company=(request.company or "").strip() or None,
        job_posting=posting or None,
        tone=tone,
        seconds=seconds,
        level=level,
    )
    if _not_english(draft):
        notices.append(NOT_ENGLISH + ": rewriter's checks know English only, so review the answer yourself")
    return context, tuple(notices)


def _not_english(text: str) -> bool:
    from .validate.doc import Doc
    from .validate.rules import language

    return any(True for _ in language(Doc(text)))


# ---------------------------------------------------------------- the loop, once


def _best(attempts: list[Attempt]) -> Attempt | None:
    """Fewest errors wins; ties go to the later attempt (it saw more feedback)."""
    usable = [a for a in attempts if a.answer is not None]
    return min(reversed(usable), key=lambda a: a.error_count) if usable else None


def _reframes(reply: Reply) -> tuple[Reframe, ...]:
    assert reply.answer is not None
    return tuple(Reframe(r.reason, r.reframed_as) for r in reply.answer.reasons)


def _loop(
    draft: str,
    context: Context,
    *,
    config: LLMConfig,
    prompts: Prompts,
    max_attempts: int,
    notices: tuple[str, ...],
    restore: tuple[Redactor, str, Context] | None = None,
) -> ReaskLoop:
    """Yield the messages of each attempt; receive its Reply; return the Rewrite.

    Raises StillNegativeError (with every attempt) when no attempt is clean, and
    ServiceError when no attempt produced a usable answer at all.
    """
    from .guard import not_an_answer

    def system_prompt() -> str:
        return _system_prompt(config, prompts)

    user = {"role": "user", "content": prompts.user(draft, context)}
    carried: tuple[dict[str, str], ...] = ()  # the last answer and its findings, nothing older
    attempts: list[Attempt] = []
    replies: dict[int, Reply] = {}
    for number in range(1, max_attempts + 1):
        system = system_prompt()
        # A fresh list of fresh dicts every attempt: nothing the caller or a
        # previous attempt holds is ever mutated.
        reply = yield [{"role": "system", "content": system}, dict(user), *(dict(m) for m in carried)]
        if reply.switched:  # the server refused json_schema: the same attempt again, in JSON mode
            notices += (reply.switched,)
            system = system_prompt()
            reply = yield [{"role": "system", "content": system}, dict(user), *(dict(m) for m in carried)]
        if reply.answer is None:
            attempt = Attempt(number, None, (), reply.usage, problem=reply.problem, retries=reply.retries)
            attempts.append(attempt)
            feedback = prompts.reask((), reply.problem)
        else:
            report: Report = check(reply.answer.answer, draft=draft, context=context)
            if hijacked := not_an_answer(reply.answer.answer, system=system, seconds=context.seconds):
                report = Report(report.text, tuple(sorted((*report.findings, hijacked), key=_position)))
            attempt = Attempt(number, reply.answer.answer, report.findings, reply.usage, retries=reply.retries)
            attempts.append(attempt)
            replies[number] = reply
            if report.ok:
                result = _result(reply, attempt, attempts, config.model, notices)
                return restore[0].restore_rewrite(result, *restore[1:]) if restore else result
            errors: list[Finding] = report.errors[:MAX_CARRIED_FINDINGS]
            feedback = prompts.reask(errors, None)
        previous = (reply.content or "")[:MAX_CARRIED_ANSWER_CHARS]
        carried = ({"role": "assistant", "content": previous}, {"role": "user", "content": feedback})

    if restore:  # the user sees their own details, never the placeholders
        attempts = [restore[0].restore_attempt(a, *restore[1:]) for a in attempts]
    best = _best(attempts)
    if best is None:
        problems = "; ".join(sorted({a.problem or "unusable" for a in attempts}))
        raise ServiceError(f"the model gave no usable answer in {len(attempts)} attempts ({problems})",
                           kind="refused")
    raise StillNegativeError(
        f"the answer still has {best.error_count} error{'s' * (best.error_count != 1)} "
        f"after {len(attempts)} attempt{'s' * (len(attempts) != 1)}",
        best=best,
        attempts=tuple(attempts),
        engine="llm",
        model=config.model,
    )


def _system_prompt(config: LLMConfig, prompts: Prompts) -> str:
    from .llm.modes import wire_mode
    from .schema import schema_for_prompt

    # JSON mode carries the schema in the prompt too: not every server constrains to it.
    return prompts.system(json_schema=schema_for_prompt() if wire_mode(config) == "json" else None)


def _opening(draft: str, context: Context, config: LLMConfig, prompts: Prompts) -> tuple[dict[str, str], ...]:
    """The messages of a first attempt, as the loop sends them: the system prompt and the draft."""
    return ({"role": "system", "content": _system_prompt(config, prompts)},
            {"role": "user", "content": prompts.user(draft, context)})


def _position(f: Finding) -> tuple[int, int, str]:
    return f.start, f.end, f.rule


def _result(reply: Reply, attempt: Attempt, attempts: list[Attempt], model: str, notices: tuple[str, ...]) -> Rewrite:
    assert reply.answer is not None
    return Rewrite(
        answer=reply.answer.answer,
        engine="llm",
        model=model,
        findings=attempt.findings,  # only warnings remain on a clean attempt
        reasons=_reframes(reply),
        facts_kept=tuple(reply.answer.facts_kept),
        left_out=tuple(reply.answer.left_out),
        attempts=tuple(attempts),
        notices=notices,
    )


# ---------------------------------------------------------------- engines


def choose_engine(engine: str, base_url: str | None = None, client: Any = None) -> Literal["llm", "offline"]:
    """The engine a request runs on: `auto` takes the LLM when one is configured (or a client is given)."""
    if engine not in ("auto", "llm", "offline"):
        raise ConfigurationError(f"unknown engine {engine!r}: use auto, llm or offline")
    if engine == "offline":
        return "offline"
    if client is not None or llm_configured(base_url):
        return "llm"
    if engine == "llm":
        raise ConfigurationError(f"no LLM is configured: {SETUP_HELP}")
    return "offline"


def _offline(draft: str, context: Context, notices: tuple[str, ...], variant: int = 0) -> Rewrite:
    try:
        from .offline import compose, reads_as_english
    except ImportError:
        raise ConfigurationError(
            f"no LLM is configured and the offline engine is not available: {SETUP_HELP}") from None
    if any(n.startswith(NOT_ENGLISH) for n in notices) or not reads_as_english(draft):
        raise InputError("the draft does not read as English, and the offline engine writes English only; "
                         f"an LLM can rewrite it: {SETUP_HELP}")
    composition = compose(draft, context, variant=variant)
    # The offline engine checks its own answer (validator + structural checks): any
    # error there means ok is false, never a broken answer passed off as clean.
    if composition.findings is not None:
        report = Report(composition.answer, composition.findings)
    else:
        report = check(composition.answer, draft=draft, context=context)
    from .guard import not_an_answer

    if hijacked := not_an_answer(composition.answer, system="", seconds=context.seconds):
        report = Report(report.text, tuple(sorted((*report.findings, hijacked), key=_position)))
    attempt = Attempt(1, composition.answer, report.findings)
    if not report.ok:
        raise StillNegativeError(
            f"the offline answer still has {attempt.error_count} error{'s' * (attempt.error_count != 1)}",
            best=attempt,
            attempts=(attempt,),
            engine="offline",
            model=None,
        )
    return Rewrite(
        answer=composition.answer,
        engine="offline",
        model=None,
        findings=report.findings,
        reasons=composition.reasons,
        facts_kept=composition.facts_kept,
        left_out=complete_left_out(draft, composition.answer, composition.left_out),
        attempts=(attempt,),
        notices=notices,
    )


def _offline_variants(draft: str, context: Context, notices: tuple[str, ...], count: int) -> Rewrite:
    """`count` different wordings (compose's variant 0, 1, 2, ...), each checked, best first.

    Two variants can word a draft alike; a few more are tried than asked for, so that
    `count` distinct answers come back whenever the engine has them."""
    tries = count * 2 + 2
    outcomes: list[Outcome] = []
    distinct: set[str] = set()
    for variant in range(tries):
        outcome: Outcome
        try:
            outcome = _offline(draft, context, notices, variant)
        except StillNegativeError as exc:
            outcome = exc
        answer = outcome.answer if isinstance(outcome, Rewrite) else outcome.best.answer or ""
        if answer in distinct:
            continue
        distinct.add(answer)
        outcomes.append(outcome)
        if len(outcomes) == count:
            break
    return combine(outcomes, count, why_fewer="the offline engine has no other wording for this draft")


# ---------------------------------------------------------------- before the first request


@dataclass(frozen=True, slots=True)
class Prepared:
    """What `prepare()` gives: the offline engine's finished `result`, or the LLM's re-ask
    `loop` (not started) and the `config` its requests use. With variants=N, `others`
    holds the loops of variants 2..N: N runs of the same loop, each re-asked on its own."""

    result: Rewrite | None = None
    loop: ReaskLoop | None = None
    config: LLMConfig | None = None
    others: tuple[ReaskLoop, ...] = ()
    opening: tuple[dict[str, str], ...] = ()  # with others: the first messages, the same for every loop

    def run(self, client: Any = None) -> Rewrite:
        """Drive the loop with synchronous requests (`client`: the caller's openai.OpenAI)."""
        if self.result is not None:
            return self.result
        assert self.loop is not None and self.config is not None
        from .llm import LLM

        llm = LLM(self.config, client)
        if not self.others:
            return drive(self.loop, llm.complete)
        return _drive_variants((self.loop, *self.others), self.opening, llm)

    async def arun(self, client: Any = None) -> Rewrite:
        """Drive the loop with asynchronous requests (`client`: the caller's openai.AsyncOpenAI)."""
        if self.result is not None:
            return self.result
        assert self.loop is not None and self.config is not None
        from .llm import AsyncLLM

        llm = AsyncLLM(self.config, client)
        if not self.others:
            return await adrive(self.loop, llm.complete)
        return await _adrive_variants((self.loop, *self.others), self.opening, llm)


def prepare(request: RewriteRequest, *, client: Any = None, config: LLMConfig | None = None) -> Prepared:
    """Everything before the first request: input checks, engine choice, configuration, prompts.

    Raises InputError or ConfigurationError; sends nothing. With the offline engine the
    rewrite is already done. `config` is an LLMConfig resolved earlier (a batch resolves
    it once for all its drafts): the LLM engine is then used without reading the
    environment again.
    """
    context, notices = _validate_inputs(request)
    timeout = request.timeout
    if timeout is not None and not 0 < timeout <= MAX_TIMEOUT:
        raise InputError(f"timeout must be more than 0 and at most {MAX_TIMEOUT} seconds, not {timeout}")
    if config is None and choose_engine(request.engine, request.base_url, client) == "offline":
        if request.variants > 1:
            return Prepared(result=_offline_variants(request.draft, context, notices, request.variants))
        return Prepared(result=_offline(request.draft, context, notices))
    from .llm import PLACEHOLDER_KEY, LLMConfig
    from .prompts import Prompts

    if config is None:
        # A caller's own client carries its own key; ours only needs one to be valid.
        config = LLMConfig.resolve(
            model=request.model, base_url=request.base_url, mode=request.mode,
            api_key=PLACEHOLDER_KEY if client is not None else None, timeout=timeout,
        )
    prompts = Prompts.load(request.prompts_dir)
    draft = request.draft
    redactor = None
    if request.redact or request.redact_names:
        from .redact import Redactor

        # Everything sent (draft, role, company, posting) carries placeholders only.
        redactor = Redactor(tuple(request.redact_names))
        original = (draft, context)
        draft, context = redactor.redact(draft) or draft, redactor.context(context)
        if redactor.count:
            notices += (f"{redactor.count} private detail{'s' * (redactor.count != 1)} ({redactor.kinds()}) "
                        "replaced by placeholders before sending, restored in the answer",)
    loops = tuple(
        _loop(draft, context, config=config, prompts=prompts, max_attempts=request.max_attempts, notices=notices,
              restore=(redactor, *original) if redactor is not None else None)
        for _ in range(request.variants)
    )
    opening = _opening(draft, context, config, prompts) if len(loops) > 1 else ()
    return Prepared(loop=loops[0], config=config, others=loops[1:], opening=opening)


def drive(loop: ReaskLoop, complete: Callable[[list[dict[str, str]]], Reply], first: Reply | None = None) -> Rewrite:
    """Step the re-ask loop to its end, each attempt's messages sent with `complete`.

    `first`: the reply to the first attempt, when it was already fetched (variants share
    one request for their first answers)."""
    try:
        messages = next(loop)
        reply = first if first is not None else complete(messages)
        while True:
            messages = loop.send(reply)
            reply = complete(messages)
    except StopIteration as stop:
        result: Rewrite = stop.value  # the loop's return value
        return result


async def adrive(loop: ReaskLoop, complete: Callable[[list[dict[str, str]]], Awaitable[Reply]],
                 first: Reply | None = None) -> Rewrite:
    """The async twin of drive()."""
    try:
        messages = next(loop)
        reply = first if first is not None else await complete(messages)
        while True:
            messages = loop.send(reply)
            reply = await complete(messages)
    except StopIteration as stop:
        result: Rewrite = stop.value  # the loop's return value
        return result


# ---------------------------------------------------------------- variants: N runs of the one loop


def _drive_variants(loops: tuple[ReaskLoop, ...], opening: tuple[dict[str, str], ...], llm: LLM) -> Rewrite:
    """N loops with synchronous requests: their first answers from one request with n=N where
    the server honours it, otherwise N requests at once (threads); then each loop goes on
    (re-asks) on its own."""
    import threading

    firsts = llm.complete_n([dict(m) for m in opening], len(loops))
    outcomes: list[Outcome | BaseException | None] = [None] * len(loops)

    def run(index: int) -> None:
        try:
            outcomes[index] = drive(loops[index], llm.complete, firsts[index] if index < len(firsts) else None)
        except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread below
            outcomes[index] = exc

    # Daemon threads: on Ctrl-C the process exits at once instead of waiting out requests no one will read.
    threads = [threading.Thread(target=run, args=(i,), daemon=True, name=f"rewriter-variant-{i + 1}")
               for i in range(len(loops))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return combine([_outcome(o) for o in outcomes], len(loops))


def _outcome(value: Outcome | BaseException | None) -> Outcome:
    """A variant's outcome, or the unexpected failure of its thread raised here."""
    if isinstance(value, (Rewrite, StillNegativeError, ServiceError)):
        return value
    raise value if value is not None else AssertionError("a variant's thread ended without an outcome")


async def _adrive_variants(loops: tuple[ReaskLoop, ...], opening: tuple[dict[str, str], ...],
                           llm: AsyncLLM) -> Rewrite:
    """The async twin of _drive_variants(): N loops gathered on one event loop."""
    import asyncio

    firsts = await llm.complete_n([dict(m) for m in opening], len(loops))

    async def run(index: int) -> Outcome:
        try:
            return await adrive(loops[index], llm.complete, firsts[index] if index < len(firsts) else None)
        except (StillNegativeError, ServiceError) as exc:
            return exc

    outcomes = await asyncio.gather(*(run(i) for i in range(len(loops))))
    return combine(outcomes, len(loops))


# ---------------------------------------------------------------- the public API


def _request(draft: str | None, request: RewriteRequest | None, options: RewriteOptions) -> RewriteRequest:
    if request is None:
        if draft is None:
            raise TypeError("rewrite() needs a draft (or request=RewriteRequest(...))")
        return RewriteRequest(draft, **options)
    if draft is not None or options:
        raise TypeError("give either request=RewriteRequest(...) or the draft and its options, not both")
    return request


def rewrite(
    draft: str | None = None,
    *,
    request: RewriteRequest | None = None,
    client: Any = None,
    **options: Unpack[RewriteOptions],
) -> Rewrite:
    """Rewrite a blunt draft into a positive interview answer, checked locally.

        rewrite("my boss micromanages me", role="Data Analyst")
        rewrite(request=RewriteRequest("my boss micromanages me", role="Data Analyst"))

    The options are RewriteRequest's fields (role, company, job_posting, tone, seconds,
    engine, model, base_url, mode, max_attempts, prompts_dir, timeout, redact,
    redact_names, level, variants). `client` may be the caller's own openai.OpenAI.
    `tone` is one of models.TONES and changes the wording; `seconds` sets the spoken
    length (150 words a minute). `level="light"` keeps the user's own sentences that
    pass and rewrites only what the validator flags; "full" (default) writes anew.

    `variants=N` (1-5) asks for N different answers, each checked (and re-asked) on
    its own: `result.variants` holds them, best first, and `result.answer` is the best.

    `timeout` bounds each request in seconds (default 60); a request that takes
    longer is retried like any transient failure, within the retry budget.
    `redact=True` (or any `redact_names`) replaces emails, phone numbers, URLs and
    the listed names with placeholders before anything is sent, and restores them
    in the answer. The offline engine sends nothing, so it needs no redaction.

    Raises InputError (bad draft), ConfigurationError (nothing set up),
    ServiceError (the LLM failed after retries) or StillNegativeError (every
    attempt kept an error; carries the best attempt and all attempts).
    """
    return prepare(_request(draft, request, options), client=client).run(client)


async def arewrite(
    draft: str | None = None,
    *,
    request: RewriteRequest | None = None,
    client: Any = None,
    **options: Unpack[RewriteOptions],
) -> Rewrite:
    """The async twin of `rewrite` (same loop, same errors); `client` may be an AsyncOpenAI."""
    return await prepare(_request(draft, request, options), client=client).arun(client)


__all__ = ["EngineChoice", "Prepared", "ReaskLoop", "RewriteRequest", "arewrite", "choose_engine", "drive",
           "adrive", "prepare", "rewrite"]
