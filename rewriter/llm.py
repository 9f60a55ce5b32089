"""The LLM call: the only module that imports openai.

One job: send a message list, get back one parsed answer (or a typed reason why
there is none). Transport failures are retried here with tenacity (429, 5xx,
timeouts, dropped connections); everything about *what* the model wrote is the
pipeline's business (re-asks). The SDK's own retries are off, so the two budgets
never multiply.

Configuration: OPENAI_API_KEY, OPENAI_BASE_URL, REWRITER_MODEL, REWRITER_MODE,
each overridden by an explicit argument. The API key never appears in any
message, log line or exception this module produces. REWRITER_RETRY_MAX_WAIT
(seconds) caps each wait between transport retries (tests, impatient scripts).
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import os
import re
import time
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Literal, Protocol, cast

import httpx2
import openai
from openai.types.chat import ChatCompletion
from pydantic import ValidationError
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    stop_after_delay,
    wait_exponential_jitter,
)
from tenacity.wait import wait_base

from .errors import ConfigurationError, ServiceError
from .results import Usage
from .schema import SCHEMA_NAME, LLMAnswer, strict_schema

Mode = Literal["schema", "json"]
MODES: tuple[Mode, ...] = ("schema", "json")

# A small, cheap, capable model with strict structured outputs: an interview
# answer is ~150 words, and the local validator, not model size, is the safety net.
DEFAULT_MODEL = "gpt-4o-mini"
PLACEHOLDER_KEY = "no-key-needed"  # local servers ignore it; the SDK insists on one
DEFAULT_TIMEOUT = 60.0  # seconds per request
MAX_OUTPUT_TOKENS = 1500  # an answer plus its reasons fits in well under this

# Transport retry budget (separate from re-asks, which the pipeline counts).
MAX_TRIES = 5
MAX_RETRY_SECONDS = 60.0
MAX_RETRY_AFTER = 30.0  # a server asking for longer than this is not worth waiting for
# Caps every single wait between transport retries (seconds); tests set it low so
# fault scenarios over real HTTP run in milliseconds instead of the real backoff.
ENV_RETRY_MAX_WAIT = "REWRITER_RETRY_MAX_WAIT"

# Where the configuration comes from, and what to tell a user who has none: kept
# in pipeline.py, which chooses the engine without importing openai.
from .pipeline import ENV_BASE_URL, ENV_KEY, ENV_MODE, ENV_MODEL, SETUP_HELP  # noqa: E402


@dataclass(frozen=True, slots=True)
class LLMConfig:
    model: str
    base_url: str | None
    mode: Mode
    api_key: str = field(repr=False)  # repr=False: never printed with the config
    timeout: float = DEFAULT_TIMEOUT

    @classmethod
    def resolve(
        cls,
        *,
        model: str | None = None,
        base_url: str | None = None,
        mode: str | None = None,
        api_key: str | None = None,
        timeout: float | None = None,
    ) -> LLMConfig:
        """Arguments first, then the environment, then defaults."""
        base_url = base_url or os.environ.get(ENV_BASE_URL) or None
        key = api_key or os.environ.get(ENV_KEY)
        if not key:
            if not base_url:
                raise ConfigurationError(f"no LLM is configured: {SETUP_HELP}")
            key = PLACEHOLDER_KEY
        chosen_mode = (mode or os.environ.get(ENV_MODE) or "schema").strip().lower()
        if chosen_mode not in MODES:
            raise ConfigurationError(f"unknown mode {chosen_mode!r}: use 'schema' or 'json'")
        return cls(
            model=model or os.environ.get(ENV_MODEL) or DEFAULT_MODEL,
            base_url=base_url,
            mode=cast(Mode, chosen_mode),
            api_key=key,
            timeout=timeout or DEFAULT_TIMEOUT,
        )

    @property
    def where(self) -> str:
        return self.base_url or "the OpenAI API"


@dataclass(frozen=True, slots=True)
class Reply:
    """What one request produced. `answer` is None when the output was unusable."""

    answer: LLMAnswer | None
    content: str | None  # the raw text, to show the model on a re-ask
    usage: Usage
    problem: str | None = None  # why `answer` is None: truncated, not JSON, ...
    retries: int = 0  # transport retries spent getting this reply


# ---------------------------------------------------------------- request, reply


# The body goes to the endpoint through the SDK's client.post(), not chat.completions.create():
# create() re-walks every body against its TypedDicts (~0.4 ms a request, the largest
# share of its overhead) to produce the same bytes. Same client, headers, timeouts and
# response parsing; tests prove the request is byte for byte what create() would send.
CHAT_PATH = "/chat/completions"


def request_kwargs(messages: list[dict[str, str]], config: LLMConfig) -> dict[str, Any]:
    """The chat completion request body, in the wire form and key order the SDK's create() sends."""
    if config.mode == "schema":
        response_format: dict[str, Any] = {
            "type": "json_schema",
            "json_schema": {"name": SCHEMA_NAME, "strict": True, "schema": strict_schema()},
        }
    else:
        response_format = {"type": "json_object"}
    return {
        "model": config.model,
        "messages": messages,
        "max_completion_tokens": MAX_OUTPUT_TOKENS,
        "response_format": response_format,
    }


