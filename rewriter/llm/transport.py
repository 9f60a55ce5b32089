"""Sending: one client per configuration, and the transport retry policy (tenacity).

Transport failures are retried here (429, 5xx, timeouts, dropped connections);
everything about *what* the model wrote is the pipeline's business (re-asks). The
SDK's own retries are off, so the two budgets never multiply. One retry loop for
synchronous calls and one for asynchronous ones; every caller goes through them.
"""

from __future__ import annotations

import asyncio
import time
import weakref
from collections.abc import Awaitable, Callable
from functools import cache
from typing import Any, TypeVar

import openai
from openai.types.chat import ChatCompletion
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

from ..errors import ConfigurationError, ServiceError
from ..results import Usage
from . import modes
from . import reply as _reply
from .failures import is_transient, map_error, retry_after
from .reply import CHAT_PATH, Reply, interpret
from .settings import LLMConfig

T = TypeVar("T")

# Transport retry budget (separate from re-asks, which the pipeline counts).
MAX_TRIES = 5
MAX_RETRY_SECONDS = 60.0
MAX_RETRY_AFTER = 30.0  # a server asking for longer than this is not worth waiting for


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


# Module-level so tests can replace them and replay 429s without waiting.
def _sleep(seconds: float) -> None:
    time.sleep(seconds)


async def _asleep(seconds: float) -> None:
    await asyncio.sleep(seconds)


def _policy(config: LLMConfig) -> dict[str, Any]:
    return {
        "retry": retry_if_exception(is_transient),
        "stop": stop_after_attempt(MAX_TRIES) | stop_after_delay(MAX_RETRY_SECONDS),
        "wait": _WaitRetryAfter(config.retry_max_wait),
        "reraise": True,
    }


def call(fn: Callable[[], T], config: LLMConfig) -> tuple[T, int]:
    """fn() under the retry policy: its value and the tries it took. A final failure is a ServiceError."""
    tries = 0
    try:
        for attempt in Retrying(sleep=lambda s: _sleep(s), **_policy(config)):
            with attempt:
                tries = attempt.retry_state.attempt_number
                return fn(), tries
    except openai.OpenAIError as exc:
        raise map_error(exc, config, tries) from None
    raise AssertionError("unreachable: tenacity re-raises the last failure")  # pragma: no cover


async def acall(fn: Callable[[], Awaitable[T]], config: LLMConfig) -> tuple[T, int]:
    """The async twin of call(): the same policy, awaited."""
    tries = 0
    try:
        async for attempt in AsyncRetrying(sleep=lambda s: _asleep(s), **_policy(config)):
            with attempt:
                tries = attempt.retry_state.attempt_number
                return await fn(), tries
    except openai.OpenAIError as exc:
        raise map_error(exc, config, tries) from None
    raise AssertionError("unreachable: tenacity re-raises the last failure")  # pragma: no cover


# ---------------------------------------------------------------- clients

# One client per configuration, reused: a new client per call would pay a TCP
# (and TLS) set-up on every rewrite.
@cache
def _sync_client(base_url: str | None, api_key: str, timeout: float) -> openai.OpenAI:
    return openai.OpenAI(api_key=api_key, base_url=base_url, timeout=timeout, max_retries=0)


def sync_client(config: LLMConfig) -> openai.OpenAI:
    return _sync_client(config.base_url, config.api_key, config.timeout)


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
        self._client: openai.OpenAI | None = _own_retries_off(client) if client is not None else None

    @property
    def client(self) -> openai.OpenAI:
        return self._client or sync_client(self.config)

    def complete(self, messages: list[dict[str, str]]) -> Reply:
        """Send one attempt's messages; a refused json_schema (auto mode) comes back as a Reply
        whose `switched` notice tells the caller to send the attempt again in JSON mode."""
        config = self.config
        sent = modes.wire_mode(config)
        body = _reply.request_kwargs(messages, config)
        post = self.client.post
        try:
            completion, tries = call(lambda: post(CHAT_PATH, body=body, cast_to=ChatCompletion), config)
        except ServiceError as exc:
            return _refused(config, sent, exc)
        modes.learn(config, sent)
        return interpret(completion, config).with_retries(tries)


class AsyncLLM:
    """Asynchronous caller. `client` may be the caller's own openai.AsyncOpenAI."""

    def __init__(self, config: LLMConfig, client: Any = None) -> None:
        if client is not None and isinstance(client, openai.OpenAI):
            raise ConfigurationError("arewrite() needs an openai.AsyncOpenAI client; use rewrite() with OpenAI")
        self.config = config
        self._client: openai.AsyncOpenAI | None = _own_retries_off(client) if client is not None else None

    @property
    def client(self) -> openai.AsyncOpenAI:
        c = self.config
        return self._client or _async_client(c.base_url, c.api_key, c.timeout)

    async def complete(self, messages: list[dict[str, str]]) -> Reply:
        """The async twin of LLM.complete. While a server's mode is not known yet, its
        requests go one at a time: a batch learns from the first refusal, not from eight."""
        if not modes.known(self.config):
            async with modes.probe_lock(self.config):
                if not modes.known(self.config):  # still unknown: this request is the probe
                    return await self._complete(messages)
        return await self._complete(messages)

    async def _complete(self, messages: list[dict[str, str]]) -> Reply:
        config = self.config
        sent = modes.wire_mode(config)
        body = _reply.request_kwargs(messages, config)
        post = self.client.post
        try:
            completion, tries = await acall(lambda: post(CHAT_PATH, body=body, cast_to=ChatCompletion), config)
        except ServiceError as exc:
            return _refused(config, sent, exc)
        modes.learn(config, sent)
        return interpret(completion, config).with_retries(tries)


def _refused(config: LLMConfig, sent: modes.Wire, error: ServiceError) -> Reply:
    """A json_schema request the server refused, in auto mode: learn JSON mode for this
    server and say so; any other failure is raised as it is."""
    if not modes.should_fall_back(config, sent, error):
        raise error
    modes.learn(config, "json")
    return Reply(None, None, Usage(), problem="the server refused JSON-schema output",
                 switched=modes.fallback_notice(config, error))
