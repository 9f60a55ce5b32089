"""Which structured-output mode a request uses, and what the process learned about each server.

`--mode auto` (the default) asks for strict `json_schema` first. A server that refuses it
(see failures.refuses_format) is switched to JSON mode at once and remembered for the rest
of the process, per base URL, so a batch of a thousand drafts pays for the refusal once.
`--mode schema` and `--mode json` force one mode and learn nothing.

The memory is process-wide on purpose (one CLI run, one batch, one web server); tests
reset it with forget().
"""

from __future__ import annotations

import asyncio
import threading
import weakref
from typing import Literal
from urllib.parse import urlsplit

from ..errors import ServiceError
from .failures import refuses_format
from .settings import LLMConfig

Wire = Literal["schema", "json"]  # what one request actually asks for

_learned: dict[str, Wire] = {}  # server key -> the mode that server is known to take
_lock = threading.Lock()
# Async drafts of a batch wait behind the first request to a server not yet known, so that
# only one of them pays for a refusal (locks belong to one event loop each).
_probes: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, asyncio.Lock]] = weakref.WeakKeyDictionary()


def server_key(base_url: str | None) -> str:
    """One key per server: the OpenAI API is '', a base URL is compared without a trailing slash."""
    return (base_url or "").strip().rstrip("/").lower()


def wire_mode(config: LLMConfig) -> Wire:
    """The mode the next request to config's server uses."""
    if config.mode != "auto":
        return config.mode
    return _learned.get(server_key(config.base_url), "schema")


def known(config: LLMConfig) -> bool:
    """True when the next request's mode is settled: forced, or learned from this server."""
    return config.mode != "auto" or server_key(config.base_url) in _learned


def learn(config: LLMConfig, mode: Wire) -> None:
    """Remember what the server took. A server once switched to JSON mode stays there."""
    if config.mode != "auto":
        return
    with _lock:
        key = server_key(config.base_url)
        if _learned.get(key) != "json":
            _learned[key] = mode


def should_fall_back(config: LLMConfig, sent: Wire, error: ServiceError) -> bool:
    """An auto-mode json_schema request the server refused: switch to JSON mode (never retried)."""
    if config.mode != "auto" or sent != "schema" or error.status is None:
        return False
    return refuses_format(error.status, error.server_message or "")


def fallback_notice(config: LLMConfig, error: ServiceError) -> str:
    said = f": {error.server_message}" if error.server_message else ""
    return (f"{config.where} refused JSON-schema output (HTTP {error.status}{said}); "
            "using JSON mode with the schema for this server from now on (--mode json skips the first try)")


def probe_lock(config: LLMConfig) -> asyncio.Lock:
    """The lock the first requests to an unknown server queue behind (one per event loop)."""
    per_loop = _probes.setdefault(asyncio.get_running_loop(), {})
    return per_loop.setdefault(server_key(config.base_url), asyncio.Lock())


def takes_schema_sibling(base_url: str | None) -> bool:
    """Does JSON mode carry the schema in `response_format.schema`?

    llama-cpp-python and llama.cpp's llama-server constrain decoding to it; Ollama and vLLM
    ignore it; OpenAI's own API has no such field, so it is never sent there.
    """
    if base_url is None:
        return False
    host = (urlsplit(base_url).hostname or "").lower()
    return host != "api.openai.com" and not host.endswith(".openai.azure.com")


def forget() -> None:
    """Forget every server (tests; a long-running process whose server was upgraded)."""
    with _lock:
        _learned.clear()
    _probes.clear()