_THINK = re.compile(r"<think(?:ing)?>.*?(?:</think(?:ing)?>|\Z)", re.S | re.I)
_FENCE = re.compile(r"```[a-zA-Z]*\s*\n?(.*?)```", re.S)


def extract_json(text: str) -> dict[str, Any] | None:
    """The JSON object in a model's reply: whole text, a fenced block, or the first object.

    Reasoning models' <think> blocks are dropped first: they often contain braces.
    """
    text = _THINK.sub("", text).strip()
    candidates = [text] + [m.group(1).strip() for m in _FENCE.finditer(text)]
    for candidate in candidates:
        try:
            value = json.loads(candidate)
        except ValueError:
            continue
        if isinstance(value, dict):
            return value
    decoder = json.JSONDecoder()
    start = text.find("{")
    while start != -1:
        try:
            value, _ = decoder.raw_decode(text, start)
        except ValueError:
            value = None
        if isinstance(value, dict):
            return value
        start = text.find("{", start + 1)
    return None


def interpret(completion: ChatCompletion, config: LLMConfig) -> Reply:
    """Turn a completion into a Reply; a refusal or a content filter is a ServiceError."""
    if not hasattr(completion, "choices"):
        # The SDK hands back the raw text when a 200 is not JSON: a proxy's or a
        # captive portal's HTML page, or a URL that is not an OpenAI-compatible API.
        kind = "a web page" if "<html" in str(completion)[:1000].lower() else "something other than JSON"
        raise ServiceError(
            f"{config.where} answered with {kind}, not an OpenAI-compatible reply: "
            "check --base-url (it usually ends in /v1) and any proxy in between"
        )
    u = completion.usage
    usage = Usage(u.prompt_tokens or 0, u.completion_tokens or 0) if u else Usage()
    if not completion.choices:
        return Reply(None, None, usage, "the reply held no answer (no choices)")
    choice = completion.choices[0]
    message = choice.message
    refusal = getattr(message, "refusal", None)
    if refusal:
        raise ServiceError(f"the model refused to write the answer: {_scrub(refusal, config)}")
    if choice.finish_reason == "content_filter":
        raise ServiceError(
            f"the content filter at {config.where} blocked the answer; "
            "remove graphic or personal details from the draft and try again"
        )
    content = message.content or ""
    if choice.finish_reason == "length":
        return Reply(None, content, usage, "it was cut off because it was too long; write a shorter answer")
    data = extract_json(content)
    if data is None:
        return Reply(None, content, usage, "it was not a JSON object")
    try:
        answer = LLMAnswer.model_validate(data)
    except ValidationError as exc:
        fields = ", ".join(sorted({str(e["loc"][0]) for e in exc.errors() if e["loc"]})) or "the object"
        return Reply(None, content, usage, f"its JSON did not match the schema (check: {fields})")
    if not answer.answer.strip():
        return Reply(None, content, usage, "its answer was empty")
    return Reply(answer, content, usage)


