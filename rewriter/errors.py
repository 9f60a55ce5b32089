"""The exception tree. The CLI maps each branch to one exit code, in one place."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .models import Finding
    from .results import Attempt


class RewriterError(Exception):
    """Base of every error rewriter raises on purpose."""

    exit_code = 2


class InputError(RewriterError):
    """The draft or a file the user gave cannot be used (empty, too long, unreadable)."""

    exit_code = 2


class ConfigurationError(RewriterError):
    """Rewriter is not set up to do what was asked (no LLM configured, bad prompts dir)."""

    exit_code = 2


class ServiceError(RewriterError):
    """The LLM service failed: auth, refusal, unavailable after retries."""

    exit_code = 3


class StillNegativeError(RewriterError):
    """Every attempt still had error-level findings; carries the best one."""

    exit_code = 1

    def __init__(self, message: str, *, best: Attempt, attempts: tuple[Attempt, ...],
                 engine: str = "llm", model: str | None = None) -> None:
        super().__init__(message)
        self.best = best
        self.attempts = attempts
        self.engine = engine
        self.model = model

    @property
    def findings(self) -> tuple[Finding, ...]:
        return self.best.findings
