"""The exception tree. The CLI maps each branch to one exit code, in one place."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from .models import Finding
    from .results import Attempt, Variant


class RewriterError(Exception):
    """Base of every error rewriter raises on purpose."""

    exit_code = 2


class InputError(RewriterError):
    """The draft or a file the user gave cannot be used (empty, too long, unreadable)."""

    exit_code = 2


class ConfigurationError(RewriterError):
    """Rewriter is not set up to do what was asked (no LLM configured, bad prompts dir)."""

    exit_code = 2


ServiceKind = Literal[
    "rate_limited",  # 429: too many requests, or no quota left (then not retryable)
    "unavailable",  # 5xx, or a batch job that did not complete
    "auth",  # 401: the key
    "permission",  # 403: the key's project may not use the model
    "not_found",  # 404: the model or the URL
    "bad_request",  # 400 and other 4xx: the server refused what was sent
    "refused",  # the model refused, a content filter blocked it, or no attempt gave a usable answer
    "timeout",  # no answer in time
    "connection",  # the server could not be reached, or what answered is not an OpenAI-compatible API
]


class ServiceError(RewriterError):
    """The LLM service failed: auth, refusal, unavailable after retries.

    For programs: `kind` says what failed (see ServiceKind), `status` is the HTTP
    status when there was one, `retryable` whether the same request may succeed
    later, and `server_message` the server's own words (one line, short, control
    characters removed, never the API key). The message (str) is for people.
    """

    exit_code = 3

    def __init__(self, message: str, *, kind: ServiceKind = "unavailable", status: int | None = None,
                 retryable: bool = False, server_message: str | None = None) -> None:
        super().__init__(message)
        self.kind: ServiceKind = kind
        self.status = status
        self.retryable = retryable
        self.server_message = server_message


class StillNegativeError(RewriterError):
    """Every attempt still had error-level findings; carries the best one.

    With several variants asked for, `variants` holds each (best first), none of them clean."""

    exit_code = 1

    def __init__(self, message: str, *, best: Attempt, attempts: tuple[Attempt, ...],
                 engine: str = "llm", model: str | None = None, variants: tuple[Variant, ...] = ()) -> None:
        super().__init__(message)
        self.best = best
        self.attempts = attempts
        self.engine = engine
        self.model = model
        self.variants = variants

    @property
    def findings(self) -> tuple[Finding, ...]:
        return self.best.findings