# ---------------------------------------------------------------- errors, retries

_SECRET = re.compile(r"\b(sk|pk|rk)-[A-Za-z0-9_\-]{6,}")


def _scrub(text: str, config: LLMConfig | None = None, limit: int = 200) -> str:
    """Server text made safe to show: one line, short, no key-like strings."""
    if config is not None and config.api_key and config.api_key != PLACEHOLDER_KEY:
        text = text.replace(config.api_key, "***")
    text = _SECRET.sub(r"\1-***", " ".join(text.split()))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _server_message(exc: openai.APIStatusError) -> str:
    body = exc.body
    if isinstance(body, dict):
        error = body.get("error", body)
        if isinstance(error, dict) and isinstance(error.get("message"), str):
            return error["message"]
        if isinstance(error, str):
            return error
    return ""


def _error_code(exc: openai.APIStatusError) -> str:
    body = exc.body
    error = body.get("error", body) if isinstance(body, dict) else None
    code = error.get("code") if isinstance(error, dict) else None
    return str(code or exc.code or "")


def is_transient(exc: BaseException) -> bool:
    """Worth retrying unchanged: rate limits, server errors, timeouts, dropped connections."""
    if isinstance(exc, openai.APIConnectionError):  # includes APITimeoutError
        return True
    if isinstance(exc, openai.APIStatusError):
        if exc.status_code == 429:
            # An exhausted quota answers 429 too, and no amount of waiting fixes it.
            return _error_code(exc) != "insufficient_quota"
        return exc.status_code == 408 or exc.status_code >= 500
    return False


def retry_after(exc: BaseException | None) -> float | None:
    """The server's requested wait in seconds (retry-after-ms, Retry-After seconds or date)."""
    response = getattr(exc, "response", None)
    headers: Mapping[str, str] | None = getattr(response, "headers", None)
    if not headers:
        return None
    try:
        if (ms := headers.get("retry-after-ms")) is not None:
            return max(0.0, float(ms) / 1000)
        value = headers.get("retry-after")
        if value is None:
            return None
        try:
            return max(0.0, float(value))
        except ValueError:
            when = email.utils.parsedate_to_datetime(value)
            return max(0.0, when.timestamp() - time.time())
    except (TypeError, ValueError, OverflowError):
        return None


class _WaitRetryAfter(wait_base):
    """Honour Retry-After (capped); otherwise exponential backoff with jitter."""

    def __init__(self, cap: float | None = None) -> None:
        self._backoff = wait_exponential_jitter(multiplier=0.5, max=20.0, jitter=0.5)
        self._cap = cap

    def __call__(self, retry_state: RetryCallState) -> float:
        outcome = retry_state.outcome
        asked = retry_after(outcome.exception() if outcome else None)
        wait = min(asked, MAX_RETRY_AFTER) if asked is not None else self._backoff(retry_state)
        return wait if self._cap is None else min(wait, self._cap)


def _wait_cap() -> float | None:
    value = os.environ.get(ENV_RETRY_MAX_WAIT)
    if not value:
        return None
    try:
        cap = float(value)
    except ValueError:
        raise ConfigurationError(f"{ENV_RETRY_MAX_WAIT} must be a number of seconds, not {value!r}") from None
    if not cap >= 0:  # also refuses NaN
        raise ConfigurationError(f"{ENV_RETRY_MAX_WAIT} must be zero or more seconds, not {value!r}")
    return cap


# Module-level so tests can replace them and replay 429s without waiting.
def _sleep(seconds: float) -> None:
    time.sleep(seconds)


async def _asleep(seconds: float) -> None:
    await asyncio.sleep(seconds)


def _policy() -> dict[str, Any]:
    return {
        "retry": retry_if_exception(is_transient),
        "stop": stop_after_attempt(MAX_TRIES) | stop_after_delay(MAX_RETRY_SECONDS),
        "wait": _WaitRetryAfter(_wait_cap()),
        "reraise": True,
    }


