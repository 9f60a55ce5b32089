"""Plain data types of a rewrite's result: attempts, usage, reframed reasons.

Kept apart from `models.py` so that `rewriter check` never builds these classes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from .errors import RewriterError, StillNegativeError
from .models import Finding

Engine = Literal["llm", "offline"]
Status = Literal["ok", "findings", "error"]


@dataclass(frozen=True, slots=True)
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            self.prompt_tokens + other.prompt_tokens,
            self.completion_tokens + other.completion_tokens,
        )

    @classmethod
    def sum(cls, usages: Iterable[Usage]) -> Usage:
        """The total of several (every attempt of a rewrite, say)."""
        prompt = completion = 0
        for usage in usages:
            prompt += usage.prompt_tokens
            completion += usage.completion_tokens
        return cls(prompt, completion)

    def to_dict(self) -> dict[str, int]:
        return {
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "total_tokens": self.total_tokens,
        }


@dataclass(frozen=True, slots=True)
class Reframe:
    """A reason for leaving found in the draft, and how the answer says it."""

    reason: str
    reframed_as: str


@dataclass(frozen=True, slots=True)
class Attempt:
    """One try at an answer: what came back, what the validator found, what it cost."""

    number: int
    answer: str | None  # None when the output could not be used at all
    findings: tuple[Finding, ...] = ()
    usage: Usage = field(default_factory=Usage)
    problem: str | None = None  # e.g. "truncated", "unparseable output"
    retries: int = 0  # transport retries (429, 5xx, timeouts) spent on this attempt; not re-asks

    @property
    def error_count(self) -> int:
        return sum(f.severity == "error" for f in self.findings)

    def to_dict(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "answer": self.answer,
            "findings": [f.to_dict() for f in self.findings],
            "usage": self.usage.to_dict(),
            "problem": self.problem,
            "retries": self.retries,
        }


@dataclass(frozen=True, slots=True)
class Rewrite:
    """The result of a rewrite: an answer with no error-level finding."""

    answer: str
    engine: Engine
    model: str | None
    findings: tuple[Finding, ...] = ()  # remaining warnings
    reasons: tuple[Reframe, ...] = ()
    facts_kept: tuple[str, ...] = ()
    left_out: tuple[str, ...] = ()
    attempts: tuple[Attempt, ...] = ()
    notices: tuple[str, ...] = ()  # things the user should know, e.g. a trimmed job posting

    @property
    def usage(self) -> Usage:
        return Usage.sum(a.usage for a in self.attempts)

    def to_record(self, *, attempts_detail: bool = True) -> dict[str, Any]:
        """The result as a record: see `to_record()`."""
        return to_record(self, attempts_detail=attempts_detail)


@dataclass(frozen=True, slots=True)
class Composition:
    """What an engine proposes, before the validator has looked at it."""

    answer: str
    reasons: tuple[Reframe, ...] = ()
    facts_kept: tuple[str, ...] = ()
    left_out: tuple[str, ...] = ()
    # What the engine found wrong with its own answer (the offline engine runs the
    # validator and its structural checks); None when the engine did not check.
    findings: tuple[Finding, ...] | None = None


# ---------------------------------------------------------------- one record shape


def to_record(
    outcome: Rewrite | BaseException,
    *,
    engine: str | None = None,
    model: str | None = None,
    attempts_detail: bool = True,
) -> dict[str, Any]:
    """The one dict a rewrite's outcome is shown as: the CLI's --json, a batch output
    line (with its id in front) and the web API all use it.

    `status` is ok (a clean answer), findings (the best answer, NOT clean: its findings
    say what to fix) or error (no answer; `message` says why). `attempts` is the list of
    attempts, or with `attempts_detail=False` (a batch line, kept short) their number.
    `engine` and `model` name what was used when the outcome itself does not say.
    """
    if isinstance(outcome, Rewrite):
        return _record(
            "ok", outcome.answer, outcome.engine, outcome.model, outcome.findings, outcome.attempts,
            reasons=[{"reason": r.reason, "reframed_as": r.reframed_as} for r in outcome.reasons],
            facts_kept=list(outcome.facts_kept), left_out=list(outcome.left_out), notices=list(outcome.notices),
            message=None, attempts_detail=attempts_detail,
        )
    if isinstance(outcome, StillNegativeError):
        return _record("findings", outcome.best.answer, outcome.engine, outcome.model, outcome.findings,
                       outcome.attempts, message=str(outcome), attempts_detail=attempts_detail)
    if isinstance(outcome, RewriterError):
        message = str(outcome)
    else:  # not a RewriterError: a bug. Its text could hold anything, so only its type is shown.
        message = f"internal error ({type(outcome).__name__}); please report it"
    return _record("error", None, engine, model, (), (), message=message, attempts_detail=attempts_detail)


def _record(
    status: Status, answer: str | None, engine: str | None, model: str | None, findings: tuple[Finding, ...],
    attempts: tuple[Attempt, ...], *, message: str | None, attempts_detail: bool,
    reasons: list[dict[str, str]] | None = None, facts_kept: list[str] | None = None,
    left_out: list[str] | None = None, notices: list[str] | None = None,
) -> dict[str, Any]:
    return {
        "status": status,
        "ok": status == "ok",
        "answer": answer,
        "engine": engine,
        "model": model,
        "findings": [f.to_dict() for f in findings],
        "reasons": reasons or [],
        "facts_kept": facts_kept or [],
        "left_out": left_out or [],
        "attempts": [a.to_dict() for a in attempts] if attempts_detail else len(attempts),
        "usage": Usage.sum(a.usage for a in attempts).to_dict(),
        "notices": notices or [],
        "message": message,
    }
