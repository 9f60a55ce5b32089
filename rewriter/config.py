"""Where rewriter's configuration comes from: the environment names, the help for a
user with none, and one reading of them, checked before any work.

Both sides import this module: the pipeline (which chooses an engine without
importing openai) and rewriter.llm (which builds the client). It stays light on
purpose: it sits on the start-up path of every command, `rewriter check` included,
so it imports nothing beyond the standard library's basics.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal, cast

from .errors import ConfigurationError

ENV_KEY = "OPENAI_API_KEY"
ENV_BASE_URL = "OPENAI_BASE_URL"
ENV_MODEL = "REWRITER_MODEL"
ENV_MODE = "REWRITER_MODE"
ENV_PROMPTS = "REWRITER_PROMPTS"
# Caps every single wait between transport retries (seconds); tests set it low so
# fault scenarios over real HTTP run in milliseconds instead of the real backoff.
ENV_RETRY_MAX_WAIT = "REWRITER_RETRY_MAX_WAIT"

# A small, cheap, capable model with strict structured outputs: an interview
# answer is ~150 words, and the local validator, not model size, is the safety net.
DEFAULT_MODEL = "gpt-4o-mini"

# auto: strict json_schema first; JSON mode (the schema sent where the server takes it,
# and in the prompt) for a server that refuses it. schema and json force one of them.
Mode = Literal["auto", "schema", "json"]
MODES: tuple[Mode, ...] = ("auto", "schema", "json")
DEFAULT_MODE: Mode = "auto"

SETUP_HELP = (
    f"set {ENV_KEY} to use OpenAI, or point --base-url (or {ENV_BASE_URL}) at an "
    "OpenAI-compatible server such as Ollama (http://localhost:11434/v1); "
    f"choose the model with --model or {ENV_MODEL}"
)


@dataclass(frozen=True, slots=True)
class Settings:
    """The LLM settings of the environment, read once and checked."""

    api_key: str | None = field(default=None, repr=False)  # never printed with the settings
    base_url: str | None = None
    model: str | None = None
    mode: Mode | None = None
    retry_max_wait: float | None = None  # seconds; None: the policy's own backoff, uncapped


def read_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """The environment's LLM settings; raises ConfigurationError for a value that cannot be used."""
    env = os.environ if environ is None else environ
    return Settings(
        api_key=env.get(ENV_KEY) or None,
        base_url=env.get(ENV_BASE_URL) or None,
        model=env.get(ENV_MODEL) or None,
        mode=parse_mode(env.get(ENV_MODE)),
        retry_max_wait=_seconds(env.get(ENV_RETRY_MAX_WAIT)),
    )


def parse_mode(value: str | None) -> Mode | None:
    """'auto', 'schema' or 'json' (any case, surrounding spaces ignored); None when not given."""
    if not value:
        return None
    mode = value.strip().lower()
    if mode not in MODES:
        raise ConfigurationError(f"unknown mode {mode!r}: use 'auto', 'schema' or 'json'")
    return cast(Mode, mode)


def _seconds(value: str | None) -> float | None:
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        raise ConfigurationError(f"{ENV_RETRY_MAX_WAIT} must be a number of seconds, not {value!r}") from None
    if not seconds >= 0:  # also refuses NaN
        raise ConfigurationError(f"{ENV_RETRY_MAX_WAIT} must be zero or more seconds, not {value!r}")
    return seconds


def llm_configured(base_url: str | None = None) -> bool:
    """True when an LLM is set up: a key, or a base URL (local servers need no key)."""
    return bool(base_url or os.environ.get(ENV_KEY) or os.environ.get(ENV_BASE_URL))