def map_error(exc: Exception, config: LLMConfig, tries: int) -> ServiceError:
    """One clear sentence per failure, naming what to check; never the key."""
    where = config.where
    if isinstance(exc, openai.APITimeoutError):
        return ServiceError(f"{where} did not answer within {config.timeout:g} s ({tries} tries)")
    if isinstance(exc, openai.APIConnectionError):
        return ServiceError(f"cannot reach {where} after {tries} tries: is the server running and the URL right?")
    if isinstance(exc, openai.APIStatusError):
        status, detail = exc.status_code, _scrub(_server_message(exc), config)
        said = f" (the server said: {detail})" if detail else ""
        if status == 401:
            return ServiceError(f"{where} rejected the API key (401): check {ENV_KEY}")
        if status == 403:
            return ServiceError(
                f"permission denied (403) for model {config.model!r} at {where}: "
                f"check that the key's project may use it{said}"
            )
        if status == 404:
            return ServiceError(
                f"model {config.model!r} not found at {where} (404): choose another with --model or {ENV_MODEL}{said}"
            )
        if status == 429 and not is_transient(exc):
            return ServiceError(f"the account at {where} has no quota left (429): check billing{said}")
        if status == 400:
            lowered = detail.lower()
            if config.mode == "schema" and ("json_schema" in lowered or "response_format" in lowered):
                return ServiceError(
                    f"{where} does not support JSON-schema output (400): "
                    f"try --mode json (or {ENV_MODE}=json){said}"
                )
            if "model" in lowered:
                return ServiceError(
                    f"{where} does not accept model {config.model!r} (400): "
                    f"choose another with --model or {ENV_MODEL}{said}"
                )
            return ServiceError(f"{where} rejected the request (400){said}")
        if is_transient(exc):
            return ServiceError(f"{where} is unavailable (HTTP {status}) after {tries} tries; try again later")
        return ServiceError(f"{where} failed with HTTP {status}{said}")
    if isinstance(exc, openai.OpenAIError):
        return ServiceError(f"the OpenAI client failed: {_scrub(str(exc), config)}")
    return ServiceError(f"the LLM call failed: {type(exc).__name__}")


# ---------------------------------------------------------------- clients

# One client per configuration, reused: a new client per call would pay a TCP
# (and TLS) set-up on every rewrite.
@cache
def _sync_client(base_url: str | None, api_key: str, timeout: float) -> openai.OpenAI:
    return openai.OpenAI(api_key=api_key, base_url=base_url, timeout=timeout, max_retries=0)


# An async client's connection pool belongs to one event loop: cache per loop.
_async_clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[tuple[Any, ...], openai.AsyncOpenAI]]
_async_clients = weakref.WeakKeyDictionary()


def _async_client(base_url: str | None, api_key: str, timeout: float) -> openai.AsyncOpenAI:
    per_loop = _async_clients.setdefault(asyncio.get_running_loop(), {})
    key = (base_url, api_key, timeout)
    if key not in per_loop:
        per_loop[key] = openai.AsyncOpenAI(api_key=api_key, base_url=base_url, timeout=timeout, max_retries=0)
    return per_loop[key]


def _own_retries_off(client: Any) -> Any:
    # A caller's client keeps its pool; only its SDK retries are turned off.
    return client.with_options(max_retries=0) if getattr(client, "max_retries", 0) else client


class LLM:
    """Synchronous caller. `client` may be the caller's own openai.OpenAI."""

    def __init__(self, config: LLMConfig, client: Any = None) -> None:
        if client is not None and isinstance(client, openai.AsyncOpenAI):
            raise ConfigurationError("rewrite() needs a synchronous openai.OpenAI client; use arewrite() with AsyncOpenAI")
        self.config = config
        self._client = _own_retries_off(client) if client is not None else None

    @property
    def client(self) -> openai.OpenAI:
        c = self.config
        return self._client or _sync_client(c.base_url, c.api_key, c.timeout)

    def complete(self, messages: list[dict[str, str]]) -> Reply:
        kwargs = request_kwargs(messages, self.config)
        post: Callable[..., ChatCompletion] = self.client.post
        tries = 0
        try:
            for attempt in Retrying(sleep=lambda s: _sleep(s), **_policy()):
                with attempt:
                    tries = attempt.retry_state.attempt_number
                    completion = post(CHAT_PATH, body=kwargs, cast_to=ChatCompletion)
        except openai.OpenAIError as exc:
            raise map_error(exc, self.config, tries) from None
        return _with_retries(interpret(completion, self.config), tries)


