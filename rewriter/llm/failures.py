"""What went wrong, said once: which failures are worth retrying, what the server asked
for, and one ServiceError per failure (kind, status, retryable, the server's words)."""

from __future__ import annotations

import email.utils
import re
import time
from collections.abc import Mapping

import openai

from ..config import ENV_KEY, ENV_MODE, ENV_MODEL
from ..errors import ServiceError, ServiceKind
from .settings import PLACEHOLDER_KEY, LLMConfig

_SECRET = re.compile(r"\b(sk|pk|rk)-[A-Za-z0-9_\-]{6,}")
# C0 and C1 control characters (and DEL): a server's text is shown on a terminal.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
QUOTA_CODE = "insufficient_quota"  # a 429 that no amount of waiting fixes


def scrub(text: str, config: LLMConfig | None = None, limit: int = 200) -> str:
    """Server text made safe to show: one line, short, no control characters, no key-like strings."""
    if config is not None and config.api_key and config.api_key != PLACEHOLDER_KEY:
        text = text.replace(config.api_key, "***")
    text = _CONTROL.sub(" ", text)
    text = _SECRET.sub(r"\1-***", " ".join(text.split()))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _server_message(exc: openai.APIStatusError) -> str:
    body = exc.body
    if isinstance(body, dict):
        error = body.get("error", body)
        if isinstance(error, dict) and isinstance(error.get("message"), str):
            return str(error["message"])
        if isinstance(error, str):
            return error
    return ""


def _error_code(exc: openai.APIStatusError) -> str:
    body = exc.body
    error = body.get("error", body) if isinstance(body, dict) else None
    code = error.get("code") if isinstance(error, dict) else None
    return str(code or exc.code or "")


def classify(status: int, code: str = "") -> tuple[ServiceKind, bool]:
    """The kind of an HTTP failure, and whether the same request may succeed later."""
    if status == 401:
        return "auth", False
    if status == 403:
        return "permission", False
    if status == 404:
        return "not_found", False
    if status == 408:
        return "timeout", True
    if status == 429:
        return "rate_limited", code != QUOTA_CODE
    if status >= 500:
        return "unavailable", True
    return "bad_request", False


def is_transient(exc: BaseException) -> bool:
    """Worth retrying unchanged: rate limits, server errors, timeouts, dropped connections."""
    if isinstance(exc, openai.APIConnectionError):  # includes APITimeoutError
        return True
    if isinstance(exc, openai.APIStatusError):
        return classify(exc.status_code, _error_code(exc))[1]
    return False


def retry_after(exc: BaseException | None) -> float | None:
    """The server's requested wait in seconds (retry-after-ms, Retry-After seconds or date)."""
    response = getattr(exc, "response", None)
    headers: Mapping[str, str] | None = getattr(response, "headers", None)
    return retry_after_headers(headers)


def retry_after_headers(headers: Mapping[str, str] | None) -> float | None:
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


def map_error(exc: Exception, config: LLMConfig, tries: int) -> ServiceError:
    """One clear sentence per failure, naming what to check; never the key."""
    where = config.where
    if isinstance(exc, openai.APITimeoutError):
        return ServiceError(f"{where} did not answer within {config.timeout:g} s ({tries} tries)",
                            kind="timeout", retryable=True)
    if isinstance(exc, openai.APIConnectionError):
        return ServiceError(f"cannot reach {where} after {tries} tries: is the server running and the URL right?",
                            kind="connection", retryable=True)
    if isinstance(exc, openai.APIStatusError):
        status = exc.status_code
        kind, retryable = classify(status, _error_code(exc))
        detail = scrub(_server_message(exc), config)
        said = f" (the server said: {detail})" if detail else ""

        def error(message: str) -> ServiceError:
            return ServiceError(message, kind=kind, status=status, retryable=retryable, server_message=detail or None)

        if kind == "auth":
            return error(f"{where} rejected the API key (401): check {ENV_KEY}")
        if kind == "permission":
            return error(f"permission denied (403) for model {config.model!r} at {where}: "
                         f"check that the key's project may use it{said}")
        if kind == "not_found":
            return error(f"model {config.model!r} not found at {where} (404): "
                         f"choose another with --model or {ENV_MODEL}{said}")
        if kind == "rate_limited" and not retryable:
            return error(f"the account at {where} has no quota left (429): check billing{said}")
        if status == 400:
            lowered = detail.lower()
            if config.mode == "schema" and ("json_schema" in lowered or "response_format" in lowered):
                return error(f"{where} does not support JSON-schema output (400): "
                             f"try --mode json (or {ENV_MODE}=json){said}")
            if "model" in lowered:
                return error(f"{where} does not accept model {config.model!r} (400): "
                             f"choose another with --model or {ENV_MODEL}{said}")
            return error(f"{where} rejected the request (400){said}")
        if retryable:
            return error(f"{where} is unavailable (HTTP {status}) after {tries} tries; try again later")
        return error(f"{where} failed with HTTP {status}{said}")
    if isinstance(exc, openai.OpenAIError):
        return ServiceError(f"the OpenAI client failed: {scrub(str(exc), config)}", kind="connection")
    return ServiceError(f"the LLM call failed: {type(exc).__name__}", kind="connection")
