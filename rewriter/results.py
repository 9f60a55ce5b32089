"""Plain data types of a rewrite's result: attempts, usage, reframed reasons.

Kept apart from `models.py` so that `rewriter check` never builds these classes.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from .models import Finding

Engine = Literal["llm", "offline"]


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
        total = Usage()
        for attempt in self.attempts:
            total = total + attempt.usage
        return total

    def to_dict(self) -> dict[str, Any]:
        return {
            "answer": self.answer,
            "ok": True,
            "engine": self.engine,
            "model": self.model,
            "findings": [f.to_dict() for f in self.findings],
            "reasons": [asdict(r) for r in self.reasons],
            "facts_kept": list(self.facts_kept),
            "left_out": list(self.left_out),
            "attempts": [a.to_dict() for a in self.attempts],
            "usage": self.usage.to_dict(),
            "notices": list(self.notices),
        }


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