class AsyncLLM:
    """Asynchronous caller. `client` may be the caller's own openai.AsyncOpenAI."""

    def __init__(self, config: LLMConfig, client: Any = None) -> None:
        if client is not None and isinstance(client, openai.OpenAI):
            raise ConfigurationError("arewrite() needs an openai.AsyncOpenAI client; use rewrite() with OpenAI")
        self.config = config
        self._client = _own_retries_off(client) if client is not None else None

    @property
    def client(self) -> openai.AsyncOpenAI:
        c = self.config
        return self._client or _async_client(c.base_url, c.api_key, c.timeout)

    async def complete(self, messages: list[dict[str, str]]) -> Reply:
        kwargs = request_kwargs(messages, self.config)
        post = self.client.post
        tries = 0
        try:
            async for attempt in AsyncRetrying(sleep=lambda s: _asleep(s), **_policy()):
                with attempt:
                    tries = attempt.retry_state.attempt_number
                    completion = await post(CHAT_PATH, body=kwargs, cast_to=ChatCompletion)
        except openai.OpenAIError as exc:
            raise map_error(exc, self.config, tries) from None
        return _with_retries(interpret(completion, self.config), tries)


def _with_retries(reply: Reply, tries: int) -> Reply:
    return Reply(reply.answer, reply.content, reply.usage, reply.problem, retries=max(0, tries - 1))



# ---------------------------------------------------------------- batches (rewriter/batch.py)


class Gate(Protocol):
    """What every HTTP request of a batch passes through (rewriter.batch.Throttle)."""

    async def acquire(self) -> None:
        """Wait for a free slot, then for any pause a 429 asked for."""

    def release(self) -> None:
        """Free the slot: the response has been read, or the request failed."""

    def after_response(self, status: int, retry_after: float | None) -> None:
        """Learn from a response: a 429 pauses and slows the batch, a success speeds it back up."""


