"""The batch gate: every HTTP request of a batch passes through one shared throttle."""

from __future__ import annotations

import asyncio
from typing import Any, Protocol

import httpx2
import openai

from .failures import retry_after_headers
from .settings import LLMConfig


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
        self._gate.after_response(response.status_code, retry_after_headers(response.headers))
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
