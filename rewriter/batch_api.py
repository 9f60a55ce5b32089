"""`rewriter batch --via openai-batch`: the OpenAI Batch API (not available yet)."""

from __future__ import annotations

from typing import Any

from .errors import ConfigurationError


def run(*args: Any, **kwargs: Any) -> Any:
    raise ConfigurationError("--via openai-batch is not available yet; use --via direct")


def print_status(*args: Any, **kwargs: Any) -> None:
    raise ConfigurationError("--status is not available yet")