class _GatedHttpClient(openai.DefaultAsyncHttpxClient):
    """The SDK's default async HTTP client, with every request sent through a Gate."""

    def __init__(self, gate: Gate, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._gate = gate

    async def send(self, request: httpx2.Request, **kwargs: Any) -> httpx2.Response:
        await self._gate.acquire()
        try:
            response = await super().send(request, **kwargs)  # the SDK sends unstreamed: the body is read here
        finally:
            self._gate.release()
        self._gate.after_response(response.status_code, retry_after(cast(Any, _HasResponse(response))))
        # A draft that waited for this slot has its request built: let it go out now,
        # before this reply is parsed and checked (a millisecond the server would sit idle).
        await asyncio.sleep(0)
        return response


def gated_async_client(config: LLMConfig, gate: Gate) -> openai.AsyncOpenAI:
    """An async client whose every HTTP request holds one of the gate's slots while it is
    on the wire, and whose every response the gate learns from.

    How a batch shares one throttle among its workers: a 429 seen by any request slows
    all of them. The retry policy of each request is unchanged (SDK retries off, tenacity).
    """
    return openai.AsyncOpenAI(api_key=config.api_key, base_url=config.base_url, timeout=config.timeout,
                              max_retries=0, http_client=_GatedHttpClient(gate))


@dataclass(frozen=True, slots=True)
class _HasResponse:
    response: Any  # what retry_after() reads from an exception


# ---------------------------------------------------------------- the OpenAI Batch API (rewriter/batch_api.py)

BATCH_ENDPOINT = "/v1/chat/completions"
BATCH_WINDOW = "24h"


def batch_request(custom_id: str, messages: list[dict[str, str]], config: LLMConfig) -> dict[str, Any]:
    """One line of a Batch API input file: the very body the direct call sends."""
    return {"custom_id": custom_id, "method": "POST", "url": BATCH_ENDPOINT, "body": request_kwargs(messages, config)}


def interpret_batch_result(line: Mapping[str, Any], config: LLMConfig) -> Reply:
    """A Batch API output line's response body as a Reply (a refusal is a ServiceError, as in a direct call).

    A request that failed inside the batch (its status_code not 200) raises the ServiceError
    map_error gives the same failure from a direct call.
    """
    from openai.types.chat import ChatCompletion

    response = line.get("response") or {}
    status = int(response.get("status_code") or 0)
    body = response.get("body")
    error = line.get("error")
    if status != 200 or not isinstance(body, dict):
        detail = body.get("error") if isinstance(body, dict) else error
        message = detail.get("message") if isinstance(detail, dict) else None
        return_error = f"the batch request failed (HTTP {status or '?'})"
        raise ServiceError(f"{return_error}: {_scrub(message, config)}" if message else return_error)
    try:
        completion = ChatCompletion.model_validate(body)
    except ValidationError:
        return Reply(None, None, Usage(), "the reply was not a chat completion")
    return interpret(completion, config)


@dataclass(frozen=True, slots=True)
class BatchState:
    """What rewriter needs to know about a Batch API job."""

    id: str
    status: str  # validating, in_progress, finalizing, completed, failed, expired, cancelling, cancelled
    total: int = 0
    completed: int = 0
    failed: int = 0
    output_file_id: str | None = None
    error_file_id: str | None = None
    errors: tuple[str, ...] = ()
    metadata: Mapping[str, str] = field(default_factory=dict)

    @property
    def finished(self) -> bool:
        return self.status in ("completed", "failed", "expired", "cancelled")


class BatchAPI:
    """Files and batches, through the cached sync client, with the same retry policy and error mapping."""

    def __init__(self, config: LLMConfig) -> None:
        self.config = config
        self.client = _sync_client(config.base_url, config.api_key, config.timeout)

    def _call(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        tries = 0
        try:
            for attempt in Retrying(sleep=lambda s: _sleep(s), **_policy()):
                with attempt:
                    tries = attempt.retry_state.attempt_number
                    return fn(*args, **kwargs)
        except openai.OpenAIError as exc:
            raise map_error(exc, self.config, tries) from None
        raise AssertionError("unreachable")  # pragma: no cover

    def upload(self, path: str | os.PathLike[str]) -> str:
        def send() -> Any:
            with open(path, "rb") as handle:
                return self.client.files.create(file=handle, purpose="batch")

        return str(self._call(send).id)

    def create(self, input_file_id: str, metadata: Mapping[str, str] | None = None) -> BatchState:
        batch = self._call(self.client.batches.create, input_file_id=input_file_id, endpoint=BATCH_ENDPOINT,
                           completion_window=BATCH_WINDOW, metadata=dict(metadata or {}) or None)
        return _state(batch)

    def retrieve(self, batch_id: str) -> BatchState:
        return _state(self._call(self.client.batches.retrieve, batch_id))

    def download(self, file_id: str, path: str | os.PathLike[str]) -> None:
        content = self._call(self.client.files.content, file_id)
        with open(path, "wb") as out:
            for chunk in content.iter_bytes():
                out.write(chunk)


def _state(batch: Any) -> BatchState:
    counts = batch.request_counts
    errors = tuple(_scrub(e.message or e.code or "error") for e in ((batch.errors and batch.errors.data) or []))
    return BatchState(
        id=batch.id, status=batch.status, total=counts.total if counts else 0,
        completed=counts.completed if counts else 0, failed=counts.failed if counts else 0,
        output_file_id=batch.output_file_id, error_file_id=batch.error_file_id, errors=errors,
        metadata=dict(batch.metadata or {}),
    )
