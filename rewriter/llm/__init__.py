"""The LLM side: the only package that imports openai.

    settings   LLMConfig: model, server, mode, key, resolved once from arguments and environment
    reply      the request body, and a completion read as a Reply (answer or why not)
    failures   which failures are transient, Retry-After, one ServiceError per failure
    transport  clients (one per configuration), the retry loops (one sync, one async), LLM, AsyncLLM
    gate       the batch gate: a client whose every request passes through a shared throttle
    batches    the OpenAI Batch API: request and result lines, files, batches

Tests that spy on request bodies patch `rewriter.llm.reply.request_kwargs`: every sender
looks it up there. The API key never appears in any message, log line or exception this package produces.
"""

from __future__ import annotations

from .failures import is_transient, map_error, retry_after
from .reply import Reply, extract_json, interpret
from .settings import PLACEHOLDER_KEY, LLMConfig
from .transport import LLM, MAX_TRIES, AsyncLLM

__all__ = [
    "LLM",
    "MAX_TRIES",
    "PLACEHOLDER_KEY",
    "AsyncLLM",
    "LLMConfig",
    "Reply",
    "extract_json",
    "interpret",
    "is_transient",
    "map_error",
    "retry_after",
]
