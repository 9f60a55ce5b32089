"""LLMConfig: what a request needs to know (model, server, mode, key), resolved once."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

from ..config import DEFAULT_MODE, DEFAULT_MODEL, SETUP_HELP, Mode, parse_mode, read_settings
from ..errors import ConfigurationError

PLACEHOLDER_KEY = "no-key-needed"  # local servers ignore it; the SDK insists on one
DEFAULT_TIMEOUT = 60.0  # seconds per request


@dataclass(frozen=True, slots=True)
class LLMConfig:
    model: str
    base_url: str | None
    mode: Mode
    api_key: str = field(repr=False)  # repr=False: never printed with the config
    timeout: float = DEFAULT_TIMEOUT
    retry_max_wait: float | None = None  # caps each wait between transport retries (seconds)

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
        """Arguments first, then the environment (read once, here), then defaults.

        Every setting is checked now, before any request: a bad value is a
        ConfigurationError, never a failure of the first request (or of every draft).
        """
        env = read_settings()
        base_url = base_url or env.base_url
        key = api_key or env.api_key
        if not key:
            if not base_url:
                raise ConfigurationError(f"no LLM is configured: {SETUP_HELP}")
            key = PLACEHOLDER_KEY
        return cls(
            model=model or env.model or DEFAULT_MODEL,
            base_url=base_url,
            mode=parse_mode(mode) or env.mode or DEFAULT_MODE,
            api_key=key,
            timeout=timeout or DEFAULT_TIMEOUT,
            retry_max_wait=env.retry_max_wait,
        )

    @property
    def where(self) -> str:
        """The server as every message names it: never with a user:password@ part."""
        return shown_url(self.base_url) if self.base_url else "the OpenAI API"


def shown_url(url: str) -> str:
    """`url` without its credentials (http://user:secret@host:8080/v1 -> http://host:8080/v1)."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=host))
