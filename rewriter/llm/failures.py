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
_USERINFO = re.compile(r"\b([a-z][a-z0-9+.-]*://)[^/\s@]+@", re.I)  # user:password@ in a URL
# C0 and C1 control characters (and DEL): a server's text is shown on a terminal.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
QUOTA_CODE = "insufficient_quota"  # a 429 that no amount of waiting fixes
# A Python traceback frame a server pasted into its error (llama-cpp-python does): cut there.
_TRACEBACK = re.compile(r"\n\s*(?:Traceback \(most recent call last\)|File \")")
# One pydantic validation error in repr form: {'type': ..., 'loc': ('body', 'x', 'y'), 'msg': "..."}.
_PYDANTIC = re.compile(r"""'loc':\s*\(([^)]*)\),\s*'msg':\s*(?:"([^"]*)"|'([^']*)')""")
# What a server says when it refuses the response format asked for.
_FORMAT_WORDS = re.compile(r"response_format|json_schema|json schema|structured output|json_object", re.I)
# A 400 that names one of these is about something else: falling back would not help.
_OTHER_CAUSE = re.compile(r"\bmodel\b|context|\btokens?\b|\bmessages?\b|api.?key|auth", re.I)


SERVER_TEXT_LIMIT = 300  # characters of a server's own error text shown in a message


def scrub(text: str, config: LLMConfig | None = None, limit: int = 200) -> str:
    """Server text made safe to show: one line, short, no control characters, no key-like strings."""
    if config is not None and config.api_key and config.api_key != PLACEHOLDER_KEY:
        text = text.replace(config.api_key, "***")
    text = _CONTROL.sub(" ", text)
    text = _USERINFO.sub(r"\1", text)
    text = _SECRET.sub(r"\1-***", " ".join(text.split()))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def readable(message: str) -> str:
    """A server's error text without the noise: no traceback tail, and a pydantic
    validation error said as `field.path: message` (llama-cpp-python sends the repr)."""
    message = _TRACEBACK.split(message, maxsplit=1)[0]
    errors = [f"{_dotted(loc)}: {double or single}" for loc, double, single in _PYDANTIC.findall(message)]
    return "; ".join(errors) if errors else message


def _dotted(loc: str) -> str:
    parts = (part.strip().strip("'\"") for part in loc.split(","))
    return ".".join(part for part in parts if part and part != "body")


def _server_message(exc: openai.APIStatusError) -> str:
    body = exc.body
    if isinstance(body, dict):
        error = body.get("error", body)
        if isinstance(error, dict) and isinstance(error.get("message"), str):
            return readable(str(error["message"]))
        if isinstance(error, str):
            return readable(error)
    return ""


def refuses_format(status: int, message: str) -> bool:
    """The server refused the response format it was asked for; the same request will
    never succeed, so it is not retried (a change of mode may help).

    A 400 or 422 naming the response format (or naming nothing else: some servers say
    only "Bad Request"), or a 5xx naming it: llama-cpp-python answers a json_schema
    response format with a 500 holding a validation error.
    """
    if _FORMAT_WORDS.search(message):
        return status in (400, 422) or status >= 500
    return status in (400, 422) and not _OTHER_CAUSE.search(message)


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
        if exc.status_code >= 500 and refuses_format(exc.status_code, _server_message(exc)):
            return False  # a refused response format: permanent, whatever the status says
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
        message = _server_message(exc)
        kind, retryable = classify(status, _error_code(exc))
        refused = refuses_format(status, message)
        if refused and status >= 500:
            kind, retryable = "bad_request", False
        detail = scrub(message, config, limit=SERVER_TEXT_LIMIT)
        said = f" (the server said: {detail})" if detail else ""
        code = f"HTTP {status}"

        def error(message: str) -> ServiceError:
            return ServiceError(message, kind=kind, status=status, retryable=retryable, server_message=detail or None)

        if kind == "auth":
            # No server text: servers echo (part of) the key they were given.
            return error(f"{where} rejected the API key (401): check {ENV_KEY}")
        if kind == "permission":
            return error(f"permission denied (403) for model {config.model!r} at {where}: "
                         f"check that the key's project may use it{said}")
        if kind == "not_found":
            return error(f"model {config.model!r} not found at {where} (404): "
                         f"choose another with --model or {ENV_MODEL}{said}")
        if kind == "rate_limited" and not retryable:
            return error(f"the account at {where} has no quota left (429): check billing{said}")
        if kind == "rate_limited":
            return error(f"{where} is rate limiting requests (429) after {tries} tries; "
                         f"try again in a minute{said}")
        if refused and _FORMAT_WORDS.search(message):
            from .modes import wire_mode  # (modes reads this module)

            if wire_mode(config) == "json" and config.mode == "auto":
                return error(f"{where} refused JSON-schema output and does not accept JSON mode either ({code}): "
                             f"it cannot return structured output; try another server or model{said}")
            if wire_mode(config) == "json":
                return error(f"{where} does not accept JSON mode ({code}): try --mode schema "
                             f"(or {ENV_MODE}=schema){said}")
            return error(f"{where} does not support JSON-schema output ({code}): try --mode auto or --mode json "
                         f"(or {ENV_MODE}=json){said}")
        if status in (400, 422):
            if "model" in message.lower():
                return error(f"{where} does not accept model {config.model!r} ({status}): "
                             f"choose another with --model or {ENV_MODEL}{said}")
            return error(f"{where} rejected the request ({status}){said}")
        if retryable:
            # Waiting helps here, and only here: the server itself failed, a later try may not.
            return error(f"{where} is unavailable (HTTP {status}) after {tries} tries{said}; try again later")
        return error(f"{where} failed with HTTP {status}{said}")
    if isinstance(exc, openai.OpenAIError):
        return ServiceError(f"the OpenAI client failed: {scrub(str(exc), config)}", kind="connection")
    return ServiceError(f"the LLM call failed: {type(exc).__name__}", kind="connection")
